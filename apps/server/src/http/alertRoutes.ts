import { csvChunks } from '@smartlocker/domain';
import { Hono } from 'hono';
import { z } from 'zod';
import type { AlertService } from '../alerts/AlertService';
import type { AuditVerification } from '../audit/AuditVerifier';
import type { Clock } from '../clock';
import { actorKind } from '../db/schema';
import type { Logger } from '../observability/logger';
import type { Metrics } from '../observability/metrics';
import type { AuditFilter, AuditRepository, AuditRow } from '../repositories/AuditRepository';
import type { LockerRepository } from '../repositories/LockerRepository';
import type { UserRow } from '../repositories/UserRepository';
import { AppError } from '../services/AppError';
import { toLockerView } from '../services/lockerView';
import { csvResponse } from './csvResponse';
import { readJsonBody, requireAdmin } from './requestBody';

type Env = { Variables: { user: UserRow } };

export interface AlertRouteDeps {
  alerts: AlertService;
  audit: AuditRepository;
  lockers: LockerRepository;
  /** Walks the whole audit chain (issue 10). */
  verifyAudit: () => Promise<AuditVerification>;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

/** One row of the audit trail as the API shows it. */
export interface AuditEntryView {
  seq: number;
  at: string;
  actorKind: string;
  actorId: string | null;
  action: string;
  lockerId: string | null;
  subjectUserId: string | null;
  data: Record<string, unknown>;
  hash: string | null;
}

const NoteBody = z.object({ note: z.string().trim().max(500).optional() });
const MuteBody = z.object({ muted: z.boolean() });
const LockerId = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,63}$/);

const emptyToUndefined = (value: unknown) => (value === '' ? undefined : value);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());
const instant = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

const AuditQuery = z.object({
  action: optional(
    z
      .string()
      .max(80)
      .regex(/^[a-z_.]+$/, 'an action such as locker.open_requested or alert.'),
  ),
  actorKind: optional(z.enum(actorKind.enumValues)),
  actorId: optional(z.string().max(128)),
  lockerId: optional(LockerId),
  subjectUserId: optional(z.string().max(128)),
  from: optional(instant),
  to: optional(instant),
  before: optional(z.coerce.number().int().positive()),
  limit: z.preprocess(emptyToUndefined, z.coerce.number().int().min(1).max(500).default(50)),
});

const AUDIT_CSV_COLUMNS = [
  'seq',
  'at',
  'actor_kind',
  'actor_id',
  'action',
  'locker_id',
  'subject_user_id',
  'data',
  'hash',
] as const;

function readQuery<T>(schema: z.ZodType<T>, query: Record<string, string>): T {
  const parsed = schema.safeParse(query);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ');
    throw new AppError(400, 'invalid_query', detail);
  }
  return parsed.data;
}

function toFilter(query: z.infer<typeof AuditQuery>): AuditFilter {
  const { before: _before, limit: _limit, ...filter } = query;
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined)) as AuditFilter;
}

function toEntryView(row: AuditRow): AuditEntryView {
  return {
    seq: row.chainSeq ?? 0,
    at: row.at.toISOString(),
    actorKind: row.actorKind,
    actorId: row.actorId,
    action: row.action,
    lockerId: row.lockerId,
    subjectUserId: row.subjectUserId,
    data: row.data,
    hash: row.hash,
  };
}

/**
 * Alarms and the audit trail for administrators (issue 10), under /api/admin: the open alarms,
 * acknowledging and clearing them, and the hash-chained audit trail paged, exported and verified.
 */
export function createAlertAdminRoutes(deps: AlertRouteDeps) {
  const admin = new Hono<Env>();
  admin.use('*', requireAdmin);

  admin.get('/alarms', async (c) => {
    const { lockerId } = readQuery(z.object({ lockerId: optional(LockerId) }), c.req.query());
    return c.json({ alarms: await deps.alerts.listOpen({ ...(lockerId ? { lockerId } : {}), limit: 500 }) });
  });

  // A locker's page (where an alert's notification leads): its state and its open alarms.
  admin.get('/lockers/:id', async (c) => {
    const id = LockerId.safeParse(c.req.param('id'));
    const found = id.success ? await deps.lockers.findWithSite(id.data) : null;
    if (!found) throw new AppError(404, 'unknown_locker', 'No locker has this id.');
    return c.json({
      locker: toLockerView(found.locker, found.site, deps.clock.now()),
      alarms: await deps.alerts.listOpen({ lockerId: found.locker.id, limit: 100 }),
    });
  });

  const alertId = (raw: string) => {
    const id = z.uuid().safeParse(raw);
    if (!id.success) throw new AppError(404, 'unknown_alert', 'No alert has this id.');
    return id.data;
  };

  admin.post('/alarms/:id/acknowledge', async (c) => {
    const id = alertId(c.req.param('id'));
    const body = await readJsonBody(c.req.raw, NoteBody, { optional: true });
    return c.json({ alarm: await deps.alerts.acknowledge(c.get('user'), id, body.note || null) });
  });

  admin.post('/alarms/:id/clear', async (c) => {
    const id = alertId(c.req.param('id'));
    const body = await readJsonBody(c.req.raw, NoteBody, { optional: true });
    return c.json({ alarm: await deps.alerts.clear(c.get('user'), id, body.note || null) });
  });

  admin.get('/audit', async (c) => {
    const query = readQuery(AuditQuery, c.req.query());
    const rows = await deps.audit.page(toFilter(query), query.limit + 1, query.before);
    const entries = rows.slice(0, query.limit).map(toEntryView);
    return c.json({ entries, nextBefore: rows.length > query.limit ? (entries.at(-1)?.seq ?? null) : null });
  });

  admin.get('/audit.csv', async (c) => {
    const filter = toFilter(readQuery(AuditQuery, c.req.query()));
    const audit = deps.audit;
    async function* lines(): AsyncGenerator<string[]> {
      let after = 0;
      for (;;) {
        const batch = await audit.batchAfter(filter, after, 1_000);
        for (const row of batch) {
          const entry = toEntryView(row);
          yield [
            String(entry.seq),
            entry.at,
            entry.actorKind,
            entry.actorId ?? '',
            entry.action,
            entry.lockerId ?? '',
            entry.subjectUserId ?? '',
            JSON.stringify(entry.data),
            entry.hash ?? '',
          ];
          after = entry.seq;
        }
        if (batch.length < 1_000) return;
      }
    }
    const day = deps.clock.now().toISOString().slice(0, 10);
    return csvResponse(csvChunks(AUDIT_CSV_COLUMNS, lines()), `smartlocker-audit-${day}.csv`, {
      route: '/api/admin/audit.csv',
      logger: deps.logger,
      metrics: deps.metrics,
      env: c.env,
    });
  });

  admin.get('/audit/verify', async (c) => c.json(await deps.verifyAudit()));

  return admin;
}

/** A person's notification settings (issue 10), under /api/me/notifications. */
export function createNotificationRoutes(alerts: AlertService) {
  const me = new Hono<Env>();

  me.get('/', async (c) => c.json({ preferences: await alerts.preferences(c.get('user')) }));

  me.put('/:kind', async (c) => {
    const body = await readJsonBody(c.req.raw, MuteBody);
    await alerts.setMuted(c.get('user'), c.req.param('kind'), body.muted);
    return c.json({ preferences: await alerts.preferences(c.get('user')) });
  });

  return me;
}
