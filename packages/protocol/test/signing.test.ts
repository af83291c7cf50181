import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type Command,
  canonicalJson,
  decodeMessage,
  encodeMessage,
  generateCommandKeyPair,
  loadPrivateKey,
  loadPublicKey,
  MAX_COMMAND_TTL_MS,
  ReplayCache,
  signCommand,
  UnsignedCommand,
  type VerifyOptions,
  verifyCommand,
} from '../src/index';
import {
  LOCKER,
  NOW,
  nextId,
  RFC8032_TEST1,
  rfc8032PrivateKey,
  rfc8032PublicKey,
  unsignedCommand,
} from './validMessages';

const serverKeys = generateCommandKeyPair();
const privateKey = loadPrivateKey(serverKeys.privateKeyPem);
const publicKey = loadPublicKey(serverKeys.publicKeyPem);

function options(overrides: Partial<VerifyOptions> = {}): VerifyOptions {
  return { publicKey, lockerId: LOCKER, now: NOW + 500, replayCache: new ReplayCache(), ...overrides };
}

function signed(overrides: Parameters<typeof unsignedCommand>[0] = {}): Command {
  return signCommand(unsignedCommand(overrides), privateKey);
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: true, y: null }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":null,"z":true}]},"b":1}',
    );
  });

  it('does not depend on the order keys were inserted in', () => {
    const forward = { v: 1, id: 'abcdefgh', lockerId: LOCKER, type: 'open', origin: { kind: 'user', ref: 'r' } };
    const backward = { origin: { ref: 'r', kind: 'user' }, type: 'open', lockerId: LOCKER, id: 'abcdefgh', v: 1 };
    expect(canonicalJson(backward)).toBe(canonicalJson(forward));
    expect(canonicalJson(forward)).not.toBe(JSON.stringify(backward));
  });

  it('leaves out undefined members, as JSON does', () => {
    expect(canonicalJson({ a: 1, origin: undefined })).toBe('{"a":1}');
  });

  it('orders keys by UTF-16 code units (upper case before lower case), like RFC 8785', () => {
    expect(canonicalJson({ b: 0, a: 0, B: 0, _: 0 })).toBe('{"B":0,"_":0,"a":0,"b":0}');
  });

  it('escapes strings exactly as JSON.stringify does', () => {
    expect(canonicalJson({ ref: 'é"\\\n' })).toBe('{"ref":"é\\"\\\\\\n"}');
  });
});

describe('Ed25519 keys', () => {
  it('signs as RFC 8032 §7.1 TEST 1 says (the primitive is plain Ed25519, no pre-hash, no context)', () => {
    const sig = sign(null, Buffer.alloc(0), rfc8032PrivateKey()).toString('hex');
    expect(sig).toBe(RFC8032_TEST1.emptyMessageSignatureHex);
  });

  it('generates PEM keys that load back, and refuses a key of another type', () => {
    expect(serverKeys.privateKeyPem).toContain('BEGIN PRIVATE KEY');
    expect(serverKeys.publicKeyPem).toContain('BEGIN PUBLIC KEY');
    const p256 = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const p256Public = p256.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const p256Private = p256.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => loadPublicKey(p256Public)).toThrow(/must be Ed25519/);
    expect(() => loadPrivateKey(p256Private)).toThrow(/must be Ed25519/);
  });
});

describe('signCommand / verifyCommand', () => {
  it('accepts a fresh command, signed with a base64url signature of 64 bytes', () => {
    const cmd = signed();
    expect(cmd.sig).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(Buffer.from(cmd.sig, 'base64url')).toHaveLength(64);
    expect(verifyCommand(cmd, options())).toEqual({ ok: true });
  });

  it('accepts the command after the wire round trip (the device verifies what it decoded)', () => {
    const cmd = signed({ type: 'reset_lockdown', origin: { kind: 'admin', ref: 'admin-7' } });
    const decoded = decodeMessage('cmd', encodeMessage('cmd', cmd));
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(verifyCommand(decoded.message, options())).toEqual({ ok: true });
  });

  it('signs over the canonical form, so key order on the wire does not matter', () => {
    const cmd = signed();
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(cmd).reverse()))) as Command;
    expect(Object.keys(reordered)[0]).toBe('sig');
    expect(verifyCommand(reordered, options())).toEqual({ ok: true });
  });

  it.each([
    ['type', { type: 'reset_lockdown' }],
    ['lockerId', { lockerId: 'SPORT_01' }],
    ['expiresAt', { expiresAt: NOW + 9_000 }],
    ['issuedAt', { issuedAt: NOW + 1 }],
    ['id', { id: 'cmd-forged-0001' }],
    ['origin', { origin: { kind: 'admin' } }],
    ['origin removed', { origin: undefined }],
  ] as const)('refuses a command whose %s was changed after signing: bad_signature', (_field, change) => {
    const cmd = signed();
    const tampered = { ...cmd, ...change } as Command;
    expect(tampered).not.toEqual(cmd);
    // Tampering the locker id must not be reported as wrong_locker: the signature is checked first.
    expect(verifyCommand(tampered, options())).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a signature made with another key: bad_signature', () => {
    const other = loadPrivateKey(generateCommandKeyPair().privateKeyPem);
    const cmd = signCommand(unsignedCommand(), other);
    expect(verifyCommand(cmd, options())).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a signature that is not 64 bytes without throwing: bad_signature', () => {
    const cmd = { ...signed(), sig: 'AAAA' };
    expect(verifyCommand(cmd, options())).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('a bad signature is not remembered, so it cannot burn the id of the genuine command', () => {
    const cmd = signed();
    const cache = new ReplayCache();
    expect(verifyCommand({ ...cmd, type: 'reset_lockdown' }, options({ replayCache: cache })).ok).toBe(false);
    expect(cache.size).toBe(0);
    expect(verifyCommand(cmd, options({ replayCache: cache }))).toEqual({ ok: true });
  });

  it('refuses a command for another locker: wrong_locker', () => {
    const cmd = signed({ lockerId: 'SPORT_01' });
    expect(verifyCommand(cmd, options())).toEqual({ ok: false, reason: 'wrong_locker' });
  });

  describe('freshness (SPEC §2: a command older than 10 s is ignored)', () => {
    const skew = 2_000;

    it('accepts up to expiresAt + skew and refuses one millisecond later: expired', () => {
      const cmd = signed();
      expect(verifyCommand(cmd, options({ now: cmd.expiresAt + skew }))).toEqual({ ok: true });
      expect(verifyCommand(signed(), options({ now: cmd.expiresAt + skew + 1 }))).toEqual({
        ok: false,
        reason: 'expired',
      });
    });

    it('uses the clockSkewMs it is given', () => {
      const cmd = signed();
      expect(verifyCommand(cmd, options({ now: cmd.expiresAt + 1, clockSkewMs: 0 }))).toEqual({
        ok: false,
        reason: 'expired',
      });
    });

    it('refuses a command issued beyond the skew in the future: not_yet_valid', () => {
      const cmd = signed({ issuedAt: NOW + 5_000, expiresAt: NOW + 15_000 });
      expect(verifyCommand(cmd, options({ now: NOW }))).toEqual({ ok: false, reason: 'not_yet_valid' });
      expect(verifyCommand(cmd, options({ now: NOW + 5_000 - skew }))).toEqual({ ok: true });
    });

    it('a command refused as not yet valid is not remembered and is accepted once valid', () => {
      const cmd = signed({ issuedAt: NOW + 5_000, expiresAt: NOW + 15_000 });
      const cache = new ReplayCache();
      expect(verifyCommand(cmd, options({ now: NOW, replayCache: cache })).ok).toBe(false);
      expect(verifyCommand(cmd, options({ now: NOW + 5_000, replayCache: cache }))).toEqual({ ok: true });
    });

    it('refuses a signed command that claims a validity window over 10 s: expired', () => {
      // The schema refuses it on decode; verifyCommand holds the line too, for a caller that skipped decoding.
      const cmd = signCommand({ ...unsignedCommand(), expiresAt: NOW + MAX_COMMAND_TTL_MS + 1 }, privateKey);
      expect(verifyCommand(cmd, options({ now: NOW }))).toEqual({ ok: false, reason: 'expired' });
    });
  });

  it('TTL over 10 s, or an expiry not after the issue, is refused by the schema', () => {
    const base = unsignedCommand();
    expect(MAX_COMMAND_TTL_MS).toBe(10_000);
    expect(UnsignedCommand.safeParse({ ...base, expiresAt: base.issuedAt + 10_000 }).success).toBe(true);
    expect(UnsignedCommand.safeParse({ ...base, expiresAt: base.issuedAt + 10_001 }).success).toBe(false);
    expect(UnsignedCommand.safeParse({ ...base, expiresAt: base.issuedAt }).success).toBe(false);
    expect(UnsignedCommand.safeParse({ ...base, expiresAt: base.issuedAt - 1 }).success).toBe(false);
    const cmd = signCommand({ ...base, expiresAt: base.issuedAt + 10_001 }, privateKey);
    expect(() => encodeMessage('cmd', cmd)).toThrow(/expiresAt/);
  });

  describe('replay (SPEC §2: a command is applied at most once)', () => {
    it('answers replayed to the second delivery of the same id', () => {
      const cmd = signed();
      const cache = new ReplayCache();
      expect(verifyCommand(cmd, options({ replayCache: cache }))).toEqual({ ok: true });
      expect(verifyCommand(cmd, options({ replayCache: cache, now: NOW + 900 }))).toEqual({
        ok: false,
        reason: 'replayed',
      });
    });

    it('a replay after expiry is refused as expired, and by then the id may be forgotten', () => {
      const cmd = signed();
      const cache = new ReplayCache();
      expect(verifyCommand(cmd, options({ replayCache: cache })).ok).toBe(true);
      const later = cmd.expiresAt + 2_001;
      cache.prune(later);
      expect(cache.has(cmd.id)).toBe(false);
      expect(verifyCommand(cmd, options({ replayCache: cache, now: later }))).toEqual({
        ok: false,
        reason: 'expired',
      });
    });

    it('refuses a command issued before boot: issued_before_boot', () => {
      const boot = NOW + 60_000;
      const cmd = signed({ issuedAt: boot - 5_000, expiresAt: boot + 5_000 });
      expect(verifyCommand(cmd, options({ now: boot + 100, notIssuedBefore: boot }))).toEqual({
        ok: false,
        reason: 'issued_before_boot',
      });
      const fresh = signed({ issuedAt: boot + 50, expiresAt: boot + 10_050 });
      expect(verifyCommand(fresh, options({ now: boot + 100, notIssuedBefore: boot }))).toEqual({ ok: true });
    });

    it('without notIssuedBefore the boot rule is off', () => {
      const cmd = signed();
      expect(verifyCommand(cmd, options({ notIssuedBefore: undefined }))).toEqual({ ok: true });
    });
  });

  describe('verification order', () => {
    it('signature before addressee, addressee before freshness', () => {
      const other = loadPrivateKey(generateCommandKeyPair().privateKeyPem);
      const forgedStaleForeign = signCommand(unsignedCommand({ lockerId: 'SPORT_01' }), other);
      expect(verifyCommand(forgedStaleForeign, options({ now: NOW + 60_000 }))).toEqual({
        ok: false,
        reason: 'bad_signature',
      });
      expect(verifyCommand(signed({ lockerId: 'SPORT_01' }), options({ now: NOW + 60_000 }))).toEqual({
        ok: false,
        reason: 'wrong_locker',
      });
    });

    it('freshness before replay: a stale duplicate is expired, not replayed', () => {
      const cmd = signed();
      const cache = new ReplayCache();
      expect(verifyCommand(cmd, options({ replayCache: cache })).ok).toBe(true);
      expect(verifyCommand(cmd, options({ replayCache: cache, now: NOW + 30_000 }))).toEqual({
        ok: false,
        reason: 'expired',
      });
    });
  });
});

describe('ReplayCache', () => {
  it('prune drops only the ids whose expiry has passed', () => {
    const cache = new ReplayCache();
    cache.remember('old-00001', NOW - 1);
    cache.remember('edge-0001', NOW);
    cache.remember('new-00001', NOW + 1);
    cache.prune(NOW);
    expect(cache.has('old-00001')).toBe(false);
    expect(cache.has('edge-0001')).toBe(true);
    expect(cache.has('new-00001')).toBe(true);
    expect(cache.size).toBe(2);
  });

  it('stays bounded by the command rate over many commands', () => {
    const cache = new ReplayCache();
    const opts = options({ replayCache: cache });
    // One command per second for ten minutes (60 TTLs): only those still inside TTL + skew may be
    // remembered. Each one is really signed and verified, so the count stays modest for slow CI.
    for (let i = 0; i < 600; i += 1) {
      const t = NOW + i * 1_000;
      const cmd = signCommand(unsignedCommand({ id: nextId('bulk'), issuedAt: t, expiresAt: t + 10_000 }), privateKey);
      expect(verifyCommand(cmd, { ...opts, now: t })).toEqual({ ok: true });
    }
    expect(cache.size).toBeLessThanOrEqual(13);
    expect(cache.size).toBeGreaterThanOrEqual(10);
  });

  it('remembers an accepted id until expiresAt + skew, the last instant freshness would let it through', () => {
    const cache = new ReplayCache();
    const cmd = signed();
    expect(verifyCommand(cmd, options({ replayCache: cache, clockSkewMs: 2_000 })).ok).toBe(true);
    cache.prune(cmd.expiresAt + 2_000);
    expect(cache.has(cmd.id)).toBe(true);
    cache.prune(cmd.expiresAt + 2_001);
    expect(cache.has(cmd.id)).toBe(false);
  });
});

describe('a published test vector (docs/protocol.md, "Test vector")', () => {
  it('signs a fixed command to a fixed signature with the RFC 8032 TEST 1 key', () => {
    const cmd = signCommand(
      {
        v: 1,
        id: 'cmd-7f3a9c2e',
        lockerId: 'ECOLE_01',
        ts: 1736935200000,
        type: 'open',
        issuedAt: 1736935200000,
        expiresAt: 1736935210000,
        origin: { kind: 'user', ref: 'booking-42' },
      },
      rfc8032PrivateKey(),
    );
    const { sig, ...unsigned } = cmd;
    expect(canonicalJson(unsigned)).toBe(
      '{"expiresAt":1736935210000,"id":"cmd-7f3a9c2e","issuedAt":1736935200000,"lockerId":"ECOLE_01",' +
        '"origin":{"kind":"user","ref":"booking-42"},"ts":1736935200000,"type":"open","v":1}',
    );
    expect(sig).toBe('oEwkXIl8QBF2S_bu8JZjxrakBohKB4L_mTZQeR6KKx4JhIs2lrSu65OrxzO9Ea9wzyzK0jGPvZzWI0jf8ZnPAw');
    const verified = verifyCommand(cmd, {
      publicKey: rfc8032PublicKey(),
      lockerId: 'ECOLE_01',
      now: 1736935201000,
      replayCache: new ReplayCache(),
    });
    expect(verified).toEqual({ ok: true });
  });
});
