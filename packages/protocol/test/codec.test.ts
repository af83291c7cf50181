import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CHANNEL_DIRECTION,
  CHANNELS,
  type Channel,
  type ChannelPayload,
  decodeMessage,
  encodeMessage,
  MAX_PAYLOAD_BYTES,
  signCommand,
  signDeviceConfig,
} from '../src/index';
import { deviceMessages, everyEvent, LOCKER, NOW, unsignedCommand, unsignedDeviceConfig } from './validMessages';

const { privateKey } = generateKeyPairSync('ed25519');

function validMessages(): ChannelPayload {
  return {
    cmd: signCommand(unsignedCommand(), privateKey),
    config: signDeviceConfig(unsignedDeviceConfig(), privateKey),
    ...deviceMessages(),
  };
}

function expectRejected(channel: Channel, payload: string | Uint8Array, code: string): string {
  const result = decodeMessage(channel, payload);
  expect(result.ok).toBe(false);
  if (result.ok) throw new Error('unreachable');
  expect(result.code).toBe(code);
  expect(result.detail.length).toBeGreaterThan(0);
  return result.detail;
}

describe('encodeMessage / decodeMessage round trip', () => {
  it.each(CHANNELS)('gives back an equal %s message', (channel) => {
    const message = validMessages()[channel];
    const result = decodeMessage(channel, encodeMessage(channel, message));
    expect(result).toEqual({ ok: true, message });
  });

  it.each(Object.values(everyEvent()))('gives back an equal $type event', (event) => {
    const result = decodeMessage('event', encodeMessage('event', event));
    expect(result).toEqual({ ok: true, message: event });
  });

  it('decodes bytes as well as strings', () => {
    const state = deviceMessages().state;
    const bytes = new TextEncoder().encode(encodeMessage('state', state));
    expect(decodeMessage('state', bytes)).toEqual({ ok: true, message: state });
  });

  it('round-trips a command without the optional origin, and a status without firmware', () => {
    const { origin: _origin, ...bare } = unsignedCommand();
    const cmd = signCommand(bare, privateKey);
    expect(decodeMessage('cmd', encodeMessage('cmd', cmd))).toEqual({ ok: true, message: cmd });
    const { firmware: _firmware, ...status } = {
      ...deviceMessages().status,
      online: false,
      reason: 'shutdown' as const,
    };
    expect(decodeMessage('status', encodeMessage('status', status))).toEqual({ ok: true, message: status });
  });

  it('encodeMessage refuses to send an invalid message instead of putting it on the wire', () => {
    const state = { ...deviceMessages().state, door: 'ajar' } as unknown as ChannelPayload['state'];
    expect(() => encodeMessage('state', state)).toThrow();
  });

  it('drops fields unknown to v1 rather than refusing the message (additive changes)', () => {
    const raw = { ...deviceMessages().heartbeat, temperatureC: 41 };
    const result = decodeMessage('heartbeat', JSON.stringify(raw));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.message).not.toHaveProperty('temperatureC');
  });
});

describe('decodeMessage rejects bad input with a code and never throws', () => {
  it('invalid JSON → invalid_json', () => {
    expectRejected('state', '{"v":1,', 'invalid_json');
    expectRejected('event', new Uint8Array([0x7b, 0x7b]), 'invalid_json');
    expectRejected('cmd', '', 'invalid_json');
  });

  it('a payload larger than MAX_PAYLOAD_BYTES → payload_too_large, counted in bytes not characters', () => {
    const tooLong = JSON.stringify({ ...deviceMessages().heartbeat, firmware: 'x'.repeat(MAX_PAYLOAD_BYTES) });
    expectRejected('heartbeat', tooLong, 'payload_too_large');
    expectRejected('heartbeat', new Uint8Array(MAX_PAYLOAD_BYTES + 1), 'payload_too_large');
    // 4 100 two-byte characters: under the limit in characters, over it in bytes.
    const multiByte = `"${'é'.repeat(4_100)}"`;
    expect(multiByte.length).toBeLessThan(MAX_PAYLOAD_BYTES);
    expectRejected('status', multiByte, 'payload_too_large');
  });

  it('accepts a payload of exactly MAX_PAYLOAD_BYTES (the size check is not what refuses it)', () => {
    const padded = JSON.stringify(deviceMessages().status).padEnd(MAX_PAYLOAD_BYTES, ' ');
    expect(Buffer.byteLength(padded)).toBe(MAX_PAYLOAD_BYTES);
    expect(decodeMessage('status', padded).ok).toBe(true);
  });

  it.each(CHANNELS)('a %s message with a missing required field → invalid_message naming it', (channel) => {
    const { lockerId: _lockerId, ...withoutLocker } = validMessages()[channel];
    const detail = expectRejected(channel, JSON.stringify(withoutLocker), 'invalid_message');
    expect(detail).toContain('lockerId');
  });

  it('a missing nested field → invalid_message with its path', () => {
    const state = deviceMessages().state;
    const detail = expectRejected('state', JSON.stringify({ ...state, lockdown: { active: true } }), 'invalid_message');
    expect(detail).toContain('lockdown.until');
  });

  it.each(CHANNELS)('a %s message with v: 2 → invalid_message', (channel) => {
    const detail = expectRejected(channel, JSON.stringify({ ...validMessages()[channel], v: 2 }), 'invalid_message');
    expect(detail).toContain('v');
  });

  it.each(['ECOLE+01', 'ECOLE#01', 'ECOLE/01', '+', '#', 'ecole_01', '', `A${'B'.repeat(64)}`])(
    'locker id %j → invalid_message',
    (lockerId) => {
      expectRejected('state', JSON.stringify({ ...deviceMessages().state, lockerId }), 'invalid_message');
      expectRejected('cmd', JSON.stringify({ ...validMessages().cmd, lockerId }), 'invalid_message');
    },
  );

  it.each([-1, 0, 1.5])('seq %d → invalid_message (seq starts at 1 and is an integer)', (seq) => {
    // Only device→server messages carry a seq; the server's own (cmd, config) have none to check.
    for (const channel of CHANNELS.filter((c) => CHANNEL_DIRECTION[c] === 'device→server')) {
      const detail = expectRejected(channel, JSON.stringify({ ...validMessages()[channel], seq }), 'invalid_message');
      expect(detail).toContain('seq');
    }
  });

  it('an event of an unknown type → invalid_message', () => {
    expectRejected('event', JSON.stringify({ ...everyEvent().door_closed, type: 'door_exploded' }), 'invalid_message');
  });

  it('an event with the fields of another variant → invalid_message', () => {
    const { legitimate, ...closed } = { ...everyEvent().door_opened };
    expect(legitimate).toBe(true);
    expectRejected('event', JSON.stringify({ ...closed, type: 'door_opened' }), 'invalid_message');
  });

  it('a presence reading outside 1–200 cm → invalid_message (SPEC §2, seed bug §11.3)', () => {
    const presence = deviceMessages().presence;
    expectRejected('presence', JSON.stringify({ ...presence, distanceCm: 0.5 }), 'invalid_message');
    expectRejected('presence', JSON.stringify({ ...presence, distanceCm: 200.1 }), 'invalid_message');
    expect(decodeMessage('presence', JSON.stringify({ ...presence, distanceCm: null })).ok).toBe(true);
  });

  it('a command whose sig is not 86 base64url characters → invalid_message', () => {
    const cmd = validMessages().cmd;
    expectRejected('cmd', JSON.stringify({ ...cmd, sig: `${cmd.sig.slice(0, 85)}=` }), 'invalid_message');
    expectRejected('cmd', JSON.stringify({ ...cmd, sig: cmd.sig.slice(1) }), 'invalid_message');
  });

  it('a command whose TTL exceeds 10 s, or whose expiry is not after its issue → invalid_message', () => {
    const cmd = validMessages().cmd;
    const tooLong = { ...cmd, issuedAt: NOW, expiresAt: NOW + 10_001 };
    expect(expectRejected('cmd', JSON.stringify(tooLong), 'invalid_message')).toContain('expiresAt');
    expectRejected('cmd', JSON.stringify({ ...cmd, issuedAt: NOW, expiresAt: NOW }), 'invalid_message');
  });

  it.each([
    ['null', 'null'],
    ['an array', '[]'],
    ['a number', '42'],
    ['a string', '"open"'],
    ['the prototype trick', '{"__proto__":{"v":1}}'],
    ['a deeply nested value', `${'['.repeat(1000)}${']'.repeat(1000)}`],
  ])('%s → invalid_message without throwing', (_label, payload) => {
    for (const channel of CHANNELS) {
      expect(() => decodeMessage(channel, payload)).not.toThrow();
      expect(decodeMessage(channel, payload)).toMatchObject({ ok: false, code: 'invalid_message' });
    }
  });

  it('bytes that are not UTF-8 never throw', () => {
    const result = decodeMessage('status', new Uint8Array([0xff, 0xfe, 0xfd]));
    expect(result).toMatchObject({ ok: false, code: 'invalid_json' });
  });

  it('the locker in the payload is whatever the device wrote: checking it against the topic is the caller’s job', () => {
    const result = decodeMessage('status', JSON.stringify({ ...deviceMessages().status, lockerId: 'SPORT_01' }));
    expect(result.ok && result.message.lockerId).toBe('SPORT_01');
    expect(LOCKER).not.toBe('SPORT_01');
  });
});
