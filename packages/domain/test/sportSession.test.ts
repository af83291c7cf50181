import { describe, expect, it } from 'vitest';
import {
  type ActiveSportSession,
  decideEndSession,
  decideSportSession,
  SPORT_SESSION_END_REASONS,
  type SportSessionFacts,
} from '../src/session/sportSession';

const now = new Date('2026-03-29T10:00:00Z');
const session: ActiveSportSession = { id: 'S1', startedAt: new Date('2026-03-29T08:00:00Z'), graceOpenUsed: false };
const idle: SportSessionFacts = {
  pairedToUser: true,
  userIsPremium: true,
  session: null,
  locker: { online: true, door: 'closed', lockdownUntil: null, outOfServiceAt: null },
  objectPresent: false,
};
const active: SportSessionFacts = { ...idle, session };
const lockdown = {
  online: true,
  door: 'closed' as const,
  lockdownUntil: new Date(now.getTime() + 60_000),
  outOfServiceAt: null,
};
const start = { kind: 'start' } as const;
const open = { kind: 'open' } as const;
const end = { kind: 'end', reason: 'user', objectLeftConfirmed: false } as const;

describe('starting a sport session (SPEC §6)', () => {
  it('starts for a paired Premium member: no expiry, and an open command', () => {
    expect(decideSportSession(start, idle, now)).toEqual({ ok: true, effect: { kind: 'start' } });
  });
  it('refuses a member who is not paired with the locker', () => {
    expect(decideSportSession(start, { ...idle, pairedToUser: false }, now)).toEqual({
      ok: false,
      refusal: 'not_paired',
    });
  });
  it('refuses a member without Premium', () => {
    expect(decideSportSession(start, { ...idle, userIsPremium: false }, now)).toEqual({
      ok: false,
      refusal: 'premium_required',
    });
  });
  it('refuses a second session while one is running', () => {
    expect(decideSportSession(start, active, now)).toEqual({ ok: false, refusal: 'session_active' });
  });
  it('refuses an offline locker and a locker in lockdown', () => {
    expect(decideSportSession(start, { ...idle, locker: { ...idle.locker, online: false } }, now)).toEqual({
      ok: false,
      refusal: 'locker_offline',
    });
    expect(decideSportSession(start, { ...idle, locker: lockdown }, now)).toEqual({ ok: false, refusal: 'lockdown' });
    const outOfService = { ...idle.locker, outOfServiceAt: new Date('2026-03-29T09:00:00Z') };
    expect(decideSportSession(start, { ...idle, locker: outOfService }, now)).toEqual({
      ok: false,
      refusal: 'out_of_service',
    });
  });
});

describe('opening again during the session', () => {
  it('sends a new pulse within the same session, as often as a Premium member likes', () => {
    const decision = { ok: true, effect: { kind: 'open', sessionId: 'S1', graceOpen: false } };
    expect(decideSportSession(open, active, now)).toEqual(decision);
    expect(decideSportSession(open, { ...active, session: { ...session, graceOpenUsed: true } }, now)).toEqual(
      decision,
    );
  });
  it('refuses without an active session', () => {
    expect(decideSportSession(open, idle, now)).toEqual({ ok: false, refusal: 'no_active_session' });
  });
  it('refuses an offline locker and a locker in lockdown', () => {
    expect(decideSportSession(open, { ...active, locker: { ...idle.locker, online: false } }, now)).toEqual({
      ok: false,
      refusal: 'locker_offline',
    });
    expect(decideSportSession(open, { ...active, locker: lockdown }, now)).toEqual({ ok: false, refusal: 'lockdown' });
  });
});

describe('Premium revoked during a session (issue 6)', () => {
  const revoked: SportSessionFacts = { ...active, userIsPremium: false };

  it('lets the member open once to take their things out, and says so', () => {
    expect(decideSportSession(open, revoked, now)).toEqual({
      ok: true,
      effect: { kind: 'open', sessionId: 'S1', graceOpen: true },
    });
  });
  it('refuses a second open once the grace open is used', () => {
    const used = { ...revoked, session: { ...session, graceOpenUsed: true } };
    expect(decideSportSession(open, used, now)).toEqual({ ok: false, refusal: 'grace_open_used' });
  });
  it('still lets the member end the session', () => {
    expect(decideSportSession(end, revoked, now)).toEqual({
      ok: true,
      effect: { kind: 'end', sessionId: 'S1', reason: 'user', objectLeftInside: false },
    });
  });
  it('does not let the member start a new one, with or without the old one running', () => {
    expect(decideSportSession(start, revoked, now)).toEqual({ ok: false, refusal: 'premium_required' });
    expect(decideSportSession(start, { ...revoked, session: null }, now)).toEqual({
      ok: false,
      refusal: 'premium_required',
    });
  });
});

describe('ending the session', () => {
  it('ends, locks and releases the pairing when the door is closed', () => {
    expect(decideSportSession(end, active, now)).toEqual({
      ok: true,
      effect: { kind: 'end', sessionId: 'S1', reason: 'user', objectLeftInside: false },
    });
  });
  it('refuses while the door is physically open (SPEC §6)', () => {
    expect(decideSportSession(end, { ...active, locker: { ...idle.locker, door: 'open' } }, now)).toEqual({
      ok: false,
      refusal: 'door_open',
    });
  });
  it('refuses while the door state is unknown, and when the locker is offline (its report is stale)', () => {
    expect(decideSportSession(end, { ...active, locker: { ...idle.locker, door: 'unknown' } }, now)).toEqual({
      ok: false,
      refusal: 'door_unknown',
    });
    expect(decideSportSession(end, { ...active, locker: { ...idle.locker, online: false } }, now)).toEqual({
      ok: false,
      refusal: 'door_unknown',
    });
  });
  it('puts the door rule before the object warning: close first, then confirm', () => {
    const facts = { ...active, objectPresent: true, locker: { ...idle.locker, door: 'open' as const } };
    expect(decideSportSession(end, facts, now)).toEqual({ ok: false, refusal: 'door_open' });
  });
  it('refuses without an active session', () => {
    expect(decideSportSession(end, idle, now)).toEqual({ ok: false, refusal: 'no_active_session' });
  });
  it('is not blocked by a lockdown: the locker stays locked either way', () => {
    expect(decideSportSession(end, { ...active, locker: lockdown }, now)).toMatchObject({ ok: true });
  });
  it('does not require the member to still be paired or Premium', () => {
    expect(decideSportSession(end, { ...active, pairedToUser: false, userIsPremium: false }, now)).toMatchObject({
      ok: true,
    });
  });
  it.each(SPORT_SESSION_END_REASONS)('records the reason %s', (reason) => {
    expect(decideEndSession(active, reason, false)).toEqual({
      ok: true,
      effect: { kind: 'end', sessionId: 'S1', reason, objectLeftInside: false },
    });
  });
});

describe('an object left inside at End', () => {
  const withObject: SportSessionFacts = { ...active, objectPresent: true };

  it('warns the member, who must confirm before the session ends', () => {
    expect(decideSportSession(end, withObject, now)).toEqual({ ok: false, warning: 'object_left_inside' });
    expect(decideSportSession({ ...end, objectLeftConfirmed: true }, withObject, now)).toEqual({
      ok: true,
      effect: { kind: 'end', sessionId: 'S1', reason: 'user', objectLeftInside: true },
    });
  });
  it('warns an administrator forcing the locker free the same way', () => {
    expect(decideEndSession(withObject, 'admin', false)).toEqual({ ok: false, warning: 'object_left_inside' });
    expect(decideEndSession(withObject, 'admin', true)).toMatchObject({ ok: true, effect: { objectLeftInside: true } });
  });
  it('does not wait for a confirmation nobody can give when a lockdown ends the session, but records it', () => {
    expect(decideEndSession(withObject, 'lockdown', false)).toEqual({
      ok: true,
      effect: { kind: 'end', sessionId: 'S1', reason: 'lockdown', objectLeftInside: true },
    });
  });
  it('does not warn when the sensor has not reported', () => {
    expect(decideSportSession(end, { ...active, objectPresent: null }, now)).toMatchObject({
      ok: true,
      effect: { objectLeftInside: false },
    });
  });
});

describe('a whole visit', () => {
  it('start → open again → end refused with the door open → close → end', () => {
    let facts: SportSessionFacts = idle;
    expect(decideSportSession(start, facts, now).ok).toBe(true);
    facts = { ...facts, session };
    expect(decideSportSession(open, facts, now)).toMatchObject({ ok: true, effect: { sessionId: 'S1' } });
    facts = { ...facts, locker: { ...facts.locker, door: 'open' } };
    expect(decideSportSession(end, facts, now)).toEqual({ ok: false, refusal: 'door_open' });
    facts = { ...facts, locker: { ...facts.locker, door: 'closed' } };
    expect(decideSportSession(end, facts, now)).toMatchObject({ ok: true, effect: { kind: 'end', reason: 'user' } });
  });
});
