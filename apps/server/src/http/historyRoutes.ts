import {
  type HistoryEndReason,
  historyCsv,
  historyDurationMinutes,
  historyPeriod,
  type LockerType,
  siteDate,
} from '@smartlocker/domain';
import { Hono } from 'hono';
import { z } from 'zod';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { HistoryFilter, HistoryRow, HistoryTotals } from '../repositories/HistoryRepository';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import { csvResponse } from './csvResponse';
import { requireAdmin } from './requestBody';
import type { SessionHttpDeps } from './sessionRoutes';

type Env = { Variables: { user: UserRow } };

/** One line of GET /api/history. */
export interface HistoryEntryView {
  id: string;
  lockerId: string;
  /** The locker's name. */
  locker: string;
  type: LockerType;
  startedAt: string;
  /** Null while running. */
  endedAt: string | null;
  durationMinutes: number | null;
  amountCents: number;
  endReason: HistoryEndReason | null;
  refunded: boolean;
}

export interface HistoryPage {
  entries: HistoryEntryView[];
  page: number;
  pageSize: number;
  /** Lines matching the filters, all pages together. */
  total: number;
  totals: HistoryTotals;
  /** The site's zone, in which the dates of the filters are read. */
  timeZone: string;
}

/** An empty parameter (a cleared form field) is no filter. */
const optionalParam = z
  .string()
  .optional()
  .transform((value) => (value === '' ? undefined : value));

const HistoryQuery = z.object({
  from: optionalParam,
  to: optionalParam,
  type: z.preprocess((value) => (value === '' ? undefined : value), z.enum(['school', 'sport']).optional()),
  page: z.coerce.number().int().min(1).max(1_000_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

const DATE_REFUSALS = {
  invalid_date: new AppError(400, 'invalid_date', 'Dates are calendar days written YYYY-MM-DD.'),
  invalid_date_range: new AppError(400, 'invalid_date_range', 'The end date is before the start date.'),
};

/**
 * History (SPEC §7, issue 6): the member's sessions page by page with totals, and the CSV export
 * streamed from the database in keyset-paged batches; administrators export everyone's.
 */
export function createHistoryRoutes(deps: SessionHttpDeps & { logger: Logger; metrics: Metrics }) {
  const history = new Hono<Env>();

  /** Reads the query (dates in the site's zone) into a filter; 400 with a stable code otherwise. */
  async function readFilter(query: Record<string, string>, userId: string | null) {
    const parsed = HistoryQuery.safeParse(query);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ');
      throw new AppError(400, 'invalid_query', detail);
    }
    const timeZone = await deps.history.siteTimeZone();
    const period = historyPeriod(parsed.data, timeZone);
    if (!period.ok) throw DATE_REFUSALS[period.refusal];
    const filter: HistoryFilter = { userId, ...period.period, type: parsed.data.type ?? null };
    return { filter, timeZone, page: parsed.data.page, pageSize: parsed.data.pageSize };
  }

  function historyCsvResponse(
    rows: AsyncGenerator<HistoryRow>,
    options: { timeZone: string; withUser: boolean },
    name: string,
    context: { route: string; env: unknown },
  ) {
    const fileName = `${name}-${siteDate(deps.clock.now(), options.timeZone)}.csv`;
    return csvResponse(historyCsv(rows, options), fileName, { ...context, logger: deps.logger, metrics: deps.metrics });
  }

  history.get('/history', async (c) => {
    const { filter, timeZone, page, pageSize } = await readFilter(c.req.query(), c.get('user').id);
    const [rows, totals] = await Promise.all([
      deps.history.page(filter, { offset: (page - 1) * pageSize, limit: pageSize }),
      deps.history.totals(filter),
    ]);
    const body: HistoryPage = {
      entries: rows.map(toEntryView),
      page,
      pageSize,
      total: totals.sessions,
      totals,
      timeZone,
    };
    return c.json(body);
  });

  history.get('/history.csv', async (c) => {
    const { filter, timeZone } = await readFilter(c.req.query(), c.get('user').id);
    return historyCsvResponse(deps.history.stream(filter), { timeZone, withUser: false }, 'smartlocker-historique', {
      route: '/api/history.csv',
      env: c.env,
    });
  });

  history.get('/admin/history.csv', requireAdmin, async (c) => {
    const { filter, timeZone } = await readFilter(c.req.query(), null);
    return historyCsvResponse(
      deps.history.stream(filter),
      { timeZone, withUser: true },
      'smartlocker-historique-complet',
      { route: '/api/admin/history.csv', env: c.env },
    );
  });

  return history;
}

function toEntryView(row: HistoryRow): HistoryEntryView {
  return {
    id: row.id,
    lockerId: row.lockerId,
    locker: row.locker,
    type: row.type,
    startedAt: row.startedAt.toISOString(),
    endedAt: row.endedAt?.toISOString() ?? null,
    durationMinutes: historyDurationMinutes(row),
    amountCents: row.amountCents,
    endReason: row.endReason,
    refunded: row.refunded,
  };
}
