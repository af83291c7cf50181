import { describe, expect, it } from 'vitest';
import { deriveLockerStatus, isInLockdown, type LockerFacts } from '../src/locker';
import { decideOpen, type OpenFacts } from '../src/openPolicy';

const now = new Date('2026-03-29T10:00:00Z');
const facts: LockerFacts = { online: true, door: 'closed', lock: 'locked', lockdownUntil: null, outOfServiceAt: null };

describe('deriveLockerStatus', () => {
  it('is secured when online, locked and closed', () => {
    expect(deriveLockerStatus(facts, now)).toBe('secured');
  });
  it('puts offline above everything', () => {
    expect(deriveLockerStatus({ ...facts, online: false, door: 'open', lock: 'unlocked' }, now)).toBe('offline');
  });
  it('puts a running lockdown above door and lock', () => {
    const until = new Date(now.getTime() + 60_000);
    expect(deriveLockerStatus({ ...facts, door: 'open', lockdownUntil: until }, now)).toBe('lockdown');
  });
  it('ignores a lockdown that has ended', () => {
    expect(deriveLockerStatus({ ...facts, lockdownUntil: new Date(now.getTime() - 1) }, now)).toBe('secured');
    expect(isInLockdown({ lockdownUntil: now }, now)).toBe(false);
  });
  it('reports unlocked, open and unknown', () => {
    expect(deriveLockerStatus({ ...facts, lock: 'unlocked', door: 'open' }, now)).toBe('unlocked');
    expect(deriveLockerStatus({ ...facts, door: 'open' }, now)).toBe('open');
    expect(deriveLockerStatus({ ...facts, door: 'unknown' }, now)).toBe('unknown');
  });
});

describe('decideOpen', () => {
  const sportOpen: OpenFacts = {
    lockerType: 'sport',
    pairedToUser: true,
    userIsPremium: true,
    hasActiveBooking: false,
    locker: { online: true, lockdownUntil: null, outOfServiceAt: null },
  };

  it('lets a paired Premium member open a sport locker', () => {
    expect(decideOpen(sportOpen, now)).toEqual({ ok: true });
  });
  it('refuses someone who has not paired the locker', () => {
    expect(decideOpen({ ...sportOpen, pairedToUser: false }, now)).toEqual({ ok: false, refusal: 'not_paired' });
  });
  it('refuses a sport locker to a member without Premium (SPEC §6)', () => {
    expect(decideOpen({ ...sportOpen, userIsPremium: false }, now)).toEqual({
      ok: false,
      refusal: 'premium_required',
    });
  });
  it('refuses a school locker without an active booking, Premium or not (SPEC §5)', () => {
    expect(decideOpen({ ...sportOpen, lockerType: 'school' }, now)).toEqual({
      ok: false,
      refusal: 'no_active_booking',
    });
    expect(decideOpen({ ...sportOpen, lockerType: 'school', hasActiveBooking: true }, now)).toEqual({ ok: true });
  });
  it('refuses a locker out of service before anything about the locker itself (issue 11)', () => {
    const out = { online: false, lockdownUntil: null, outOfServiceAt: new Date('2026-03-29T09:00:00Z') };
    expect(decideOpen({ ...sportOpen, locker: out }, now)).toEqual({ ok: false, refusal: 'out_of_service' });
    // Who may open is still checked first: a stranger learns nothing about the locker.
    expect(decideOpen({ ...sportOpen, pairedToUser: false, locker: out }, now)).toEqual({
      ok: false,
      refusal: 'not_paired',
    });
  });
  it('refuses an offline locker and a locker in lockdown (SPEC §8)', () => {
    expect(
      decideOpen({ ...sportOpen, locker: { online: false, lockdownUntil: null, outOfServiceAt: null } }, now),
    ).toEqual({
      ok: false,
      refusal: 'locker_offline',
    });
    const until = new Date(now.getTime() + 300_000);
    expect(
      decideOpen({ ...sportOpen, locker: { online: true, lockdownUntil: until, outOfServiceAt: null } }, now),
    ).toEqual({
      ok: false,
      refusal: 'lockdown',
    });
  });
});
