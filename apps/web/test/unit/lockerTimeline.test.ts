import { describe, expect, it } from 'vitest';
import type { LockerView } from '../../src/api/types';
import {
  changesBetween,
  initialLockerLiveState,
  type LockerLiveState,
  lockerLiveReducer,
  TIMELINE_LIMIT,
} from '../../src/live/lockerTimeline';

const base: LockerView = {
  id: 'SPORT_01',
  name: 'Casier sport 1',
  type: 'sport',
  siteName: 'Gymnase',
  online: true,
  door: 'closed',
  lock: 'locked',
  lockdown: false,
  lockdownUntil: null,
  outOfService: null,
  objectPresent: false,
  updatedAt: '2025-01-10T12:03:00.000Z',
};

function at(seconds: number, patch: Partial<LockerView>): LockerView {
  return { ...base, ...patch, updatedAt: new Date(Date.parse(base.updatedAt) + seconds * 1000).toISOString() };
}

function feed(state: LockerLiveState, ...views: LockerView[]): LockerLiveState {
  return views.reduce((s, view) => lockerLiveReducer(s, { type: 'view', view, receivedAt: new Date() }), state);
}

describe('locker timeline', () => {
  it('records an open cycle newest first: unlock, door opens, door closes, relock', () => {
    const state = feed(
      initialLockerLiveState(base),
      at(4, { lock: 'unlocked' }),
      at(5, { lock: 'unlocked', door: 'open' }),
      at(12, { lock: 'unlocked', door: 'closed' }),
      at(13, { lock: 'locked', door: 'closed' }),
    );
    expect(state.timeline.map((e) => e.label)).toEqual(['Verrouillé', 'Porte fermée', 'Porte ouverte', 'Déverrouillé']);
    expect(state.locker?.lock).toBe('locked');
  });

  it('orders changes carried by one view the way they happen physically', () => {
    expect(changesBetween(base, { ...base, lock: 'unlocked', door: 'open' }).map((c) => c.kind)).toEqual([
      'lock',
      'door',
    ]);
    expect(changesBetween({ ...base, lock: 'unlocked', door: 'open' }, base).map((c) => c.kind)).toEqual([
      'door',
      'lock',
    ]);
  });

  it('ignores a view older than the one shown (an API answer overtaken by an SSE event)', () => {
    const state = feed(initialLockerLiveState(base), at(5, { door: 'open' }), at(2, { door: 'closed' }));
    expect(state.locker?.door).toBe('open');
    expect(state.timeline).toHaveLength(1);
  });

  it('starts a new history for another locker and clears it on unpair', () => {
    const withChange = feed(initialLockerLiveState(base), at(1, { online: false }));
    expect(withChange.timeline[0]?.label).toBe('Hors ligne');
    const other = feed(withChange, { ...base, id: 'ECOLE_01', type: 'school' });
    expect(other.timeline).toEqual([]);
    expect(lockerLiveReducer(other, { type: 'unpaired' })).toMatchObject({ locker: null, timeline: [] });
  });

  it('keeps at most TIMELINE_LIMIT entries', () => {
    let state = initialLockerLiveState(base);
    for (let i = 1; i <= TIMELINE_LIMIT + 5; i++) state = feed(state, at(i, { door: i % 2 ? 'open' : 'closed' }));
    expect(state.timeline).toHaveLength(TIMELINE_LIMIT);
    expect(new Set(state.timeline.map((e) => e.seq)).size).toBe(TIMELINE_LIMIT);
  });
});
