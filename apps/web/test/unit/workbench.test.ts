import { describe, expect, it } from 'vitest';
import { createWorkbenchApi, type WorkbenchLocker } from '../../src/api/workbench';
import { mergeCard, networkState, parseWorkbenchEvent } from '../../src/components/workbench/workbenchCards';

const hardware = {
  lockerId: 'SPORT_01',
  door: 'closed',
  relayEnergised: false,
  objectPresent: false,
  distanceCm: 45,
  network: 'up',
  connected: true,
  queued: 0,
  lockdown: false,
  lockdownUntil: null,
  outOfService: null,
  supports: { door: true, object: true, badge: true, network: true },
} as const;

const view = {
  id: 'SPORT_01',
  name: 'Casier sport 1',
  type: 'sport',
  siteName: 'Campus',
  online: true,
  door: 'closed',
  lock: 'locked',
  lockdown: false,
  lockdownUntil: null,
  outOfService: null,
  objectPresent: false,
  updatedAt: '2030-01-10T10:00:00.000Z',
} as const;

const card = (changes: Partial<WorkbenchLocker> = {}): WorkbenchLocker => ({
  id: 'SPORT_01',
  revision: 1_790_000_000_000_000,
  locker: { ...view },
  hardware: { ...hardware, supports: { ...hardware.supports } },
  ...changes,
});

describe('workbench cards', () => {
  it('parses a workbench event, with or without the server view', () => {
    expect(parseWorkbenchEvent(JSON.stringify(card()))).toEqual(card());
    expect(parseWorkbenchEvent(JSON.stringify(card({ locker: null })))?.locker).toBeNull();
  });

  it('ignores payloads that are not a card', () => {
    expect(parseWorkbenchEvent('not json')).toBeUndefined();
    expect(parseWorkbenchEvent(JSON.stringify({ id: 'X' }))).toBeUndefined();
    expect(parseWorkbenchEvent(JSON.stringify({ ...card(), hardware: { ...hardware, door: 'ajar' } }))).toBeUndefined();
    expect(parseWorkbenchEvent(JSON.stringify({ ...card(), locker: { id: 'SPORT_01' } }))).toBeUndefined();
    expect(parseWorkbenchEvent(JSON.stringify({ ...card(), revision: undefined }))).toBeUndefined();
    expect(parseWorkbenchEvent(JSON.stringify({ ...card(), revision: 1.5 }))).toBeUndefined();
  });

  it('replaces a card in place and appends a new one', () => {
    const school = card({ id: 'ECOLE_01', hardware: { ...hardware, lockerId: 'ECOLE_01' } });
    const cards = [card(), school];
    const opened = card({ hardware: { ...hardware, door: 'open' } });
    expect(mergeCard(cards, opened)).toEqual([opened, school]);
    const third = card({ id: 'SIM_001' });
    expect(mergeCard(cards, third).map((c) => c.id)).toEqual(['SPORT_01', 'ECOLE_01', 'SIM_001']);
  });

  it('keeps the newer card when an action’s answer arrives after a stream event', () => {
    const base = card().revision;
    // The answer to "open the door" was read before the locker's report reached the server.
    const answer = card({ revision: base + 1, hardware: { ...hardware, door: 'open' } });
    const streamed = card({
      revision: base + 2,
      locker: { ...view, door: 'open' },
      hardware: { ...hardware, door: 'open' },
    });
    const shown = mergeCard(mergeCard([card()], streamed), answer);
    expect(shown).toEqual([streamed]);
    expect(mergeCard(mergeCard([card()], answer), streamed)).toEqual([streamed]);
  });

  it('tells a cut network from one reconnecting', () => {
    expect(networkState({ ...hardware, network: 'cut', connected: false })).toBe('cut');
    expect(networkState({ ...hardware, network: 'up', connected: false })).toBe('connecting');
    expect(networkState({ ...hardware })).toBe('up');
  });
});

describe('workbench api', () => {
  it('posts each action to its route and returns the card', async () => {
    const calls: { url: string; body: unknown }[] = [];
    const api = createWorkbenchApi(async (url, init) => {
      calls.push({ url, body: JSON.parse(String(init.body)) });
      return new Response(JSON.stringify({ locker: card() }), { headers: { 'Content-Type': 'application/json' } });
    });
    expect(await api.setDoor('SPORT_01', 'open')).toEqual(card());
    await api.setObject('SPORT_01', true);
    await api.presentBadge('SPORT_01', '04A1B2C3D4');
    await api.setNetwork('SPORT_01', false);
    expect(calls).toEqual([
      { url: '/api/dev/workbench/lockers/SPORT_01/door', body: { state: 'open' } },
      { url: '/api/dev/workbench/lockers/SPORT_01/object', body: { present: true } },
      { url: '/api/dev/workbench/lockers/SPORT_01/badge', body: { uid: '04A1B2C3D4' } },
      { url: '/api/dev/workbench/lockers/SPORT_01/network', body: { connected: false } },
    ]);
  });

  it('reports a 501 with its code', async () => {
    const api = createWorkbenchApi(
      async () =>
        new Response(JSON.stringify({ error: { code: 'not_supported', message: 'no' } }), {
          status: 501,
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    await expect(api.setObject('SPORT_01', true)).rejects.toMatchObject({ code: 'not_supported', status: 501 });
  });
});
