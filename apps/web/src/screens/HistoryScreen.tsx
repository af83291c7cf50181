import { useEffect, useState } from 'preact/hooks';
import { asApiError } from '../api/client';
import { messageFor } from '../api/errorMessages';
import {
  type HistoryFilters,
  type HistoryPage,
  historyCsvUrl,
  NO_FILTERS,
  type SessionsApi,
  sessionsApi,
} from '../api/sessions';
import { BrandMark } from '../components/BrandMark';
import { FormError } from '../components/FormError';
import { endReasonLabel, euroLabel, minutesLabel, siteDateTimeLabel } from '../components/session/sessionFormat';
import { TextField } from '../components/TextField';
import { lockerTypeLabel } from '../i18n/lockerLabels';
import '../components/session/session.css';
import { defineMessages } from '../i18n/messages';

const text = defineMessages({
  fr: {
    back: 'Retour',
    title: 'Historique',
    filters: 'Filtres',
    from: 'Du',
    to: 'Au',
    type: 'Type de casier',
    all: 'Tous',
    sessions: (count: number) => (count === 1 ? 'session' : 'sessions'),
    spent: 'dépensés',
    export: 'Exporter en CSV',
    loading: 'Chargement…',
    empty: 'Aucune session pour ces filtres.',
    refunded: 'remboursé',
    running: 'En cours',
    pages: 'Pages',
    previous: 'Précédent',
    page: (page: number, pages: number) => `Page ${page} / ${pages}`,
    next: 'Suivant',
  },
  en: {
    back: 'Back',
    title: 'History',
    filters: 'Filters',
    from: 'From',
    to: 'To',
    type: 'Locker type',
    all: 'All',
    sessions: (count: number) => (count === 1 ? 'session' : 'sessions'),
    spent: 'spent',
    export: 'Export as CSV',
    loading: 'Loading…',
    empty: 'No session for these filters.',
    refunded: 'refunded',
    running: 'Going on',
    pages: 'Pages',
    previous: 'Previous',
    page: (page: number, pages: number) => `Page ${page} of ${pages}`,
    next: 'Next',
  },
});

interface HistoryScreenProps {
  onBack(): void;
  onSessionLost(): void;
  api?: Pick<SessionsApi, 'history'>;
}

const PAGE_SIZE = 20;

type Load = { kind: 'loading' } | { kind: 'ready'; page: HistoryPage } | { kind: 'failed'; message: string };

/**
 * /historique (SPEC §7, issue 6): every school and sport session, filtered by days and type,
 * with totals and pages computed by the server, and the CSV export of what the filters select.
 */
export function HistoryScreen({ onBack, onSessionLost, api = sessionsApi }: HistoryScreenProps) {
  const [filters, setFilters] = useState<HistoryFilters>(NO_FILTERS);
  const [page, setPage] = useState(1);
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [shown, setShown] = useState<HistoryPage | null>(null);

  useEffect(() => {
    let current = true;
    setLoad({ kind: 'loading' });
    api
      .history(filters, { page, pageSize: PAGE_SIZE })
      .then((result) => {
        if (!current) return;
        setLoad({ kind: 'ready', page: result });
        setShown(result);
      })
      .catch((error: unknown) => {
        if (!current) return;
        const { code } = asApiError(error);
        if (code === 'unauthenticated') onSessionLost();
        setLoad({ kind: 'failed', message: messageFor(code) });
      });
    return () => {
      current = false;
    };
  }, [api, filters, page, onSessionLost]);

  function filter(change: Partial<HistoryFilters>) {
    setFilters((previous) => ({ ...previous, ...change }));
    setPage(1);
  }

  const pages = shown ? Math.max(1, Math.ceil(shown.total / shown.pageSize)) : 1;
  const t = text();

  return (
    <div class="page history" data-testid="history">
      <header class="app-header">
        <BrandMark />
        <button type="button" class="btn btn--ghost btn--small" data-testid="history-back" onClick={onBack}>
          {t.back}
        </button>
      </header>

      <main class="page__main">
        <h1 class="section-title" id="history-title">
          {t.title}
        </h1>

        <section class="frame history__filters" aria-label={t.filters}>
          <TextField
            label={t.from}
            name="history-from"
            type="date"
            value={filters.from}
            max={filters.to || undefined}
            onInput={(from) => filter({ from })}
            testId="history-from"
          />
          <TextField
            label={t.to}
            name="history-to"
            type="date"
            value={filters.to}
            min={filters.from || undefined}
            onInput={(to) => filter({ to })}
            testId="history-to"
          />
          <div class="field">
            <label class="field__label" for="history-type">
              {t.type}
            </label>
            <select
              id="history-type"
              class="history__select"
              value={filters.type}
              onChange={(event) => filter({ type: event.currentTarget.value as HistoryFilters['type'] })}
              data-testid="history-type"
            >
              <option value="">{t.all}</option>
              <option value="sport">{lockerTypeLabel('sport')}</option>
              <option value="school">{lockerTypeLabel('school')}</option>
            </select>
          </div>
        </section>

        {shown && (
          <p class="history__totals" data-testid="history-totals" aria-live="polite">
            <span>
              <strong data-testid="history-total-sessions">{shown.totals.sessions}</strong>{' '}
              {t.sessions(shown.totals.sessions)}
            </span>
            <span>
              <strong data-testid="history-total-time">{minutesLabel(shown.totals.minutes)}</strong>
            </span>
            <span>
              <strong data-testid="history-total-spent">{euroLabel(shown.totals.spentCents)}</strong> {t.spent}
            </span>
          </p>
        )}

        <a class="btn btn--ghost btn--block" href={historyCsvUrl(filters)} download data-testid="export-csv">
          {t.export}
        </a>

        <FormError message={load.kind === 'failed' ? load.message : null} testId="history-error" />
        {load.kind === 'loading' && !shown && <p class="history__empty">{t.loading}</p>}

        {shown && (
          <section class="frame" aria-labelledby="history-title" aria-busy={load.kind === 'loading'}>
            {shown.entries.length === 0 ? (
              <p class="history__empty" data-testid="history-empty">
                {t.empty}
              </p>
            ) : (
              <ul class="history__list">
                {shown.entries.map((entry) => (
                  <li
                    key={entry.id}
                    class="history__row"
                    data-testid="history-row"
                    data-id={entry.id}
                    data-type={entry.type}
                  >
                    <span class="history__when">{siteDateTimeLabel(entry.startedAt, shown.timeZone)}</span>
                    <span class="history__amount">
                      {euroLabel(entry.amountCents)}
                      {entry.refunded && (
                        <span class="history__refunded" data-testid="history-refunded">
                          {' '}
                          {t.refunded}
                        </span>
                      )}
                    </span>
                    <span class="history__locker">
                      {entry.locker} · {lockerTypeLabel(entry.type)}
                    </span>
                    <span class="history__meta">
                      {entry.durationMinutes === null ? t.running : minutesLabel(entry.durationMinutes)} ·{' '}
                      {endReasonLabel(entry.endReason)}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </section>
        )}

        {shown && pages > 1 && (
          <nav class="history__pager" aria-label={t.pages}>
            <button
              type="button"
              class="btn btn--ghost btn--small"
              data-testid="history-prev"
              onClick={() => setPage((p) => Math.max(1, p - 1))}
              disabled={page <= 1 || load.kind === 'loading'}
            >
              {t.previous}
            </button>
            <span data-testid="history-page">{t.page(shown.page, pages)}</span>
            <button
              type="button"
              class="btn btn--ghost btn--small"
              data-testid="history-next"
              onClick={() => setPage((p) => p + 1)}
              disabled={page >= pages || load.kind === 'loading'}
            >
              {t.next}
            </button>
          </nav>
        )}
      </main>
    </div>
  );
}
