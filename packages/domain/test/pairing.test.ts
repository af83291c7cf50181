import { describe, expect, it } from 'vitest';
import { decidePairing, normalizePairingCode, type PairingFacts } from '../src/pairing';

const sport = { id: 'SPORT_01', type: 'sport' as const, online: true, outOfServiceAt: null, decommissionedAt: null };
const school = { id: 'ECOLE_01', type: 'school' as const, online: true, outOfServiceAt: null, decommissionedAt: null };
const base: PairingFacts = { code: 'SL-SPORT-01', locker: sport, userLockerId: null, otherActivePairings: 0 };

describe('normalizePairingCode', () => {
  it.each([
    ['SL-SPORT-01', 'SL-SPORT-01'],
    ['  sl-sport-01 ', 'SL-SPORT-01'],
    ['slsport-01', 'SL-SPORT-01'],
    ['SL ECOLE-01', 'SL-ECOLE-01'],
  ])('accepts %j as %j', (input, expected) => {
    expect(normalizePairingCode(input)).toBe(expected);
  });

  it.each(['', 'SPORT_01', 'SL-', 'SL-<script>', 'XX-SPORT-01', `SL-${'A'.repeat(40)}`])('rejects %j', (input) => {
    expect(normalizePairingCode(input)).toBeNull();
  });
});

describe('decidePairing (SPEC §4 order)', () => {
  it('pairs a free, online sport locker', () => {
    expect(decidePairing(base)).toEqual({ ok: true, lockerId: 'SPORT_01' });
  });

  it('refuses an invalid code before anything else', () => {
    expect(decidePairing({ ...base, code: null, locker: null, userLockerId: 'X' })).toEqual({
      ok: false,
      refusal: 'invalid_code',
    });
  });

  it('refuses an unknown code', () => {
    expect(decidePairing({ ...base, locker: null })).toEqual({ ok: false, refusal: 'unknown_code' });
  });

  it('refuses a second locker before checking whether this one is taken (one locker per user)', () => {
    expect(decidePairing({ ...base, userLockerId: 'ECOLE_01', otherActivePairings: 1 })).toEqual({
      ok: false,
      refusal: 'already_paired',
    });
  });

  it('refuses a sport locker paired to another member', () => {
    expect(decidePairing({ ...base, otherActivePairings: 1 })).toEqual({ ok: false, refusal: 'locker_taken' });
  });

  it('lets several users pair the same school locker', () => {
    expect(decidePairing({ ...base, code: 'SL-ECOLE-01', locker: school, otherActivePairings: 3 })).toEqual({
      ok: true,
      lockerId: 'ECOLE_01',
    });
  });

  it('refuses a locker out of service with its own reason, and a decommissioned one as unknown (issue 11)', () => {
    const since = new Date('2026-03-29T09:00:00Z');
    expect(decidePairing({ ...base, locker: { ...sport, outOfServiceAt: since } })).toEqual({
      ok: false,
      refusal: 'out_of_service',
    });
    expect(decidePairing({ ...base, locker: { ...sport, decommissionedAt: since } })).toEqual({
      ok: false,
      refusal: 'unknown_code',
    });
  });

  it('refuses an offline locker last', () => {
    expect(decidePairing({ ...base, locker: { ...sport, online: false } })).toEqual({
      ok: false,
      refusal: 'locker_offline',
    });
    expect(decidePairing({ ...base, locker: { ...sport, online: false }, otherActivePairings: 1 })).toEqual({
      ok: false,
      refusal: 'locker_taken',
    });
  });
});
