import { useEffect, useRef, useState } from 'preact/hooks';
import {
  type AdminUser,
  adminApi,
  DEFAULT_USER_QUERY,
  type UserAction,
  type UserQuery,
  type UserSort,
  type UsersPage,
} from '../../api/admin';
import { asApiError } from '../../api/client';
import { formatDateTime, formatMoney } from '../../i18n/format';
import { defineMessages } from '../../i18n/messages';
import { FormError } from '../FormError';
import { TextField } from '../TextField';
import { Pager, ScrollRegion, SelectField, StatusLine } from './AdminFormControls';
import { adminMessageFor, reportAdminFailure } from './adminErrors';
import { ConfirmDialog } from './ConfirmDialog';
import { useDebouncedValue } from './useDebouncedValue';

const text = defineMessages({
  fr: {
    title: 'Utilisateurs',
    search: 'Rechercher (pseudo ou e-mail)',
    role: 'Rôle',
    anyRole: 'Tous les rôles',
    member: 'Membre',
    admin: 'Administrateur',
    premium: 'Premium',
    anyPlan: 'Premium ou non',
    premiumOnly: 'Premium',
    freeOnly: 'Sans Premium',
    name: 'Pseudo',
    email: 'E-mail',
    locker: 'Casier associé',
    sessions: 'Sessions',
    revenue: 'Revenu',
    created: 'Inscrit le',
    actions: 'Actions',
    yes: 'Oui',
    no: 'Non',
    none: '—',
    manage: 'Gérer',
    manageLabel: (name: string) => `Gérer ${name}`,
    count: (total: number) => (total === 1 ? '1 personne' : `${total} personnes`),
    totalRevenue: (money: string) => `revenu total ${money}`,
    loading: 'Chargement…',
    empty: 'Personne ne correspond à cette recherche.',
    sortBy: (column: string) => `Trier par ${column}`,
    dialogTitle: (name: string) => `Gérer ${name}`,
    whichAction: 'Action',
    grantPremium: 'Accorder Premium',
    revokePremium: 'Retirer Premium',
    makeAdmin: 'Nommer administrateur',
    unmakeAdmin: 'Retirer le rôle d’administrateur',
    unpair: 'Dissocier de force son casier',
    erase: 'Effacer ses données personnelles',
    eraseWarning:
      'Irréversible : le compte est anonymisé, ses réservations soldées (les payées remboursées) ; les paiements restent, sans le nom.',
    unpairNote: (locker: string) => `Le casier ${locker} sera libéré pour cette personne.`,
    donePremiumOn: (name: string) => `Premium accordé à ${name}.`,
    donePremiumOff: (name: string) => `Premium retiré à ${name}.`,
    doneAdminOn: (name: string) => `${name} est maintenant administrateur.`,
    doneAdminOff: (name: string) => `${name} n’est plus administrateur.`,
    doneUnpaired: (name: string) => `Le casier de ${name} est dissocié.`,
    doneErased: (name: string) => `Les données personnelles de ${name} sont effacées.`,
  },
  en: {
    title: 'Users',
    search: 'Search (nickname or e-mail)',
    role: 'Role',
    anyRole: 'Every role',
    member: 'Member',
    admin: 'Administrator',
    premium: 'Premium',
    anyPlan: 'Premium or not',
    premiumOnly: 'Premium',
    freeOnly: 'Without Premium',
    name: 'Nickname',
    email: 'E-mail',
    locker: 'Paired locker',
    sessions: 'Sessions',
    revenue: 'Revenue',
    created: 'Signed up',
    actions: 'Actions',
    yes: 'Yes',
    no: 'No',
    none: '—',
    manage: 'Manage',
    manageLabel: (name: string) => `Manage ${name}`,
    count: (total: number) => (total === 1 ? '1 person' : `${total} people`),
    totalRevenue: (money: string) => `total revenue ${money}`,
    loading: 'Loading…',
    empty: 'Nobody matches this search.',
    sortBy: (column: string) => `Sort by ${column}`,
    dialogTitle: (name: string) => `Manage ${name}`,
    whichAction: 'Action',
    grantPremium: 'Grant Premium',
    revokePremium: 'Revoke Premium',
    makeAdmin: 'Make administrator',
    unmakeAdmin: 'Remove the administrator role',
    unpair: 'Force-unpair their locker',
    erase: 'Erase their personal data',
    eraseWarning:
      'Cannot be undone: the account is anonymised, its bookings settled (paid ones refunded); payments are kept, without the name.',
    unpairNote: (locker: string) => `Locker ${locker} will be released for this person.`,
    donePremiumOn: (name: string) => `Premium granted to ${name}.`,
    donePremiumOff: (name: string) => `Premium revoked for ${name}.`,
    doneAdminOn: (name: string) => `${name} is now an administrator.`,
    doneAdminOff: (name: string) => `${name} is no longer an administrator.`,
    doneUnpaired: (name: string) => `${name}'s locker is unpaired.`,
    doneErased: (name: string) => `${name}'s personal data is erased.`,
  },
});

type Load = { kind: 'loading' } | { kind: 'loaded'; page: UsersPage } | { kind: 'failed'; message: string };

/** The actions offered for one person, given who they are now. */
export function userActionsFor(user: AdminUser): UserAction[] {
  const actions: UserAction[] = [
    { kind: 'premium', premium: !user.premium },
    { kind: 'role', role: user.role === 'admin' ? 'user' : 'admin' },
  ];
  if (user.locker) actions.push({ kind: 'unpair' });
  actions.push({ kind: 'erase' });
  return actions;
}

function actionKey(action: UserAction): string {
  switch (action.kind) {
    case 'premium':
      return action.premium ? 'premium-grant' : 'premium-revoke';
    case 'role':
      return action.role === 'admin' ? 'role-admin' : 'role-user';
    case 'unpair':
      return 'unpair';
    case 'erase':
      return 'erase';
  }
}

function actionLabel(action: UserAction): string {
  const t = text();
  switch (action.kind) {
    case 'premium':
      return action.premium ? t.grantPremium : t.revokePremium;
    case 'role':
      return action.role === 'admin' ? t.makeAdmin : t.unmakeAdmin;
    case 'unpair':
      return t.unpair;
    case 'erase':
      return t.erase;
  }
}

function doneMessage(action: UserAction, name: string): string {
  const t = text();
  switch (action.kind) {
    case 'premium':
      return action.premium ? t.donePremiumOn(name) : t.donePremiumOff(name);
    case 'role':
      return action.role === 'admin' ? t.doneAdminOn(name) : t.doneAdminOff(name);
    case 'unpair':
      return t.doneUnpaired(name);
    case 'erase':
      return t.doneErased(name);
  }
}

interface Column {
  key: string;
  label: string;
  sort?: UserSort;
  numeric?: boolean;
}

/**
 * Everyone with an account: search (debounced), filters, sort by column and the server's pages
 * (it stays fast with 100,000 people). Each person's actions are in one dialog, with a reason.
 */
export function UsersSection({ onSessionLost }: { onSessionLost(): void }) {
  const [query, setQuery] = useState<UserQuery>(DEFAULT_USER_QUERY);
  const [search, setSearch] = useState('');
  const q = useDebouncedValue(search.trim(), 300);
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [reload, setReload] = useState(0);
  const [managing, setManaging] = useState<AdminUser | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const sessionLost = useRef(onSessionLost);
  sessionLost.current = onSessionLost;
  const t = text();

  // A new search starts again at page 1.
  useEffect(() => setQuery((current) => (current.q === q ? current : { ...current, q, page: 1 })), [q]);

  useEffect(() => {
    let current = true;
    setLoad((previous) => (previous.kind === 'loaded' ? previous : { kind: 'loading' }));
    adminApi.users(query).then(
      (page) => current && setLoad({ kind: 'loaded', page }),
      (failure: unknown) =>
        current && reportAdminFailure(failure, sessionLost.current, (message) => setLoad({ kind: 'failed', message })),
    );
    return () => {
      current = false;
    };
  }, [query, reload]);

  function sortBy(sort: UserSort) {
    setQuery((current) => ({
      ...current,
      sort,
      // Same column again: the other way round. A new column: A→Z, or the largest first for numbers.
      dir:
        current.sort === sort
          ? current.dir === 'asc'
            ? 'desc'
            : 'asc'
          : sort === 'name' || sort === 'email'
            ? 'asc'
            : 'desc',
      page: 1,
    }));
  }

  const columns: Column[] = [
    { key: 'name', label: t.name, sort: 'name' },
    { key: 'email', label: t.email, sort: 'email' },
    { key: 'role', label: t.role },
    { key: 'premium', label: t.premium },
    { key: 'locker', label: t.locker },
    { key: 'sessions', label: t.sessions, sort: 'sessions', numeric: true },
    { key: 'revenue', label: t.revenue, sort: 'revenue', numeric: true },
    { key: 'created', label: t.created, sort: 'created' },
    { key: 'actions', label: t.actions },
  ];

  const page = load.kind === 'loaded' ? load.page : null;

  return (
    <div class="admin-section" data-testid="admin-users">
      <section class="frame" aria-labelledby="users-title">
        <h2 class="section-title" id="users-title">
          {t.title}
        </h2>
        <div class="admin-filters">
          <TextField label={t.search} name="users-search" value={search} onInput={setSearch} testId="users-search" />
          <SelectField
            label={t.role}
            name="users-role"
            value={query.role}
            options={[
              { value: '', label: t.anyRole },
              { value: 'user', label: t.member },
              { value: 'admin', label: t.admin },
            ]}
            onChange={(role) => setQuery((c) => ({ ...c, role: role as UserQuery['role'], page: 1 }))}
            testId="users-role"
          />
          <SelectField
            label={t.premium}
            name="users-premium"
            value={query.premium}
            options={[
              { value: '', label: t.anyPlan },
              { value: 'true', label: t.premiumOnly },
              { value: 'false', label: t.freeOnly },
            ]}
            onChange={(premium) => setQuery((c) => ({ ...c, premium: premium as UserQuery['premium'], page: 1 }))}
            testId="users-premium"
          />
        </div>
        <StatusLine message={status} testId="users-status" />
        {load.kind === 'failed' && <FormError message={load.message} testId="users-error" />}
        {page && (
          <p class="admin-summary" data-testid="users-total">
            {t.count(page.total)} · {t.totalRevenue(formatMoney(page.totals.revenueCents))}
          </p>
        )}
        <ScrollRegion labelledBy="users-title">
          <table class="admin-table" aria-busy={load.kind === 'loading'} data-testid="users-table">
            <thead>
              <tr>
                {columns.map((column) => {
                  const active = column.sort !== undefined && query.sort === column.sort;
                  return (
                    <th
                      key={column.key}
                      scope="col"
                      class={column.numeric ? 'admin-table__num' : undefined}
                      aria-sort={active ? (query.dir === 'asc' ? 'ascending' : 'descending') : undefined}
                    >
                      {column.sort ? (
                        <button
                          type="button"
                          class="admin-sort"
                          onClick={() => column.sort && sortBy(column.sort)}
                          data-testid={`users-sort-${column.sort}`}
                          aria-label={t.sortBy(column.label)}
                        >
                          {column.label}
                          <span class="admin-sort__mark" aria-hidden="true">
                            {active ? (query.dir === 'asc' ? '▲' : '▼') : '◇'}
                          </span>
                        </button>
                      ) : (
                        column.label
                      )}
                    </th>
                  );
                })}
              </tr>
            </thead>
            <tbody>
              {page?.users.map((user) => (
                <tr key={user.id} data-testid="user-row" data-user-id={user.id} data-email={user.email}>
                  <td class="admin-table__strong">{user.name}</td>
                  <td class="admin-table__wrap">{user.email}</td>
                  <td data-testid="user-row-role" data-state={user.role}>
                    {user.role === 'admin' ? t.admin : t.member}
                  </td>
                  <td data-testid="user-row-premium" data-state={String(user.premium)}>
                    {user.premium ? <span class="badge badge--premium">{t.yes}</span> : t.no}
                  </td>
                  <td>{user.locker ? `${user.locker.name} (${user.locker.id})` : t.none}</td>
                  <td class="admin-table__num">{user.sessions}</td>
                  <td class="admin-table__num">{formatMoney(user.revenueCents)}</td>
                  <td>
                    <time dateTime={user.createdAt}>{formatDateTime(user.createdAt)}</time>
                  </td>
                  <td>
                    <button
                      type="button"
                      class="btn btn--ghost btn--small"
                      onClick={() => setManaging(user)}
                      aria-label={t.manageLabel(user.name)}
                      data-testid="user-manage"
                    >
                      {t.manage}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
        {load.kind === 'loading' && <p class="settings-form__hint">{t.loading}</p>}
        {page && page.users.length === 0 && <p class="page__empty">{t.empty}</p>}
        {page && page.total > page.pageSize && (
          <Pager
            page={query.page}
            pageSize={page.pageSize}
            total={page.total}
            onPage={(next) => setQuery((c) => ({ ...c, page: next }))}
            testId="users-pager"
          />
        )}
      </section>
      {managing && (
        <UserActionsDialog
          user={managing}
          onClose={() => setManaging(null)}
          onDone={(action, updated) => {
            setStatus(doneMessage(action, managing.name));
            setManaging(null);
            if (updated && load.kind === 'loaded') {
              setLoad({
                kind: 'loaded',
                page: { ...load.page, users: load.page.users.map((u) => (u.id === updated.id ? updated : u)) },
              });
            } else {
              setReload((n) => n + 1);
            }
          }}
          onSessionLost={onSessionLost}
        />
      )}
    </div>
  );
}

interface UserActionsDialogProps {
  user: AdminUser;
  onClose(): void;
  onDone(action: UserAction, updated: AdminUser | null): void;
  onSessionLost(): void;
}

function UserActionsDialog({ user, onClose, onDone, onSessionLost }: UserActionsDialogProps) {
  const actions = userActionsFor(user);
  const [chosen, setChosen] = useState<UserAction>(actions[0] as UserAction);
  const t = text();
  return (
    <ConfirmDialog
      title={t.dialogTitle(user.name)}
      confirmLabel={actionLabel(chosen)}
      danger={chosen.kind === 'erase' || chosen.kind === 'unpair'}
      testId="user-dialog"
      onClose={onClose}
      describeError={(failure) => {
        const error = asApiError(failure);
        if (error.code === 'unauthenticated') {
          onSessionLost();
          return null;
        }
        return adminMessageFor(error);
      }}
      onConfirm={async (reason) => {
        const updated = await adminApi.userAction(user.id, chosen, reason);
        onDone(chosen, updated);
      }}
    >
      <p class="admin-dialog__who">
        {user.name} · {user.email}
      </p>
      <fieldset class="admin-choices">
        <legend class="field__label">{t.whichAction}</legend>
        {actions.map((action) => {
          const key = actionKey(action);
          return (
            <label key={key} class="admin-choice">
              <input
                type="radio"
                name="user-action"
                value={key}
                checked={actionKey(chosen) === key}
                onChange={() => setChosen(action)}
                data-testid={`user-action-${key}`}
              />
              <span>{actionLabel(action)}</span>
            </label>
          );
        })}
      </fieldset>
      {chosen.kind === 'erase' && (
        <p class="notice notice--alert" data-testid="user-erase-warning">
          {t.eraseWarning}
        </p>
      )}
      {chosen.kind === 'unpair' && user.locker && <p class="settings-form__hint">{t.unpairNote(user.locker.name)}</p>}
    </ConfirmDialog>
  );
}
