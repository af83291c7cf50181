import { describe, expect, it } from 'vitest';
import {
  CHANNEL_DIRECTION,
  CHANNELS,
  isLockerId,
  PROTOCOL_VERSION,
  parseTopic,
  RETAINED_CHANNELS,
  SERVER_SUBSCRIPTIONS,
  TOPIC_ROOT,
  topicFor,
} from '../src/index';

describe('topic tree', () => {
  it('puts the protocol version in the root', () => {
    expect(PROTOCOL_VERSION).toBe(1);
    expect(TOPIC_ROOT).toBe('smartlocker/v1/lockers');
  });

  it.each(CHANNELS)('topicFor/parseTopic round-trips the %s channel', (channel) => {
    for (const lockerId of ['ECOLE_01', 'SPORT-01', '7', `A${'9'.repeat(63)}`]) {
      const topic = topicFor(lockerId, channel);
      expect(topic).toBe(`smartlocker/v1/lockers/${lockerId}/${channel}`);
      expect(parseTopic(topic)).toEqual({ lockerId, channel });
    }
  });

  it('topicFor refuses a locker id that would change the topic structure', () => {
    for (const bad of ['ECOLE/01', 'ECOLE+01', 'ECOLE#01', '+', '#', '', 'ecole_01', '_ECOLE', `A${'B'.repeat(64)}`]) {
      expect(isLockerId(bad)).toBe(false);
      expect(() => topicFor(bad, 'cmd')).toThrow(/invalid locker id/);
    }
  });

  it.each([
    ['another protocol version', 'smartlocker/v2/lockers/ECOLE_01/state'],
    ['the seed topic tree', 'locker/ECOLE_01/etat'],
    ['a foreign application', 'zigbee2mqtt/lockers/ECOLE_01/state'],
    ['a leading slash', '/smartlocker/v1/lockers/ECOLE_01/state'],
    ['a prefix without the separator', 'smartlocker/v1/lockersECOLE_01/state'],
    ['the root alone', 'smartlocker/v1/lockers'],
    ['an extra level', 'smartlocker/v1/lockers/ECOLE_01/state/extra'],
    ['a trailing slash', 'smartlocker/v1/lockers/ECOLE_01/state/'],
    ['a missing channel', 'smartlocker/v1/lockers/ECOLE_01'],
    ['an empty locker level', 'smartlocker/v1/lockers//state'],
    ['an unknown channel', 'smartlocker/v1/lockers/ECOLE_01/commande'],
    ['a channel in the wrong case', 'smartlocker/v1/lockers/ECOLE_01/State'],
    ['a single-level wildcard as locker', 'smartlocker/v1/lockers/+/state'],
    ['a multi-level wildcard as locker', 'smartlocker/v1/lockers/#'],
    ['a wildcard as channel', 'smartlocker/v1/lockers/ECOLE_01/+'],
    ['a wildcard inside the locker id', 'smartlocker/v1/lockers/ECOLE+01/state'],
    ['a lower-case locker id', 'smartlocker/v1/lockers/ecole_01/state'],
  ])('parseTopic rejects %s', (_label, topic) => {
    expect(parseTopic(topic)).toBeNull();
  });

  it('SERVER_SUBSCRIPTIONS covers exactly the device→server channels, one wildcard filter each', () => {
    const deviceToServer = CHANNELS.filter((c) => CHANNEL_DIRECTION[c] === 'device→server');
    expect(deviceToServer).toEqual(['ack', 'state', 'event', 'heartbeat', 'presence', 'status']);
    expect([...SERVER_SUBSCRIPTIONS].sort()).toEqual(deviceToServer.map((c) => `${TOPIC_ROOT}/+/${c}`).sort());
    expect(SERVER_SUBSCRIPTIONS).not.toContain(`${TOPIC_ROOT}/+/cmd`);
    for (const filter of SERVER_SUBSCRIPTIONS) {
      // A filter must match the topic a device publishes to: replace `+` by a real locker id.
      const parsed = parseTopic(filter.replace('/+/', '/ECOLE_01/'));
      expect(parsed).not.toBeNull();
      expect(parsed && CHANNEL_DIRECTION[parsed.channel]).toBe('device→server');
    }
  });

  it('only commands and the device config flow server→device', () => {
    expect(CHANNELS.filter((c) => CHANNEL_DIRECTION[c] === 'server→device')).toEqual(['cmd', 'config']);
  });

  it('retains the latest config, state and status, and never a command', () => {
    // A locker that connects gets its admin badges at once; a server that subscribes, every state.
    expect([...RETAINED_CHANNELS].sort()).toEqual(['config', 'state', 'status']);
    // A retained command would be delivered again to every locker that (re)subscribes.
    expect(RETAINED_CHANNELS.has('cmd')).toBe(false);
  });
});
