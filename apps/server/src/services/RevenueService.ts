import { DEFAULT_SITE_TIME_ZONE, siteDate } from '@smartlocker/domain';
import type { Clock } from '../clock';
import type { FleetRepository } from '../repositories/FleetRepository';
import type { RevenueGranularity, RevenueRepository } from '../repositories/RevenueRepository';
import { AppError } from './AppError';

export const MAX_REVENUE_DAYS = 366;

export interface RevenueRequest {
  from: string;
  to: string;
  granularity: RevenueGranularity;
  siteId?: string;
  type?: 'school' | 'sport';
}

/** docs/admin-api.md "Revenue". */
export interface RevenueReport {
  currency: 'EUR';
  timeZone: string;
  granularity: RevenueGranularity;
  paidCents: number;
  refundedCents: number;
  netCents: number;
  series: { period: string; paidCents: number; refundedCents: number; netCents: number }[];
  bySite: { siteId: string; siteName: string; netCents: number }[];
  byType: { type: 'school' | 'sport'; netCents: number }[];
}

const DAY_MS = 86_400_000;

/**
 * Revenue for administrators (issue 11): succeeded payments minus refunds, each counted on the day
 * the money moved, in the first site's zone. The sums are the database's (RevenueRepository); this
 * checks the range and derives the totals from the series, so they add up by construction.
 */
export class RevenueService {
  constructor(
    private readonly revenue: RevenueRepository,
    private readonly fleet: FleetRepository,
    private readonly clock: Clock,
  ) {}

  /** The zone revenue days are read in: the first site's (the oldest), or the default. */
  async timeZone(): Promise<string> {
    return (await this.fleet.firstSite())?.timeZone ?? DEFAULT_SITE_TIME_ZONE;
  }

  async report(request: RevenueRequest): Promise<RevenueReport> {
    const days = daysBetween(request.from, request.to);
    if (days === null || days < 1 || days > MAX_REVENUE_DAYS) {
      throw new AppError(
        400,
        'invalid_request',
        `from and to are days (YYYY-MM-DD), from before to, at most ${MAX_REVENUE_DAYS} days apart.`,
        { fields: [{ path: 'to', message: `at most ${MAX_REVENUE_DAYS} days after from` }] },
      );
    }
    const timeZone = await this.timeZone();
    const rows = await this.revenue.revenue({ ...request, timeZone });
    const series = rows.series.map((p) => ({ ...p, netCents: p.paidCents - p.refundedCents }));
    const paidCents = series.reduce((sum, p) => sum + p.paidCents, 0);
    const refundedCents = series.reduce((sum, p) => sum + p.refundedCents, 0);
    return {
      currency: 'EUR',
      timeZone,
      granularity: request.granularity,
      paidCents,
      refundedCents,
      netCents: paidCents - refundedCents,
      series,
      bySite: rows.bySite,
      byType: rows.byType,
    };
  }

  /** The overview's figures: today and this month so far, in the first site's zone. */
  async todayAndMonth(): Promise<{ todayCents: number; monthCents: number; currency: 'EUR'; timeZone: string }> {
    const timeZone = await this.timeZone();
    const today = siteDate(this.clock.now(), timeZone);
    const month = await this.report({ from: `${today.slice(0, 8)}01`, to: today, granularity: 'day' });
    return {
      todayCents: month.series.at(-1)?.netCents ?? 0,
      monthCents: month.netCents,
      currency: 'EUR',
      timeZone,
    };
  }
}

/** Days from `from` to `to` inclusive; null unless both are real calendar days. */
function daysBetween(from: string, to: string): number | null {
  const start = calendarDay(from);
  const end = calendarDay(to);
  if (start === null || end === null) return null;
  return Math.round((end - start) / DAY_MS) + 1;
}

function calendarDay(value: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const at = Date.UTC(year, month - 1, day);
  const check = new Date(at);
  // 2026-02-30 is not a day: Date would roll it over to March.
  if (year < 2000 || year > 2999 || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return at;
}
