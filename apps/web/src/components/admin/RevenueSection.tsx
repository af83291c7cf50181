import type { ComponentType } from 'preact';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { adminApi, type Granularity, type RevenueQuery, type RevenueReport, type Site } from '../../api/admin';
import { formatMoney } from '../../i18n/format';
import { lockerTypeLabel } from '../../i18n/lockerLabels';
import { defineMessages } from '../../i18n/messages';
import { FormError } from '../FormError';
import { TextField } from '../TextField';
import { ScrollRegion, SelectField } from './AdminFormControls';
import { reportAdminFailure } from './adminErrors';
import { chartSeries, daysBetween, monthToDate, periodLabel, seriesAddsUp } from './revenueSeries';

const text = defineMessages({
  fr: {
    title: 'Revenus',
    from: 'Du',
    to: 'Au',
    granularity: 'Par',
    day: 'Jour',
    week: 'Semaine',
    month: 'Mois',
    site: 'Site',
    anySite: 'Tous les sites',
    type: 'Type',
    anyType: 'Tous les types',
    paid: 'Encaissé',
    refunded: 'Remboursé',
    net: 'Net',
    loading: 'Calcul des revenus…',
    badRange: 'La date de fin précède la date de début.',
    tooLong: 'Une période de 366 jours au plus.',
    chart: (from: string, to: string, net: string) =>
      `Graphique des revenus nets du ${from} au ${to} : ${net} au total.`,
    chartLoading: 'Chargement du graphique…',
    chartFailed: 'Le graphique n’a pas pu être chargé ; le tableau ci-dessous donne les mêmes chiffres.',
    period: 'Période',
    bySite: 'Par site',
    byType: 'Par type de casier',
    noMoney: 'Aucun paiement sur cette période.',
    zone: (zone: string) => `Dates du fuseau ${zone} ; remboursements déduits le jour où ils ont eu lieu.`,
    mismatch: 'Attention : les périodes ne totalisent pas le montant global. Signalez-le.',
    periods: 'Détail par période',
  },
  en: {
    title: 'Revenue',
    from: 'From',
    to: 'To',
    granularity: 'Per',
    day: 'Day',
    week: 'Week',
    month: 'Month',
    site: 'Site',
    anySite: 'Every site',
    type: 'Type',
    anyType: 'Every type',
    paid: 'Paid',
    refunded: 'Refunded',
    net: 'Net',
    loading: 'Working out the revenue…',
    badRange: 'The end date is before the start date.',
    tooLong: 'A range of 366 days at most.',
    chart: (from: string, to: string, net: string) => `Chart of net revenue from ${from} to ${to}: ${net} in all.`,
    chartLoading: 'Loading the chart…',
    chartFailed: 'The chart could not be loaded; the table below gives the same figures.',
    period: 'Period',
    bySite: 'Per site',
    byType: 'Per locker type',
    noMoney: 'No payment in this range.',
    zone: (zone: string) => `Dates of the ${zone} time zone; refunds subtracted on the day they happened.`,
    mismatch: 'Warning: the periods do not add up to the total. Please report it.',
    periods: 'Per period',
  },
});

type ChartComponent = ComponentType<{
  series: ReturnType<typeof chartSeries>;
  currency: string;
  names: { net: string; paid: string; refunded: string };
  label: string;
}>;

type Load = { kind: 'loading' } | { kind: 'loaded'; report: RevenueReport } | { kind: 'failed'; message: string };

/** Money in over a range: totals, a chart per day / week / month, per site and per type. */
export function RevenueSection({ onSessionLost, timeZone }: { onSessionLost(): void; timeZone: string }) {
  const [query, setQuery] = useState<RevenueQuery>(() => ({
    ...monthToDate(timeZone),
    granularity: 'day',
    siteId: '',
    type: '',
  }));
  const [load, setLoad] = useState<Load>({ kind: 'loading' });
  const [sites, setSites] = useState<Site[]>([]);
  const [Chart, setChart] = useState<ChartComponent | null>(null);
  const [chartFailed, setChartFailed] = useState(false);
  const sessionLost = useRef(onSessionLost);
  sessionLost.current = onSessionLost;
  const t = text();

  // uPlot comes with this tab only: the first page and the other tabs never load it.
  useEffect(() => {
    import('./RevenueChart').then(
      (module) => setChart(() => module.default),
      () => setChartFailed(true),
    );
  }, []);

  useEffect(() => {
    adminApi.sites().then(setSites, () => setSites([]));
  }, []);

  const days = daysBetween(query.from, query.to);
  const rangeProblem = Number.isNaN(days) ? null : days < 1 ? t.badRange : days > 366 ? t.tooLong : null;

  useEffect(() => {
    if (rangeProblem || !query.from || !query.to) return;
    let current = true;
    setLoad((previous) => (previous.kind === 'loaded' ? previous : { kind: 'loading' }));
    adminApi.revenue(query).then(
      (report) => current && setLoad({ kind: 'loaded', report }),
      (failure: unknown) =>
        current && reportAdminFailure(failure, sessionLost.current, (message) => setLoad({ kind: 'failed', message })),
    );
    return () => {
      current = false;
    };
  }, [query, rangeProblem]);

  const report = load.kind === 'loaded' ? load.report : null;
  const series = useMemo(() => (report ? chartSeries(report.series, report.granularity) : null), [report]);
  const names = useMemo(() => ({ net: t.net, paid: t.paid, refunded: t.refunded }), [t]);
  const money = (cents: number) => formatMoney(cents, report?.currency ?? 'EUR');

  return (
    <div class="admin-section" data-testid="admin-revenue">
      <section class="frame" aria-labelledby="revenue-title">
        <h2 class="section-title" id="revenue-title">
          {t.title}
        </h2>
        <div class="admin-filters">
          <TextField
            label={t.from}
            name="revenue-from"
            type="date"
            value={query.from}
            max={query.to}
            onInput={(from) => setQuery((q) => ({ ...q, from }))}
            testId="revenue-from"
          />
          <TextField
            label={t.to}
            name="revenue-to"
            type="date"
            value={query.to}
            min={query.from}
            onInput={(to) => setQuery((q) => ({ ...q, to }))}
            testId="revenue-to"
          />
          <SelectField
            label={t.granularity}
            name="revenue-granularity"
            value={query.granularity}
            options={[
              { value: 'day', label: t.day },
              { value: 'week', label: t.week },
              { value: 'month', label: t.month },
            ]}
            onChange={(granularity) => setQuery((q) => ({ ...q, granularity: granularity as Granularity }))}
            testId="revenue-granularity"
          />
          <SelectField
            label={t.site}
            name="revenue-site"
            value={query.siteId}
            options={[{ value: '', label: t.anySite }, ...sites.map((s) => ({ value: s.id, label: s.name }))]}
            onChange={(siteId) => setQuery((q) => ({ ...q, siteId }))}
            testId="revenue-site"
          />
          <SelectField
            label={t.type}
            name="revenue-type"
            value={query.type}
            options={[
              { value: '', label: t.anyType },
              { value: 'school', label: lockerTypeLabel('school') },
              { value: 'sport', label: lockerTypeLabel('sport') },
            ]}
            onChange={(type) => setQuery((q) => ({ ...q, type: type as RevenueQuery['type'] }))}
            testId="revenue-type"
          />
        </div>
        <FormError message={rangeProblem} testId="revenue-range-error" />
        {load.kind === 'failed' && <FormError message={load.message} testId="revenue-error" />}
        {load.kind === 'loading' && <p class="settings-form__hint">{t.loading}</p>}
        {report && (
          <>
            <dl class="admin-counters admin-counters--three" aria-live="polite" data-testid="revenue-totals">
              <div class="tile tile--neutral" data-testid="revenue-paid">
                <dt class="tile__caption">{t.paid}</dt>
                <dd class="tile__value">{money(report.paidCents)}</dd>
              </div>
              <div class="tile tile--neutral" data-testid="revenue-refunded">
                <dt class="tile__caption">{t.refunded}</dt>
                <dd class="tile__value">− {money(report.refundedCents)}</dd>
              </div>
              <div class="tile tile--good" data-testid="revenue-net">
                <dt class="tile__caption">{t.net}</dt>
                <dd class="tile__value">{money(report.netCents)}</dd>
              </div>
            </dl>
            <p class="settings-form__hint">{t.zone(report.timeZone)}</p>
            {!seriesAddsUp(report.series, report) && (
              <p class="form-error" role="alert">
                {t.mismatch}
              </p>
            )}
          </>
        )}
      </section>

      {report && series && (
        <section class="frame" aria-labelledby="revenue-periods-title">
          <h2 class="section-title section-title--small" id="revenue-periods-title">
            {t.periods}
          </h2>
          {Chart ? (
            <Chart
              series={series}
              currency={report.currency}
              names={names}
              label={t.chart(query.from, query.to, money(report.netCents))}
            />
          ) : (
            <p class="settings-form__hint">{chartFailed ? t.chartFailed : t.chartLoading}</p>
          )}
          <ScrollRegion labelledBy="revenue-periods-title">
            <table class="admin-table" data-testid="revenue-table">
              <thead>
                <tr>
                  <th scope="col">{t.period}</th>
                  <th scope="col" class="admin-table__num">
                    {t.paid}
                  </th>
                  <th scope="col" class="admin-table__num">
                    {t.refunded}
                  </th>
                  <th scope="col" class="admin-table__num">
                    {t.net}
                  </th>
                </tr>
              </thead>
              <tbody>
                {report.series.map((period) => (
                  <tr key={period.period} data-testid="revenue-row" data-period={period.period}>
                    <th scope="row">{periodLabel(period.period, report.granularity)}</th>
                    <td class="admin-table__num">{money(period.paidCents)}</td>
                    <td class="admin-table__num">{period.refundedCents ? `− ${money(period.refundedCents)}` : '—'}</td>
                    <td class="admin-table__num">{money(period.netCents)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollRegion>
        </section>
      )}

      {report && (
        <div class="admin-columns">
          <section class="frame" aria-labelledby="revenue-site-title">
            <h2 class="section-title section-title--small" id="revenue-site-title">
              {t.bySite}
            </h2>
            {report.bySite.length === 0 ? (
              <p class="page__empty">{t.noMoney}</p>
            ) : (
              <dl class="admin-breakdown" data-testid="revenue-by-site">
                {report.bySite.map((row) => (
                  <div key={row.siteId}>
                    <dt>{row.siteName}</dt>
                    <dd>{money(row.netCents)}</dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
          <section class="frame" aria-labelledby="revenue-type-title">
            <h2 class="section-title section-title--small" id="revenue-type-title">
              {t.byType}
            </h2>
            <dl class="admin-breakdown" data-testid="revenue-by-type">
              {report.byType.map((row) => (
                <div key={row.type}>
                  <dt>{lockerTypeLabel(row.type)}</dt>
                  <dd>{money(row.netCents)}</dd>
                </div>
              ))}
            </dl>
          </section>
        </div>
      )}
    </div>
  );
}
