import { createHttp, type FetchLike } from './client';
import type { LockerType } from './types';

/**
 * Sport sessions and history (issue 6), as the web app consumes them: the shapes of
 * /api/sessions, /api/history and the `session` SSE event, and the calls.
 */

/** A running sport session (GET /api/me `session`, SSE `session`). */
export interface SportSession {
  id: string;
  lockerId: string;
  /** ISO 8601 instant; the timer counts from here. */
  startedAt: string;
  /** Premium was lost during the session and the one remaining open has been used. */
  graceOpenUsed: boolean;
}

export type EndReason = 'user' | 'expired' | 'admin' | 'lockdown';

export interface EndedSession extends SportSession {
  endedAt: string;
  durationMinutes: number;
  endReason: EndReason;
  objectLeftInside: boolean;
}

/** The member's all-time totals (the dashboard's stats strip) or a history filter's. */
export interface SessionStats {
  sessions: number;
  minutes: number;
  spentCents: number;
}

/** SSE `session`: the running session (or none) and the totals, pushed on every change. */
export interface SessionState {
  session: SportSession | null;
  stats: SessionStats;
}

export const NO_STATS: SessionStats = { sessions: 0, minutes: 0, spentCents: 0 };

export interface HistoryEntry {
  id: string;
  lockerId: string;
  locker: string;
  type: LockerType;
  startedAt: string;
  endedAt: string | null;
  durationMinutes: number | null;
  amountCents: number;
  endReason: EndReason | null;
  refunded: boolean;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  page: number;
  pageSize: number;
  total: number;
  totals: SessionStats;
  /** The site's zone: the filter's days and the times shown are read in it. */
  timeZone: string;
}

export interface HistoryFilters {
  /** `YYYY-MM-DD`, included; empty for no bound. */
  from: string;
  to: string;
  type: LockerType | '';
}

export const NO_FILTERS: HistoryFilters = { from: '', to: '', type: '' };

/** The query string of a history request (also the CSV link's); empty filters are left out. */
export function historyQuery(filters: HistoryFilters, page?: { page: number; pageSize: number }): string {
  const params = new URLSearchParams();
  if (filters.from) params.set('from', filters.from);
  if (filters.to) params.set('to', filters.to);
  if (filters.type) params.set('type', filters.type);
  if (page) {
    params.set('page', String(page.page));
    params.set('pageSize', String(page.pageSize));
  }
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** The member's own export (the browser downloads it: Content-Disposition: attachment). */
export function historyCsvUrl(filters: HistoryFilters): string {
  return `/api/history.csv${historyQuery(filters)}`;
}

/** Every member's history, for administrators. */
export const ADMIN_HISTORY_CSV_URL = '/api/admin/history.csv';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

const count = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0;

export function readSportSession(value: unknown): SportSession | null | undefined {
  if (value === null) return null;
  if (!isRecord(value)) return undefined;
  if (typeof value.id !== 'string' || typeof value.lockerId !== 'string') return undefined;
  if (typeof value.startedAt !== 'string' || Number.isNaN(Date.parse(value.startedAt))) return undefined;
  return {
    id: value.id,
    lockerId: value.lockerId,
    startedAt: value.startedAt,
    graceOpenUsed: value.graceOpenUsed === true,
  };
}

export function readSessionStats(value: unknown): SessionStats | undefined {
  if (!isRecord(value) || !count(value.sessions) || !count(value.minutes) || !count(value.spentCents)) {
    return undefined;
  }
  return { sessions: value.sessions, minutes: value.minutes, spentCents: value.spentCents };
}

/** SSE `session` (and the same fields of GET /api/me); `undefined` when malformed, never a throw. */
export function readSessionState(value: unknown): SessionState | undefined {
  if (!isRecord(value)) return undefined;
  const session = readSportSession(value.session);
  const stats = readSessionStats(value.stats);
  if (session === undefined || stats === undefined) return undefined;
  return { session, stats };
}

export function parseSessionEvent(data: string): SessionState | undefined {
  try {
    return readSessionState(JSON.parse(data) as unknown);
  } catch {
    return undefined;
  }
}

export function createSessionsApi(fetchImpl?: FetchLike) {
  const { json } = createHttp(fetchImpl);
  return {
    start: (lockerId: string) =>
      json<{ session: SportSession; commandId: string }>('POST', '/api/sessions', { lockerId }),
    open: () => json<{ commandId: string; graceOpen: boolean }>('POST', '/api/sessions/current/open'),
    end: (objectLeftConfirmed: boolean) =>
      json<{ session: EndedSession }>('POST', '/api/sessions/current/end', { objectLeftConfirmed }),
    history: (filters: HistoryFilters, page: { page: number; pageSize: number }) =>
      json<HistoryPage>('GET', `/api/history${historyQuery(filters, page)}`),
  };
}

export type SessionsApi = ReturnType<typeof createSessionsApi>;

export const sessionsApi: SessionsApi = createSessionsApi();
