import type { AdminOverview } from '../../api/adminOverview';
import type { AlarmView } from '../../api/alerts';
import { formatMoney } from '../../i18n/format';
import { defineMessages } from '../../i18n/messages';
import { FormError } from '../FormError';
import { AlarmList } from './AlarmList';

const text = defineMessages({
  fr: {
    fleet: 'Parc de casiers',
    total: 'Casiers',
    online: 'En ligne',
    offline: 'Hors ligne',
    lockdown: 'En blocage',
    inUse: 'Occupés',
    outOfService: 'Hors service',
    revenue: 'Revenus',
    today: 'Aujourd’hui',
    month: 'Ce mois-ci',
    revenueNote: (zone: string) => `Paiements reçus moins remboursements, jours du fuseau ${zone}.`,
    alarms: 'Alarmes en cours',
    alarmCount: (count: number) => (count === 0 ? 'aucune' : String(count)),
    loading: 'Chargement de l’aperçu…',
    live: 'Mis à jour en direct',
  },
  en: {
    fleet: 'Locker fleet',
    total: 'Lockers',
    online: 'Online',
    offline: 'Offline',
    lockdown: 'In lockdown',
    inUse: 'In use',
    outOfService: 'Out of service',
    revenue: 'Revenue',
    today: 'Today',
    month: 'This month',
    revenueNote: (zone: string) => `Payments received minus refunds, days of the ${zone} time zone.`,
    alarms: 'Alarms in progress',
    alarmCount: (count: number) => (count === 0 ? 'none' : String(count)),
    loading: 'Loading the overview…',
    live: 'Updated live',
  },
});

interface OverviewSectionProps {
  overview: AdminOverview | null;
  error: string | null;
  alarms: readonly AlarmView[];
  onAlarmChanged(alarm: AlarmView): void;
  onSessionLost(): void;
  onOpenLocker(lockerId: string): void;
}

interface Counter {
  key: keyof AdminOverview['lockers'];
  label: string;
  /** Needs attention when above zero (shown with a word and an edge, never colour alone). */
  alert?: boolean;
}

/** Lockers by state, open alarms and money in, all replaced live by the SSE `overview` event. */
export function OverviewSection({
  overview,
  error,
  alarms,
  onAlarmChanged,
  onSessionLost,
  onOpenLocker,
}: OverviewSectionProps) {
  const t = text();
  const counters: Counter[] = [
    { key: 'total', label: t.total },
    { key: 'online', label: t.online },
    { key: 'offline', label: t.offline, alert: true },
    { key: 'lockdown', label: t.lockdown, alert: true },
    { key: 'inUse', label: t.inUse },
    { key: 'outOfService', label: t.outOfService, alert: true },
  ];
  return (
    <div class="admin-section" data-testid="admin-overview">
      <FormError message={error} testId="overview-error" />
      <section class="frame frame--active" aria-labelledby="overview-fleet-title">
        <h2 class="section-title" id="overview-fleet-title">
          {t.fleet}
          <span class="admin-live" title={t.live}>
            <span class="live-dot live-dot--on" aria-hidden="true" />
            <span class="visually-hidden">{t.live}</span>
          </span>
        </h2>
        {/* The tiles are laid out before the figures arrive (a dash until then), so nothing below them moves. */}
        {overview === null && !error && <p class="visually-hidden">{t.loading}</p>}
        <dl class="admin-counters" aria-live="polite" aria-busy={overview === null}>
          {counters.map(({ key, label, alert }) => {
            const value = overview?.lockers[key] ?? null;
            const warn = alert === true && value !== null && value > 0;
            return (
              <div
                key={key}
                class={`tile ${warn ? 'tile--alert' : key === 'online' ? 'tile--good' : 'tile--neutral'}`}
                data-testid={`overview-${key}`}
                data-value={value ?? undefined}
              >
                <dt class="tile__caption">{label}</dt>
                <dd class="tile__value">
                  {warn && (
                    <span class="admin-warn-mark" aria-hidden="true">
                      !{' '}
                    </span>
                  )}
                  {value ?? '—'}
                </dd>
              </div>
            );
          })}
        </dl>
      </section>

      <section class="frame" aria-labelledby="overview-revenue-title">
        <h2 class="section-title section-title--small" id="overview-revenue-title">
          {t.revenue}
        </h2>
        <dl class="admin-counters admin-counters--two" aria-live="polite" aria-busy={overview === null}>
          <div class="tile tile--good" data-testid="overview-revenue-today">
            <dt class="tile__caption">{t.today}</dt>
            <dd class="tile__value">
              {overview ? formatMoney(overview.revenue.todayCents, overview.revenue.currency) : '—'}
            </dd>
          </div>
          <div class="tile tile--good" data-testid="overview-revenue-month">
            <dt class="tile__caption">{t.month}</dt>
            <dd class="tile__value">
              {overview ? formatMoney(overview.revenue.monthCents, overview.revenue.currency) : '—'}
            </dd>
          </div>
        </dl>
        <p class="settings-form__hint">{overview ? t.revenueNote(overview.revenue.timeZone) : '\u00a0'}</p>
      </section>

      <section class="frame" aria-labelledby="admin-alarms-title" data-testid="admin-alarms">
        <h2 class="section-title section-title--small" id="admin-alarms-title">
          {t.alarms} ({t.alarmCount(alarms.length)})
        </h2>
        <AlarmList
          alarms={alarms}
          onChanged={onAlarmChanged}
          onSessionLost={onSessionLost}
          onOpenLocker={onOpenLocker}
        />
      </section>
    </div>
  );
}
