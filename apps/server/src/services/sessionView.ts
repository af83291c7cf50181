import { type HistoryEndReason, historyDurationMinutes } from '@smartlocker/domain';
import type { CompletedSessionRow, SportSessionRow } from '../repositories/SessionRepository';

/** A running sport session as its member's browser sees it (GET /api/me, SSE `session`). */
export interface SportSessionView {
  id: string;
  lockerId: string;
  /** ISO 8601 instant; the dashboard's timer counts from here. */
  startedAt: string;
  /** The member lost Premium during the session and has used the one open they keep. */
  graceOpenUsed: boolean;
}

/** What ending a session answers: the line it adds to the history. */
export interface EndedSessionView extends SportSessionView {
  endedAt: string;
  durationMinutes: number;
  endReason: HistoryEndReason;
  objectLeftInside: boolean;
}

export function toSessionView(session: SportSessionRow): SportSessionView {
  return {
    id: session.id,
    lockerId: session.lockerId,
    startedAt: session.startedAt.toISOString(),
    graceOpenUsed: session.graceOpenUsed,
  };
}

export function toEndedSessionView(session: CompletedSessionRow): EndedSessionView {
  return {
    ...toSessionView(session),
    endedAt: session.endedAt.toISOString(),
    durationMinutes: historyDurationMinutes(session) ?? 0,
    endReason: session.endReason,
    objectLeftInside: session.objectLeftInside,
  };
}
