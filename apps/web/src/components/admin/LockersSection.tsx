import { useEffect, useRef, useState } from 'preact/hooks';
import {
  adminApi,
  DEFAULT_LOCKER_QUERY,
  type FleetLocker,
  type IssuedCredentials,
  LOCKER_STATES,
  type LockerQuery,
  type LockersPage,
  type Site,
} from '../../api/admin';
import { asApiError } from '../../api/client';
import type { LockerView } from '../../api/types';
import { formatDateTime, formatMoney } from '../../i18n/format';
import { doorLabel, lockerTypeLabel, lockLabel, objectPresenceLabel } from '../../i18n/lockerLabels';
import { defineMessages } from '../../i18n/messages';
import { FormError } from '../FormError';
import { OnlineBadge } from '../OnlineBadge';
import { TextField } from '../TextField';
import { Fact, Pager, ScrollRegion, SelectField, StatusLine } from './AdminFormControls';
import { adminMessageFor, reportAdminFailure } from './adminErrors';
import { ConfirmDialog } from './ConfirmDialog';
import type { FleetFeed } from './fleetFeed';
import { applyLiveViews, fleetStatus, isInLockdown, patchFleetLocker, upsertFleetLocker } from './fleetLockers';
import { LockerEditDialog } from './LockerEditDialog';
import { fleetStatusLabel, occupancyKindLabel } from './lockerLabels';
import { SecretPanel } from './SecretPanel';
import { useDebouncedValue } from './useDebouncedValue';

const text = defineMessages({
  fr: {
    title: 'Casiers',
    search: 'Rechercher (nom, identifiant, code)',
    site: 'Site',
    anySite: 'Tous les sites',
    type: 'Type',
    anyType: 'Tous les types',
    state: 'État',
    anyState: 'Tous les états',
    view: 'Affichage',
    grid: 'Grille',
    list: 'Liste',
    count: (total: number) => (total === 1 ? '1 casier' : `${total} casiers`),
    loading: 'Chargement des casiers…',
    empty: 'Aucun casier ne correspond à ces filtres.',
    lastSeen: 'Dernier signe de vie',
    never: 'jamais',
    door: 'Porte',
    lock: 'Serrure',
    presence: 'Contenu',
    lockdownUntil: 'Blocage jusqu’à',
    none: '—',
    user: 'Utilisateur actuel',
    erased: '(compte effacé)',
    occupancy: 'Réservation / session',
    until: (time: string) => `jusqu’à ${time}`,
    since: (time: string) => `depuis ${time}`,
    firmware: 'Micrologiciel',
    relay: 'Cycles du relais',
    opens: 'Ouvertures',
    price: 'Prix / heure',
    pairingCode: 'Code',
    paired: 'Associés',
    outOfService: (reason: string) => `Hors service : ${reason}`,
    manage: 'Gérer',
    manageLabel: (name: string) => `Gérer ${name}`,
    edit: 'Modifier',
    editLabel: (name: string) => `Modifier ${name}`,
    name: 'Casier',
    status: 'Statut',
    actions: 'Actions',
    dialogTitle: (name: string) => `Gérer ${name}`,
    whichAction: 'Action',
    resetLockdown: 'Lever le blocage',
    forceFree: 'Libérer de force (termine la session ou la réservation)',
    refund: 'Rembourser la réservation en cours',
    maintenance: 'Ouvrir pour maintenance',
    outOfServiceAction: 'Mettre hors service',
    inService: 'Remettre en service',
    rotate: 'Renouveler les identifiants (l’ancien secret cesse aussitôt de marcher)',
    decommission: 'Retirer définitivement le casier',
    decommissionWarning: 'Le casier disparaît du parc et son compte MQTT est supprimé.',
    doneReset: (name: string) => `Blocage levé : ${name} a confirmé.`,
    doneFreedSession: (name: string) => `${name} est libéré : la session est terminée.`,
    doneFreedBooking: (name: string, refunded: boolean) =>
      `${name} est libéré : la réservation est terminée${refunded ? ' et remboursée' : ''}.`,
    doneFreedNothing: (name: string) => `${name} n’avait ni session ni réservation en cours.`,
    doneMaintenance: (name: string) => `Ouverture de maintenance envoyée à ${name}.`,
    doneOutOfService: (name: string) => `${name} est hors service.`,
    doneInService: (name: string) => `${name} est de nouveau en service.`,
    doneRotated: (name: string) => `Nouveaux identifiants pour ${name} : l’ancien secret ne marche plus.`,
    doneDecommissioned: (name: string) => `${name} est retiré du parc.`,
    doneEdited: (name: string) => `${name} est modifié.`,
    live: 'Mis à jour en direct',
  },
  en: {
    title: 'Lockers',
    search: 'Search (name, id, code)',
    site: 'Site',
    anySite: 'Every site',
    type: 'Type',
    anyType: 'Every type',
    state: 'State',
    anyState: 'Every state',
    view: 'View',
    grid: 'Grid',
    list: 'List',
    count: (total: number) => (total === 1 ? '1 locker' : `${total} lockers`),
    loading: 'Loading the lockers…',
    empty: 'No locker matches these filters.',
    lastSeen: 'Last heartbeat',
    never: 'never',
    door: 'Door',
    lock: 'Lock',
    presence: 'Content',
    lockdownUntil: 'Lockdown until',
    none: '—',
    user: 'Current user',
    erased: '(account erased)',
    occupancy: 'Booking / session',
    until: (time: string) => `until ${time}`,
    since: (time: string) => `since ${time}`,
    firmware: 'Firmware',
    relay: 'Relay cycles',
    opens: 'Opens',
    price: 'Price / hour',
    pairingCode: 'Code',
    paired: 'Paired',
    outOfService: (reason: string) => `Out of service: ${reason}`,
    manage: 'Manage',
    manageLabel: (name: string) => `Manage ${name}`,
    edit: 'Edit',
    editLabel: (name: string) => `Edit ${name}`,
    name: 'Locker',
    status: 'Status',
    actions: 'Actions',
    dialogTitle: (name: string) => `Manage ${name}`,
    whichAction: 'Action',
    resetLockdown: 'Lift the lockdown',
    forceFree: 'Force-free (ends the session or booking)',
    refund: 'Refund the current booking',
    maintenance: 'Open for maintenance',
    outOfServiceAction: 'Put out of service',
    inService: 'Put back in service',
    rotate: 'Rotate credentials (the old secret stops working at once)',
    decommission: 'Decommission the locker',
    decommissionWarning: 'The locker leaves the fleet and its MQTT account is removed.',
    doneReset: (name: string) => `Lockdown lifted: ${name} confirmed.`,
    doneFreedSession: (name: string) => `${name} is free: the session has ended.`,
    doneFreedBooking: (name: string, refunded: boolean) =>
      `${name} is free: the booking has ended${refunded ? ' and was refunded' : ''}.`,
    doneFreedNothing: (name: string) => `${name} had no session or booking going on.`,
    doneMaintenance: (name: string) => `Maintenance open sent to ${name}.`,
    doneOutOfService: (name: string) => `${name} is out of service.`,
    doneInService: (name: string) => `${name} is back in service.`,
    doneRotated: (name: string) => `New credentials for ${name}: the old secret no longer works.`,
    doneDecommissioned: (name: string) => `${name} has left the fleet.`,
    doneEdited: (name: string) => `${name} is updated.`,
    live: 'Updated live',
  },
});

type LockerAction =
  | 'reset'
  | 'force-free'
  | 'maintenance'
  | 'out-of-service'
  | 'in-service'
  | 'rotate'
  | 'decommission';

type Load = { kind: 'loading' } | { kind: 'loaded'; page: LockersPage } | { kind: 'failed'; message: string };

/** The actions that make sense for a locker as it is now. */
export function lockerActionsFor(locker: FleetLocker, now: number): LockerAction[] {
  if (locker.decommissionedAt) return [];
  const actions: LockerAction[] = [];
  if (isInLockdown(locker, now)) actions.push('reset');
  if (locker.occupancy) actions.push('force-free');
  actions.push('maintenance', locker.outOfService ? 'in-service' : 'out-of-service', 'rotate', 'decommission');
  return actions;
}

function actionLabel(action: LockerAction): string {
  const t = text();
  switch (action) {
    case 'reset':
      return t.resetLockdown;
    case 'force-free':
      return t.forceFree;
    case 'maintenance':
      return t.maintenance;
    case 'out-of-service':
      return t.outOfServiceAction;
    case 'in-service':
      return t.inService;
    case 'rotate':
      return t.rotate;
    case 'decommission':
      return t.decommission;
  }
}

/** Offline views arrive while a page is on its way: kept here and applied to it when it lands. */
const REFRESH_GAP_MS = 1_000;

interface LockersSectionProps {
  feed: FleetFeed;
  onSessionLost(): void;
  onOpenLocker(lockerId: string): void;
}

/**
 * Every locker of the fleet, as cards or as a list, filtered by site, type and state, on the
 * server's pages. Each `fleet-locker` event patches its row in place; an `overview` event (the
 * fleet changed: occupancy, a new locker) asks for the page again, at most once a second.
 */
export function LockersSection({ feed, onSessionLost, onOpenLocker }: LockersSectionProps) {
  const [query, setQuery] = useState<LockerQuery>(DEFAULT_LOCKER_QUERY);
  const [search, setSearch] = useState('');
  const q = useDebouncedValue(search.trim(), 300);
  const [layout, setLayout] = useState<'grid' | 'list'>('grid');
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [reload, setReload] = useState(0);
  const [sites, setSites] = useState<Site[]>([]);
  const [managing, setManaging] = useState<FleetLocker | null>(null);
  const [editing, setEditing] = useState<FleetLocker | null>(null);
  const [issued, setIssued] = useState<{ lockerId: string; credentials: IssuedCredentials } | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const inflight = useRef<LockerView[] | null>(null);
  const lastRefresh = useRef(0);
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const sessionLost = useRef(onSessionLost);
  sessionLost.current = onSessionLost;
  const t = text();

  useEffect(() => setQuery((current) => (current.q === q ? current : { ...current, q, page: 1 })), [q]);

  useEffect(() => {
    adminApi
      .sites()
      .then(setSites, (failure: unknown) =>
        reportAdminFailure(failure, sessionLost.current, (message) => setStatus(message)),
      );
  }, []);

  useEffect(() => {
    let current = true;
    inflight.current = [];
    lastRefresh.current = Date.now();
    setLoad((previous) => (previous.kind === 'loaded' ? previous : { kind: 'loading' }));
    adminApi.lockers(query).then(
      (page) => {
        if (!current) return;
        const views = inflight.current ?? [];
        inflight.current = null;
        setNow(Date.now());
        setLoad({ kind: 'loaded', page: { ...page, lockers: applyLiveViews(page.lockers, views) } });
      },
      (failure: unknown) => {
        if (!current) return;
        inflight.current = null;
        reportAdminFailure(failure, sessionLost.current, (message) => setLoad({ kind: 'failed', message }));
      },
    );
    return () => {
      current = false;
    };
  }, [query, reload]);

  useEffect(
    () =>
      feed.subscribe({
        onFleetLocker: (view) => {
          inflight.current?.push(view);
          setNow(Date.now());
          setLoad((current) => {
            if (current.kind !== 'loaded') return current;
            const { rows, found } = patchFleetLocker(current.page.lockers, view);
            return found && rows !== current.page.lockers
              ? { kind: 'loaded', page: { ...current.page, lockers: rows } }
              : current;
          });
        },
        onOverview: () => {
          // Occupancy and new lockers come with the page: ask again, not more than once a second.
          clearTimeout(refreshTimer.current);
          const wait = Math.max(0, lastRefresh.current + REFRESH_GAP_MS - Date.now());
          refreshTimer.current = setTimeout(() => setReload((n) => n + 1), wait);
        },
      }),
    [feed],
  );
  useEffect(() => () => clearTimeout(refreshTimer.current), []);

  // A lockdown ends by itself: its card changes when its time comes, not only on the next event.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);

  function replaceRow(locker: FleetLocker) {
    setLoad((current) =>
      current.kind === 'loaded'
        ? { kind: 'loaded', page: { ...current.page, lockers: upsertFleetLocker(current.page.lockers, locker) } }
        : current,
    );
  }

  const page = load.kind === 'loaded' ? load.page : null;
  const siteOptions = [
    { value: '', label: t.anySite },
    ...sites.filter((s) => !s.decommissionedAt).map((s) => ({ value: s.id, label: s.name })),
  ];

  return (
    <div class="admin-section" data-testid="admin-fleet">
      {issued && (
        <SecretPanel lockerId={issued.lockerId} issued={issued.credentials} onDismiss={() => setIssued(null)} />
      )}
      <section class="frame" aria-labelledby="fleet-title">
        <h2 class="section-title" id="fleet-title">
          {t.title}
          <span class="admin-live">
            <span class="live-dot live-dot--on" aria-hidden="true" />
            <span class="visually-hidden">{t.live}</span>
          </span>
        </h2>
        <div class="admin-filters">
          <TextField label={t.search} name="fleet-search" value={search} onInput={setSearch} testId="fleet-search" />
          <SelectField
            label={t.site}
            name="fleet-site"
            value={query.siteId}
            options={siteOptions}
            onChange={(siteId) => setQuery((c) => ({ ...c, siteId, page: 1 }))}
            testId="fleet-site"
          />
          <SelectField
            label={t.type}
            name="fleet-type"
            value={query.type}
            options={[
              { value: '', label: t.anyType },
              { value: 'school', label: lockerTypeLabel('school') },
              { value: 'sport', label: lockerTypeLabel('sport') },
            ]}
            onChange={(type) => setQuery((c) => ({ ...c, type: type as LockerQuery['type'], page: 1 }))}
            testId="fleet-type"
          />
          <SelectField
            label={t.state}
            name="fleet-state"
            value={query.state}
            options={[
              { value: '', label: t.anyState },
              ...LOCKER_STATES.map((state) => ({ value: state, label: fleetStatusLabel(state) })),
            ]}
            onChange={(state) => setQuery((c) => ({ ...c, state: state as LockerQuery['state'], page: 1 }))}
            testId="fleet-state"
          />
        </div>
        <fieldset class="admin-toggle">
          <legend class="visually-hidden">{t.view}</legend>
          {(['grid', 'list'] as const).map((value) => (
            <button
              key={value}
              type="button"
              class={`btn btn--small ${layout === value ? 'btn--primary' : 'btn--ghost'}`}
              aria-pressed={layout === value}
              onClick={() => setLayout(value)}
              data-testid={`fleet-layout-${value}`}
            >
              {value === 'grid' ? t.grid : t.list}
            </button>
          ))}
        </fieldset>
        <StatusLine message={status} testId="fleet-status" />
        {load.kind === 'failed' && <FormError message={load.message} testId="fleet-error" />}
        {load.kind === 'loading' && <p class="settings-form__hint">{t.loading}</p>}
        {page && <p class="admin-summary">{t.count(page.total)}</p>}
        {page && page.lockers.length === 0 && <p class="page__empty">{t.empty}</p>}
        {page &&
          page.lockers.length > 0 &&
          (layout === 'grid' ? (
            <ul class="admin-grid" data-testid="fleet-grid">
              {page.lockers.map((locker) => (
                <LockerCard
                  key={locker.id}
                  locker={locker}
                  now={now}
                  onManage={() => setManaging(locker)}
                  onEdit={() => setEditing(locker)}
                  onOpenLocker={onOpenLocker}
                />
              ))}
            </ul>
          ) : (
            <LockerTable
              lockers={page.lockers}
              now={now}
              onManage={setManaging}
              onEdit={setEditing}
              onOpenLocker={onOpenLocker}
            />
          ))}
        {page && page.total > page.pageSize && (
          <Pager
            page={query.page}
            pageSize={page.pageSize}
            total={page.total}
            onPage={(next) => setQuery((c) => ({ ...c, page: next }))}
            testId="fleet-pager"
          />
        )}
      </section>
      {managing && (
        <LockerActionsDialog
          locker={managing}
          now={now}
          onClose={() => setManaging(null)}
          onSessionLost={onSessionLost}
          onDone={(message, changed, credentials) => {
            setManaging(null);
            setStatus(message);
            if (changed) replaceRow(changed);
            if (credentials) setIssued({ lockerId: managing.id, credentials });
            setReload((n) => n + 1);
          }}
        />
      )}
      {editing && (
        <LockerEditDialog
          locker={editing}
          onClose={() => setEditing(null)}
          onSessionLost={onSessionLost}
          onSaved={(changed) => {
            setStatus(text().doneEdited(changed?.name ?? editing.name));
            setEditing(null);
            if (changed) replaceRow(changed);
            else setReload((n) => n + 1);
          }}
        />
      )}
    </div>
  );
}

interface RowProps {
  locker: FleetLocker;
  now: number;
  onManage(): void;
  onEdit(): void;
  onOpenLocker(lockerId: string): void;
}

function when(iso: string | null, timeZone: string): string {
  return iso ? formatDateTime(iso, timeZone) : '';
}

function LockerCard({ locker, now, onManage, onEdit, onOpenLocker }: RowProps) {
  const t = text();
  const status = fleetStatus(locker, now);
  const zone = locker.site.timeZone;
  const lockdown = isInLockdown(locker, now);
  return (
    <li
      class={`frame admin-card admin-card--${status}`}
      data-testid="fleet-locker"
      data-locker-id={locker.id}
      data-status={status}
      data-online={String(locker.online)}
    >
      <div class="admin-card__head">
        <span class={`chip chip--${locker.type}`}>{lockerTypeLabel(locker.type)}</span>
        <h3 class="admin-card__name">
          <button type="button" class="link-button" onClick={() => onOpenLocker(locker.id)}>
            {locker.name}
          </button>
        </h3>
        <OnlineBadge online={locker.online} />
      </div>
      <p class="admin-card__meta">
        {locker.id} · {locker.site.name}
        {locker.location ? ` · ${locker.location}` : ''}
      </p>
      <p class={`admin-status-word admin-status-word--${status}`} data-testid="fleet-locker-status" data-state={status}>
        <span aria-hidden="true">{statusMark(status)} </span>
        {fleetStatusLabel(status)}
      </p>
      {locker.outOfService && <p class="settings-form__hint">{t.outOfService(locker.outOfService.reason ?? t.none)}</p>}
      <dl class="admin-facts" aria-live="polite">
        <Fact label={t.lastSeen} testId="fleet-last-seen">
          {locker.lastSeenAt ? <time dateTime={locker.lastSeenAt}>{when(locker.lastSeenAt, zone)}</time> : t.never}
        </Fact>
        <Fact label={t.door} testId="fleet-door" state={locker.door}>
          {doorLabel(locker.door)}
        </Fact>
        <Fact label={t.lock} testId="fleet-lock" state={locker.lock}>
          {lockLabel(locker.lock)}
        </Fact>
        <Fact label={t.presence} testId="fleet-presence">
          {objectPresenceLabel(locker.objectPresent)}
        </Fact>
        <Fact label={t.lockdownUntil} testId="fleet-lockdown" state={String(lockdown)}>
          {lockdown && locker.lockdownUntil ? when(locker.lockdownUntil, zone) : t.none}
        </Fact>
        <Fact label={t.user}>{locker.occupancy ? (locker.occupancy.user?.name ?? t.erased) : t.none}</Fact>
        <Fact label={t.occupancy}>{occupancyText(locker, zone)}</Fact>
        <Fact label={t.firmware}>{locker.firmwareVersion ?? t.none}</Fact>
        <Fact label={t.relay}>{locker.relayCycles}</Fact>
        <Fact label={t.opens}>{locker.opensCount}</Fact>
        <Fact label={t.pairingCode}>{locker.pairingCode}</Fact>
        {locker.type === 'school' && (
          <Fact label={t.price}>
            {locker.hourlyPriceCents === null ? t.none : formatMoney(locker.hourlyPriceCents)}
          </Fact>
        )}
      </dl>
      {!locker.decommissionedAt && (
        <div class="admin-actions">
          <button
            type="button"
            class="btn btn--primary btn--small"
            onClick={onManage}
            aria-label={t.manageLabel(locker.name)}
            data-testid="fleet-manage"
          >
            {t.manage}
          </button>
          <button
            type="button"
            class="btn btn--ghost btn--small"
            onClick={onEdit}
            aria-label={t.editLabel(locker.name)}
            data-testid="fleet-edit"
          >
            {t.edit}
          </button>
        </div>
      )}
    </li>
  );
}

/** A shape beside the word, so no state is told by colour alone. */
function statusMark(status: ReturnType<typeof fleetStatus>): string {
  switch (status) {
    case 'free':
      return '◇';
    case 'in_use':
      return '◆';
    case 'offline':
      return '○';
    case 'lockdown':
      return '⚠';
    case 'out_of_service':
      return '⊘';
    case 'decommissioned':
      return '✕';
  }
}

function occupancyText(locker: FleetLocker, zone: string): string {
  const t = text();
  const occupancy = locker.occupancy;
  if (!occupancy) return t.none;
  const range = occupancy.endsAt
    ? `${when(occupancy.startsAt, zone)} → ${when(occupancy.endsAt, zone)}`
    : t.since(when(occupancy.startsAt, zone));
  return `${occupancyKindLabel(occupancy.kind)} · ${range}`;
}

interface TableProps {
  lockers: readonly FleetLocker[];
  now: number;
  onManage(locker: FleetLocker): void;
  onEdit(locker: FleetLocker): void;
  onOpenLocker(lockerId: string): void;
}

function LockerTable({ lockers, now, onManage, onEdit, onOpenLocker }: TableProps) {
  const t = text();
  return (
    <ScrollRegion labelledBy="fleet-title">
      <table class="admin-table" data-testid="fleet-table">
        <thead>
          <tr>
            <th scope="col">{t.name}</th>
            <th scope="col">{t.site}</th>
            <th scope="col">{t.status}</th>
            <th scope="col">{t.lastSeen}</th>
            <th scope="col">{t.door}</th>
            <th scope="col">{t.lock}</th>
            <th scope="col">{t.presence}</th>
            <th scope="col">{t.lockdownUntil}</th>
            <th scope="col">{t.user}</th>
            <th scope="col">{t.occupancy}</th>
            <th scope="col">{t.firmware}</th>
            <th scope="col" class="admin-table__num">
              {t.relay}
            </th>
            <th scope="col" class="admin-table__num">
              {t.opens}
            </th>
            <th scope="col">{t.actions}</th>
          </tr>
        </thead>
        <tbody aria-live="polite">
          {lockers.map((locker) => {
            const status = fleetStatus(locker, now);
            const zone = locker.site.timeZone;
            const lockdown = isInLockdown(locker, now);
            return (
              <tr
                key={locker.id}
                data-testid="fleet-locker"
                data-locker-id={locker.id}
                data-status={status}
                data-online={String(locker.online)}
              >
                <th scope="row" class="admin-table__strong">
                  <button type="button" class="link-button" onClick={() => onOpenLocker(locker.id)}>
                    {locker.name}
                  </button>
                  <span class="admin-table__sub">
                    {locker.id} · {lockerTypeLabel(locker.type)}
                  </span>
                </th>
                <td>{locker.site.name}</td>
                <td data-testid="fleet-locker-status" data-state={status}>
                  <span aria-hidden="true">{statusMark(status)} </span>
                  {fleetStatusLabel(status)}
                </td>
                <td>{locker.lastSeenAt ? when(locker.lastSeenAt, zone) : t.never}</td>
                <td data-testid="fleet-door" data-state={locker.door}>
                  {doorLabel(locker.door)}
                </td>
                <td data-testid="fleet-lock" data-state={locker.lock}>
                  {lockLabel(locker.lock)}
                </td>
                <td>{objectPresenceLabel(locker.objectPresent)}</td>
                <td data-testid="fleet-lockdown" data-state={String(lockdown)}>
                  {lockdown && locker.lockdownUntil ? when(locker.lockdownUntil, zone) : t.none}
                </td>
                <td>{locker.occupancy ? (locker.occupancy.user?.name ?? t.erased) : t.none}</td>
                <td>{occupancyText(locker, zone)}</td>
                <td>{locker.firmwareVersion ?? t.none}</td>
                <td class="admin-table__num">{locker.relayCycles}</td>
                <td class="admin-table__num">{locker.opensCount}</td>
                <td>
                  {!locker.decommissionedAt && (
                    <span class="admin-actions admin-actions--tight">
                      <button
                        type="button"
                        class="btn btn--primary btn--small"
                        onClick={() => onManage(locker)}
                        aria-label={t.manageLabel(locker.name)}
                        data-testid="fleet-manage"
                      >
                        {t.manage}
                      </button>
                      <button
                        type="button"
                        class="btn btn--ghost btn--small"
                        onClick={() => onEdit(locker)}
                        aria-label={t.editLabel(locker.name)}
                        data-testid="fleet-edit"
                      >
                        {t.edit}
                      </button>
                    </span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

interface LockerActionsDialogProps {
  locker: FleetLocker;
  now: number;
  onClose(): void;
  onSessionLost(): void;
  onDone(message: string, changed: FleetLocker | null, credentials?: IssuedCredentials): void;
}

function LockerActionsDialog({ locker, now, onClose, onSessionLost, onDone }: LockerActionsDialogProps) {
  const actions = lockerActionsFor(locker, now);
  const [chosen, setChosen] = useState<LockerAction>(actions[0] ?? 'maintenance');
  const [refund, setRefund] = useState(false);
  const t = text();
  const name = locker.name;

  async function run(reason: string) {
    switch (chosen) {
      case 'reset':
        await adminApi.resetLockdown(locker.id, reason);
        return onDone(t.doneReset(name), null);
      case 'force-free': {
        const outcome = await adminApi.forceFree(locker.id, reason, refund);
        const message =
          outcome.ended === 'session'
            ? t.doneFreedSession(name)
            : outcome.ended === 'booking'
              ? t.doneFreedBooking(name, outcome.refunded)
              : t.doneFreedNothing(name);
        return onDone(message, null);
      }
      case 'maintenance':
        await adminApi.maintenanceOpen(locker.id, reason);
        return onDone(t.doneMaintenance(name), null);
      case 'out-of-service':
        return onDone(t.doneOutOfService(name), await adminApi.setInService(locker.id, false, reason));
      case 'in-service':
        return onDone(t.doneInService(name), await adminApi.setInService(locker.id, true, reason));
      case 'rotate': {
        const credentials = await adminApi.rotateSecret(locker.id, reason);
        return onDone(t.doneRotated(name), credentials.locker ?? null, credentials);
      }
      case 'decommission':
        return onDone(t.doneDecommissioned(name), await adminApi.decommission(locker.id, reason));
    }
  }

  return (
    <ConfirmDialog
      title={t.dialogTitle(name)}
      confirmLabel={actionLabel(chosen).split(' (')[0] ?? actionLabel(chosen)}
      danger={chosen === 'decommission' || chosen === 'force-free' || chosen === 'rotate'}
      testId="locker-dialog"
      onClose={onClose}
      describeError={(failure) => {
        const error = asApiError(failure);
        if (error.code === 'unauthenticated') {
          onSessionLost();
          return null;
        }
        return adminMessageFor(error);
      }}
      onConfirm={run}
    >
      <p class="admin-dialog__who">
        {locker.id} · {locker.site.name}
      </p>
      <fieldset class="admin-choices">
        <legend class="field__label">{t.whichAction}</legend>
        {actions.map((action) => (
          <label key={action} class="admin-choice">
            <input
              type="radio"
              name="locker-action"
              value={action}
              checked={chosen === action}
              onChange={() => setChosen(action)}
              data-testid={`locker-action-${action}`}
            />
            <span>{actionLabel(action)}</span>
          </label>
        ))}
      </fieldset>
      {chosen === 'force-free' && locker.occupancy?.kind === 'school_booking' && (
        <label class="admin-choice">
          <input
            type="checkbox"
            checked={refund}
            onChange={(event) => setRefund(event.currentTarget.checked)}
            data-testid="locker-refund"
          />
          <span>{t.refund}</span>
        </label>
      )}
      {chosen === 'decommission' && <p class="notice notice--alert">{t.decommissionWarning}</p>}
    </ConfirmDialog>
  );
}
