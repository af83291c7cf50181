import { type DoorFact, isInLockdown, isOutOfService, type LockerFacts } from '../locker';

/**
 * The sport session, SPEC §6: a Premium member starts a session without expiry, opens the locker
 * as often as they like, and ends it, which locks the locker and releases the pairing for the next
 * member. Each action is decided from facts the server gathered just before it (Premium status is
 * read fresh every time, SPEC §6 "checked on the server before any action"); the decision says what
 * to do, the caller does it.
 */

export interface ActiveSportSession {
  id: string;
  startedAt: Date;
  /**
   * The member lost Premium during this session and already used the one open they keep to take
   * their things out (issue 6). Recorded by the caller when a decision says `graceOpen: true`.
   */
  graceOpenUsed: boolean;
}

export interface SportSessionFacts {
  /** The acting member has an active pairing with this sport locker. */
  pairedToUser: boolean;
  /** Read fresh before every action, never cached from the session's start. */
  userIsPremium: boolean;
  /** The member's active session on this locker, if any. */
  session: ActiveSportSession | null;
  locker: Pick<LockerFacts, 'online' | 'door' | 'lockdownUntil' | 'outOfServiceAt'>;
  /** The distance sensor: `null` when the locker has none or has not reported. */
  objectPresent: boolean | null;
}

/** How a sport session ended; history adds `expired` for school bookings. */
export const SPORT_SESSION_END_REASONS = ['user', 'admin', 'lockdown'] as const;
export type SportSessionEndReason = (typeof SPORT_SESSION_END_REASONS)[number];

export type SportSessionAction =
  | { kind: 'start' }
  | { kind: 'open' }
  | {
      kind: 'end';
      reason: SportSessionEndReason;
      /** The person ending has seen the `object_left_inside` warning and confirmed. */
      objectLeftConfirmed: boolean;
    };

export type SportSessionRefusal =
  | 'not_paired'
  | 'premium_required'
  | 'session_active'
  | 'no_active_session'
  | 'grace_open_used'
  | 'out_of_service'
  | 'locker_offline'
  | 'lockdown'
  | 'door_open'
  | 'door_unknown';

export type SportSessionWarning = 'object_left_inside';

export type SportSessionEffect =
  /** Create the session (no expiry) and send an open command. */
  | { kind: 'start' }
  /** Send an open pulse within the same session; `graceOpen` means record `graceOpenUsed`. */
  | { kind: 'open'; sessionId: string; graceOpen: boolean }
  /** Log the session in history, lock the locker, release the pairing. */
  | { kind: 'end'; sessionId: string; reason: SportSessionEndReason; objectLeftInside: boolean };

export type SportSessionDecision<E extends SportSessionEffect = SportSessionEffect> =
  | { ok: true; effect: E }
  | { ok: false; refusal: SportSessionRefusal }
  /** Not a refusal: ask the person, then call again with `objectLeftConfirmed: true`. */
  | { ok: false; warning: SportSessionWarning };

type Refused = { ok: false; refusal: SportSessionRefusal };
const refuse = (refusal: SportSessionRefusal): Refused => ({ ok: false, refusal });

/** The one entry point: decides any action from the facts. */
export function decideSportSession(
  action: SportSessionAction,
  facts: SportSessionFacts,
  now: Date,
): SportSessionDecision {
  switch (action.kind) {
    case 'start':
      return decideStartSession(facts, now);
    case 'open':
      return decideOpenInSession(facts, now);
    case 'end':
      return decideEndSession(facts, action.reason, action.objectLeftConfirmed);
  }
}

export function decideStartSession(
  facts: SportSessionFacts,
  now: Date,
): SportSessionDecision<Extract<SportSessionEffect, { kind: 'start' }>> {
  if (!facts.pairedToUser) return refuse('not_paired');
  // Checked before "session_active": a member who lost Premium mid-session must learn why they
  // cannot start again, and the way out (end, or become Premium) is the same either way.
  if (!facts.userIsPremium) return refuse('premium_required');
  if (facts.session !== null) return refuse('session_active');
  const blocked = lockerBlocksOpening(facts.locker, now);
  if (blocked !== null) return refuse(blocked);
  return { ok: true, effect: { kind: 'start' } };
}

export function decideOpenInSession(
  facts: SportSessionFacts,
  now: Date,
): SportSessionDecision<Extract<SportSessionEffect, { kind: 'open' }>> {
  const session = facts.session;
  if (session === null) return refuse('no_active_session');
  // Issue 6: Premium revoked during a session still lets the member open once to take their
  // things out; after that, only End is left.
  const graceOpen = !facts.userIsPremium;
  if (graceOpen && session.graceOpenUsed) return refuse('grace_open_used');
  const blocked = lockerBlocksOpening(facts.locker, now);
  if (blocked !== null) return refuse(blocked);
  return { ok: true, effect: { kind: 'open', sessionId: session.id, graceOpen } };
}

/**
 * Ending a session, for the member (`user`), an administrator's force-free (`admin`) and the
 * system when a lockdown ends sessions (`lockdown`): one set of rules for all three. Premium is not
 * required (issue 6: a member who lost it may still end). Lockdown does not block ending: the locker
 * is locked either way.
 */
export function decideEndSession(
  facts: Pick<SportSessionFacts, 'session' | 'locker' | 'objectPresent'>,
  reason: SportSessionEndReason,
  objectLeftConfirmed: boolean,
): SportSessionDecision<Extract<SportSessionEffect, { kind: 'end' }>> {
  const session = facts.session;
  if (session === null) return refuse('no_active_session');
  // SPEC §6: refused while the door is physically open. An offline locker's last door report is
  // stale, so it counts as unknown: we cannot promise the locker is shut and locked.
  const door = facts.locker.online ? doorRefusal(facts.locker.door) : 'door_unknown';
  if (door !== null) return refuse(door);
  const objectLeftInside = facts.objectPresent === true;
  if (objectLeftInside && !objectLeftConfirmed && endedByPerson(reason)) {
    return { ok: false, warning: 'object_left_inside' };
  }
  return { ok: true, effect: { kind: 'end', sessionId: session.id, reason, objectLeftInside } };
}

function doorRefusal(door: DoorFact): 'door_open' | 'door_unknown' | null {
  switch (door) {
    case 'closed':
      return null;
    case 'open':
      return 'door_open';
    case 'unknown':
      return 'door_unknown';
  }
}

/** A lockdown ends sessions with nobody at the screen to confirm; the result still records the object. */
function endedByPerson(reason: SportSessionEndReason): boolean {
  switch (reason) {
    case 'user':
    case 'admin':
      return true;
    case 'lockdown':
      return false;
  }
}

function lockerBlocksOpening(
  locker: SportSessionFacts['locker'],
  now: Date,
): Extract<SportSessionRefusal, 'out_of_service' | 'locker_offline' | 'lockdown'> | null {
  if (isOutOfService(locker)) return 'out_of_service';
  if (!locker.online) return 'locker_offline';
  if (isInLockdown(locker, now)) return 'lockdown';
  return null;
}
