import { describe, expect, it } from 'vitest';
import { parseCommandEvent, parseLockerEvent } from '../../src/live/eventParsing';

const view = {
  id: 'SPORT_01',
  name: 'Casier sport 1',
  type: 'sport',
  siteName: 'Gymnase',
  online: true,
  door: 'unknown',
  lock: 'locked',
  lockdown: false,
  lockdownUntil: null,
  objectPresent: null,
  outOfService: null,
  updatedAt: '2025-01-10T12:03:00.000Z',
};

describe('SSE payloads', () => {
  it('reads a locker view, and null as "no locker"', () => {
    expect(parseLockerEvent(JSON.stringify(view))).toEqual(view);
    expect(parseLockerEvent('null')).toBeNull();
  });

  it('reads an out-of-service locker with its reason', () => {
    const outOfService = { since: '2025-01-10T12:00:00.000Z', reason: 'serrure changée' };
    expect(parseLockerEvent(JSON.stringify({ ...view, outOfService }))?.outOfService).toEqual(outOfService);
  });

  it('rejects malformed locker payloads instead of throwing', () => {
    expect(parseLockerEvent('{')).toBeUndefined();
    expect(parseLockerEvent(JSON.stringify({ ...view, door: 'ajar' }))).toBeUndefined();
  });

  it('reads command acknowledgements', () => {
    expect(parseCommandEvent('{"commandId":"c1","outcome":"accepted"}')).toEqual({
      commandId: 'c1',
      outcome: 'accepted',
    });
    expect(parseCommandEvent('{"commandId":"c1","outcome":"refused","reason":"lockdown"}')?.reason).toBe('lockdown');
    expect(parseCommandEvent('{"commandId":"c1","outcome":"maybe"}')).toBeUndefined();
  });
});
