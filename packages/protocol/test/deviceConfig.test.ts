import { describe, expect, it } from 'vitest';
import {
  DeviceConfig,
  decodeMessage,
  encodeMessage,
  generateCommandKeyPair,
  hashBadge,
  loadPrivateKey,
  loadPublicKey,
  signDeviceConfig,
  verifyDeviceConfig,
} from '../src/index';
import { ADMIN_BADGE_UIDS, LOCKER, unsignedDeviceConfig } from './validMessages';

const serverKeys = generateCommandKeyPair();
const privateKey = loadPrivateKey(serverKeys.privateKeyPem);
const publicKey = loadPublicKey(serverKeys.publicKeyPem);

describe('hashBadge (SPEC §2 admin badges, stored hashed on the device)', () => {
  it('is 64 lower-case hex digits, the form the config schema accepts', () => {
    const hash = hashBadge(LOCKER, '04A1B2C3D4');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(DeviceConfig.shape.adminBadges.element.safeParse(hash).success).toBe(true);
  });

  it('ignores case and separators, as readers print UIDs differently', () => {
    expect(hashBadge(LOCKER, '04:5e:6f:70')).toBe(hashBadge(LOCKER, '045E6F70'));
    expect(hashBadge(LOCKER, '04 5E 6F 70')).toBe(hashBadge(LOCKER, '045e6f70'));
  });

  it('differs per locker, so a hash copied from one locker opens no other', () => {
    expect(hashBadge('ECOLE_01', '04A1B2C3D4')).not.toBe(hashBadge('SPORT_01', '04A1B2C3D4'));
  });
});

describe('signDeviceConfig / verifyDeviceConfig', () => {
  it('accepts a config signed by the server for this locker, after the wire round trip', () => {
    const config = signDeviceConfig(unsignedDeviceConfig(), privateKey);
    const decoded = decodeMessage('config', encodeMessage('config', config));
    if (!decoded.ok) throw new Error(decoded.detail);
    expect(verifyDeviceConfig(decoded.message, { publicKey, lockerId: LOCKER })).toEqual({ ok: true });
  });

  it('refuses a badge list altered after signing: bad_signature', () => {
    const config = signDeviceConfig(unsignedDeviceConfig(), privateKey);
    const stolen = { ...config, adminBadges: [...config.adminBadges, hashBadge(LOCKER, 'DEADBEEF')] };
    expect(verifyDeviceConfig(stolen, { publicKey, lockerId: LOCKER })).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('refuses a config signed with another key: bad_signature', () => {
    const other = loadPrivateKey(generateCommandKeyPair().privateKeyPem);
    const config = signDeviceConfig(unsignedDeviceConfig(), other);
    expect(verifyDeviceConfig(config, { publicKey, lockerId: LOCKER })).toMatchObject({ reason: 'bad_signature' });
  });

  it('refuses a genuine config addressed to another locker: wrong_locker', () => {
    const config = signDeviceConfig(unsignedDeviceConfig({ lockerId: 'SPORT_01' }), privateKey);
    expect(verifyDeviceConfig(config, { publicKey, lockerId: LOCKER })).toEqual({ ok: false, reason: 'wrong_locker' });
  });

  it('accepts an empty badge list (the server revokes every badge)', () => {
    const config = signDeviceConfig(unsignedDeviceConfig({ adminBadges: [] }), privateKey);
    expect(verifyDeviceConfig(config, { publicKey, lockerId: LOCKER })).toEqual({ ok: true });
  });
});

describe('the config schema', () => {
  it('refuses a raw UID or an upper-case hash in adminBadges', () => {
    const config = signDeviceConfig(unsignedDeviceConfig(), privateKey);
    for (const badge of [ADMIN_BADGE_UIDS[0], hashBadge(LOCKER, ADMIN_BADGE_UIDS[0]).toUpperCase()]) {
      const result = decodeMessage('config', JSON.stringify({ ...config, adminBadges: [badge] }));
      expect(result).toMatchObject({ ok: false, code: 'invalid_message' });
    }
  });

  it('caps the list at 500 badges', () => {
    const many = Array.from({ length: 501 }, (_, i) => hashBadge(LOCKER, i.toString(16).padStart(8, '0')));
    const config = signDeviceConfig(unsignedDeviceConfig({ adminBadges: many.slice(0, 500) }), privateKey);
    expect(DeviceConfig.safeParse(config).success).toBe(true);
    expect(DeviceConfig.safeParse({ ...config, adminBadges: many }).success).toBe(false);
  });
});
