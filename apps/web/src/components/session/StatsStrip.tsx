import type { SessionStats } from '../../api/sessions';
import { euroLabel, minutesLabel } from './sessionFormat';
import './session.css';
import { defineMessages } from '../../i18n/messages';

const text = defineMessages({
  fr: { title: 'Vos sessions', history: 'Historique', sessions: 'Sessions', time: 'Temps total', spent: 'Dépensé' },
  en: { title: 'Your sessions', history: 'History', sessions: 'Sessions', time: 'Total time', spent: 'Spent' },
});

interface StatsStripProps {
  stats: SessionStats;
  /** Opens the history screen. */
  onOpenHistory?: () => void;
}

/** The dashboard's totals (issue 6): sessions, time in lockers, money spent; pushed live. */
export function StatsStrip({ stats, onOpenHistory }: StatsStripProps) {
  const t = text();
  return (
    <section class="frame stats" aria-labelledby="stats-title" data-testid="stats">
      <header class="stats__head">
        <h2 class="section-title section-title--small" id="stats-title">
          {t.title}
        </h2>
        {onOpenHistory && (
          <button type="button" class="btn btn--ghost btn--small" data-testid="open-history" onClick={onOpenHistory}>
            {t.history}
          </button>
        )}
      </header>
      <dl class="stats__grid">
        <div class="stats__item">
          <dt class="stats__caption">{t.sessions}</dt>
          <dd class="stats__value" data-testid="stats-sessions" data-value={stats.sessions}>
            {stats.sessions}
          </dd>
        </div>
        <div class="stats__item">
          <dt class="stats__caption">{t.time}</dt>
          <dd class="stats__value" data-testid="stats-time" data-value={stats.minutes}>
            {minutesLabel(stats.minutes)}
          </dd>
        </div>
        <div class="stats__item">
          <dt class="stats__caption">{t.spent}</dt>
          <dd class="stats__value" data-testid="stats-spent" data-value={stats.spentCents}>
            {euroLabel(stats.spentCents)}
          </dd>
        </div>
      </dl>
    </section>
  );
}
