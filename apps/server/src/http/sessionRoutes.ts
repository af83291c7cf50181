import { Hono } from 'hono';
import { z } from 'zod';
import type { Clock } from '../clock';
import type { HistoryRepository, HistoryTotals } from '../repositories/HistoryRepository';
import type { UserRow } from '../repositories/UserRepository';
import type { SportSessionService } from '../services/SportSessionService';
import type { SportSessionView } from '../services/sessionView';
import { readJsonBody } from './requestBody';

/** What the session, history and dashboard routes need (issue 6). */
export interface SessionHttpDeps {
  service: SportSessionService;
  history: HistoryRepository;
  clock: Clock;
}

type Env = { Variables: { user: UserRow } };

const LockerId = z.string().regex(/^[A-Z0-9][A-Z0-9_-]{0,63}$/);
const StartBody = z.object({ lockerId: LockerId });
const EndBody = z.object({ objectLeftConfirmed: z.boolean().optional() });

/** The member's running session and their all-time totals: the dashboard's live part. */
export interface SessionState {
  session: SportSessionView | null;
  stats: HistoryTotals;
}

export async function readSessionState(deps: SessionHttpDeps, userId: string): Promise<SessionState> {
  const [session, stats] = await Promise.all([
    deps.service.current(userId),
    deps.history.totals({ userId, from: null, until: null, type: null }),
  ]);
  return { session, stats };
}

/**
 * Sport sessions of the signed-in member (SPEC §6), mounted at /api/sessions. There is no session
 * id in the URLs: a member has at most one running session, `current`, so no one can name someone
 * else's.
 */
export function createSessionRoutes(deps: SessionHttpDeps) {
  const sessions = new Hono<Env>();

  sessions.get('/current', async (c) => {
    return c.json({ session: await deps.service.current(c.get('user').id) });
  });

  sessions.post('/', async (c) => {
    const body = await readJsonBody(c.req.raw, StartBody);
    const started = await deps.service.start(c.get('user'), body.lockerId);
    return c.json(started, 201);
  });

  sessions.post('/current/open', async (c) => {
    const opened = await deps.service.open(c.get('user'));
    return c.json(opened, 202);
  });

  // 409 `object_left_inside` is a question, not a refusal: the app asks, then sends
  // `objectLeftConfirmed: true`.
  sessions.post('/current/end', async (c) => {
    const body = await readJsonBody(c.req.raw, EndBody, { optional: true });
    const ended = await deps.service.end(c.get('user'), { objectLeftConfirmed: body.objectLeftConfirmed === true });
    return c.json({ session: ended });
  });

  return sessions;
}
