import { useEffect, useRef, useState } from 'preact/hooks';
import { ACTOR_KINDS, type AuditPage, type AuditVerification, adminApi, auditCsvUrl } from '../../api/admin';
import { formatDateTime } from '../../i18n/format';
import { defineMessages } from '../../i18n/messages';
import { FormError } from '../FormError';
import { TextField } from '../TextField';
import { ScrollRegion, SelectField } from './AdminFormControls';
import { reportAdminFailure } from './adminErrors';
import { type AuditForm, auditDataSummary, auditQueryFrom, EMPTY_AUDIT_FORM } from './auditFilters';

const text = defineMessages({
  fr: {
    title: 'Journal d’audit',
    chain: 'Vérification de la chaîne',
    checking: 'Vérification de la chaîne en cours…',
    intact: 'Chaîne intacte',
    intactText: (rows: number, seq: number, hash: string) =>
      `${rows} lignes vérifiées (empreintes et signatures) ; tête de chaîne : position ${seq}, empreinte ${hash}…`,
    broken: 'Chaîne rompue',
    brokenText: (problems: number, where: string, detail: string) =>
      `${problems} anomalie(s). Première : ${where} — ${detail}`,
    position: (seq: number | null) => (seq === null ? 'position inconnue' : `position ${seq}`),
    checkedAt: (when: string) => `Vérifiée le ${when}.`,
    checkAgain: 'Vérifier à nouveau',
    filters: 'Filtres',
    action: 'Action (exacte, ou famille finissant par un point : alert.)',
    actorKind: 'Auteur',
    anyActor: 'Tous',
    actorUser: 'Membre',
    actorAdmin: 'Administrateur',
    actorDevice: 'Casier',
    actorSystem: 'Système',
    lockerId: 'Casier (identifiant)',
    from: 'Du',
    to: 'Au (inclus)',
    apply: 'Filtrer',
    reset: 'Effacer les filtres',
    export: 'Exporter ce filtre (CSV)',
    loading: 'Chargement du journal…',
    empty: 'Aucune ligne ne correspond à ces filtres.',
    newer: 'Plus récentes',
    older: 'Plus anciennes',
    pages: 'Pages du journal',
    seq: 'N°',
    at: 'Quand',
    who: 'Auteur',
    what: 'Action',
    where: 'Casier',
    details: 'Détails',
  },
  en: {
    title: 'Audit trail',
    chain: 'Chain check',
    checking: 'Checking the chain…',
    intact: 'Chain intact',
    intactText: (rows: number, seq: number, hash: string) =>
      `${rows} rows checked (hashes and signatures); chain head: position ${seq}, hash ${hash}…`,
    broken: 'Chain broken',
    brokenText: (problems: number, where: string, detail: string) =>
      `${problems} problem(s). First: ${where} — ${detail}`,
    position: (seq: number | null) => (seq === null ? 'unknown position' : `position ${seq}`),
    checkedAt: (when: string) => `Checked on ${when}.`,
    checkAgain: 'Check again',
    filters: 'Filters',
    action: 'Action (exact, or a family ending in a dot: alert.)',
    actorKind: 'Actor',
    anyActor: 'Everyone',
    actorUser: 'Member',
    actorAdmin: 'Administrator',
    actorDevice: 'Locker',
    actorSystem: 'System',
    lockerId: 'Locker (id)',
    from: 'From',
    to: 'To (included)',
    apply: 'Filter',
    reset: 'Clear the filters',
    export: 'Export this filter (CSV)',
    loading: 'Loading the trail…',
    empty: 'No row matches these filters.',
    newer: 'Newer',
    older: 'Older',
    pages: 'Trail pages',
    seq: 'No.',
    at: 'When',
    who: 'Actor',
    what: 'Action',
    where: 'Locker',
    details: 'Details',
  },
});

function actorLabel(kind: string): string {
  const t = text();
  switch (kind) {
    case 'user':
      return t.actorUser;
    case 'admin':
      return t.actorAdmin;
    case 'device':
      return t.actorDevice;
    case 'system':
      return t.actorSystem;
    default:
      return kind;
  }
}

type Verify = { kind: 'checking' } | { kind: 'done'; result: AuditVerification } | { kind: 'failed'; message: string };
type Load = { kind: 'loading' } | { kind: 'loaded'; page: AuditPage } | { kind: 'failed'; message: string };

/** The hash-chained audit trail: its check, a filter, keyset pages newest first, and the CSV. */
export function AuditSection({ onSessionLost }: { onSessionLost(): void }) {
  const [form, setForm] = useState<AuditForm>(EMPTY_AUDIT_FORM);
  const [applied, setApplied] = useState<AuditForm>(EMPTY_AUDIT_FORM);
  // `before` of each page shown so far: the last one is the page on screen.
  const [cursors, setCursors] = useState<Array<number | null>>([null]);
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [verify, setVerify] = useState<Verify>({ kind: 'checking' });
  const [verifyRun, setVerifyRun] = useState(0);
  const sessionLost = useRef(onSessionLost);
  sessionLost.current = onSessionLost;
  const t = text();
  const query = auditQueryFrom(applied);
  const before = cursors[cursors.length - 1] ?? null;

  useEffect(() => {
    let current = true;
    setVerify({ kind: 'checking' });
    adminApi.verifyAudit().then(
      (result) => current && setVerify({ kind: 'done', result }),
      (failure: unknown) =>
        current &&
        reportAdminFailure(failure, sessionLost.current, (message) => setVerify({ kind: 'failed', message })),
    );
    return () => {
      current = false;
    };
  }, [verifyRun]);

  useEffect(() => {
    let current = true;
    setLoad({ kind: 'loading' });
    adminApi.audit(query, before).then(
      (page) => current && setLoad({ kind: 'loaded', page }),
      (failure: unknown) =>
        current && reportAdminFailure(failure, sessionLost.current, (message) => setLoad({ kind: 'failed', message })),
    );
    return () => {
      current = false;
    };
  }, [applied, before]);

  function apply(next: AuditForm) {
    setApplied(next);
    setCursors([null]);
  }

  const page = load.kind === 'loaded' ? load.page : null;

  return (
    <div class="admin-section" data-testid="admin-audit">
      <section class="frame" aria-labelledby="audit-chain-title" aria-live="polite">
        <h2 class="section-title section-title--small" id="audit-chain-title">
          {t.chain}
        </h2>
        {verify.kind === 'checking' && (
          <p class="settings-form__hint" data-testid="audit-verify" data-state="checking">
            {t.checking}
          </p>
        )}
        {verify.kind === 'failed' && <FormError message={verify.message} testId="audit-verify-error" />}
        {verify.kind === 'done' && (
          <div
            class={`notice ${verify.result.ok ? 'admin-chain--ok' : 'notice--alert'}`}
            data-testid="audit-verify"
            data-state={verify.result.ok ? 'ok' : 'broken'}
          >
            <strong class="notice__title">
              <span aria-hidden="true">{verify.result.ok ? '✓ ' : '✕ '}</span>
              {verify.result.ok ? t.intact : t.broken}
            </strong>
            <p>
              {verify.result.ok
                ? t.intactText(verify.result.rowsChecked, verify.result.lastSeq, verify.result.lastHash.slice(0, 16))
                : t.brokenText(
                    verify.result.problems,
                    t.position(verify.result.firstBroken?.chainSeq ?? null),
                    verify.result.firstBroken
                      ? `${verify.result.firstBroken.kind}: ${verify.result.firstBroken.detail}`
                      : '',
                  )}
            </p>
            <p class="settings-form__hint">{t.checkedAt(formatDateTime(verify.result.checkedAt))}</p>
          </div>
        )}
        <button
          type="button"
          class="btn btn--ghost btn--small"
          onClick={() => setVerifyRun((n) => n + 1)}
          disabled={verify.kind === 'checking'}
          data-testid="audit-verify-again"
        >
          {t.checkAgain}
        </button>
      </section>

      <section class="frame" aria-labelledby="audit-title">
        <h2 class="section-title" id="audit-title">
          {t.title}
        </h2>
        <form
          class="admin-filters"
          aria-label={t.filters}
          onSubmit={(event) => {
            event.preventDefault();
            apply(form);
          }}
          data-testid="audit-filters"
        >
          <TextField
            label={t.action}
            name="audit-action"
            value={form.action}
            onInput={(action) => setForm((f) => ({ ...f, action }))}
            testId="audit-action"
          />
          <SelectField
            label={t.actorKind}
            name="audit-actor"
            value={form.actorKind}
            options={[
              { value: '', label: t.anyActor },
              ...ACTOR_KINDS.map((kind) => ({ value: kind, label: actorLabel(kind) })),
            ]}
            onChange={(actorKind) => setForm((f) => ({ ...f, actorKind }))}
            testId="audit-actor"
          />
          <TextField
            label={t.lockerId}
            name="audit-locker"
            value={form.lockerId}
            onInput={(lockerId) => setForm((f) => ({ ...f, lockerId }))}
            autoCapitalize="characters"
            testId="audit-locker"
          />
          <TextField
            label={t.from}
            name="audit-from"
            type="date"
            value={form.fromDay}
            onInput={(fromDay) => setForm((f) => ({ ...f, fromDay }))}
            testId="audit-from"
          />
          <TextField
            label={t.to}
            name="audit-to"
            type="date"
            value={form.toDay}
            onInput={(toDay) => setForm((f) => ({ ...f, toDay }))}
            testId="audit-to"
          />
          <div class="admin-actions admin-filters__wide">
            <button type="submit" class="btn btn--primary btn--small" data-testid="audit-apply">
              {t.apply}
            </button>
            <button
              type="button"
              class="btn btn--ghost btn--small"
              onClick={() => {
                setForm(EMPTY_AUDIT_FORM);
                apply(EMPTY_AUDIT_FORM);
              }}
              data-testid="audit-reset"
            >
              {t.reset}
            </button>
            <a class="btn btn--ghost btn--small" href={auditCsvUrl(query)} download data-testid="audit-export">
              {t.export}
            </a>
          </div>
        </form>
        {load.kind === 'failed' && <FormError message={load.message} testId="audit-error" />}
        {load.kind === 'loading' && <p class="settings-form__hint">{t.loading}</p>}
        {page && page.entries.length === 0 && <p class="page__empty">{t.empty}</p>}
        {page && page.entries.length > 0 && (
          <ScrollRegion labelledBy="audit-title">
            <table class="admin-table" data-testid="audit-table">
              <thead>
                <tr>
                  <th scope="col" class="admin-table__num">
                    {t.seq}
                  </th>
                  <th scope="col">{t.at}</th>
                  <th scope="col">{t.who}</th>
                  <th scope="col">{t.what}</th>
                  <th scope="col">{t.where}</th>
                  <th scope="col">{t.details}</th>
                </tr>
              </thead>
              <tbody>
                {page.entries.map((entry) => (
                  <tr key={entry.seq} data-testid="audit-row" data-action={entry.action}>
                    <td class="admin-table__num">{entry.seq}</td>
                    <td>
                      <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                    </td>
                    <td>{actorLabel(entry.actorKind)}</td>
                    <td>
                      <code>{entry.action}</code>
                    </td>
                    <td>{entry.lockerId ?? '—'}</td>
                    <td class="admin-table__wrap admin-table__details">{auditDataSummary(entry.data)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        )}
        {page && (cursors.length > 1 || page.nextBefore !== null) && (
          <nav class="admin-pager" aria-label={t.pages}>
            <button
              type="button"
              class="btn btn--ghost btn--small"
              disabled={cursors.length <= 1}
              onClick={() => setCursors((c) => c.slice(0, -1))}
              data-testid="audit-newer"
            >
              {t.newer}
            </button>
            <button
              type="button"
              class="btn btn--ghost btn--small"
              disabled={page.nextBefore === null}
              onClick={() => page.nextBefore !== null && setCursors((c) => [...c, page.nextBefore])}
              data-testid="audit-older"
            >
              {t.older}
            </button>
          </nav>
        )}
      </section>
    </div>
  );
}
