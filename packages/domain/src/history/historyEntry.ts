import type { LockerType } from '../locker';

/**
 * One line of a user's history, SPEC §7: every school and sport session. Times are UTC instants;
 * the site's zone is applied only when the line is shown or exported.
 */
export const HISTORY_END_REASONS = ['user', 'expired', 'admin', 'lockdown'] as const;
export type HistoryEndReason = (typeof HISTORY_END_REASONS)[number];

export interface HistoryEntry {
  /** The locker's display name, as people see it on the sticker. */
  locker: string;
  type: LockerType;
  startedAt: Date;
  /** `null` while the session is still running. */
  endedAt: Date | null;
  /** Integer cents; sport sessions are covered by Premium and cost 0. */
  amountCents: number;
  /** `null` while the session is still running. */
  endReason: HistoryEndReason | null;
  /**
   * A school booking paid and then refunded (the slot was taken meanwhile, or the locker failed):
   * still listed, but not money spent. Absent means not refunded.
   */
  refunded?: boolean;
  /** The member's e-mail, for an administrator's export of everyone's history; `null` once erased. */
  userEmail?: string | null;
}

/** Whole minutes, rounded to the nearest; `null` while running. */
export function historyDurationMinutes(entry: Pick<HistoryEntry, 'startedAt' | 'endedAt'>): number | null {
  if (entry.endedAt === null) return null;
  return Math.round((entry.endedAt.getTime() - entry.startedAt.getTime()) / 60_000);
}

/** How it ended, in the words of issue 6. */
export function describeEndReason(reason: HistoryEndReason): string {
  switch (reason) {
    case 'user':
      return 'ended by user';
    case 'expired':
      return 'expired';
    case 'admin':
      return 'forced by admin';
    case 'lockdown':
      return 'lockdown';
  }
}
