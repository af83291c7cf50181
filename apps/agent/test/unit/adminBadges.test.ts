import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DeviceConfig,
  generateCommandKeyPair,
  hashBadge,
  loadPrivateKey,
  signDeviceConfig,
} from '@smartlocker/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdminBadges } from '../../src/AdminBadges';
import { ADMIN_UID, controllerScenario, LOCKER_ID, serverPrivateKey, serverPublicKey } from './controllerHarness';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-badges-'));
  dirs.push(dir);
  return dir;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2025-03-01T08:00:00Z') });
});
afterEach(() => {
  vi.useRealTimers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function config(issuedAt: number, uids: string[], overrides: Partial<DeviceConfig> = {}): DeviceConfig {
  return signDeviceConfig(
    {
      v: 1,
      id: `cfg-${issuedAt}-${uids.length}`,
      lockerId: LOCKER_ID,
      ts: issuedAt,
      issuedAt,
      adminBadges: uids.map((uid) => hashBadge(LOCKER_ID, uid)),
      ...overrides,
    },
    serverPrivateKey,
  );
}

describe('applying the server config (signed, for this locker, newer only)', () => {
  it('applies a signed config and recognises its badges by hash, any UID spelling', () => {
    const badges = AdminBadges.open(stateDir(), { lockerId: LOCKER_ID, publicKey: serverPublicKey, logger });
    expect(badges.apply(config(100, ['04A1B2C3D4', '0411223344']))).toEqual({ applied: true, badges: 2 });
    expect(badges.check('04:a1:b2:c3:d4')).toEqual({ known: true, badgeHash: hashBadge(LOCKER_ID, '04A1B2C3D4') });
    expect(badges.check('04FFFFFFFF').known).toBe(false);
  });

  it('refuses a config signed by another key, or addressed to another locker', () => {
    const badges = AdminBadges.inMemory(LOCKER_ID, serverPublicKey);
    const forged = signDeviceConfig(
      { v: 1, id: 'cfg-forged-1', lockerId: LOCKER_ID, ts: 1, issuedAt: 1, adminBadges: [] },
      loadPrivateKey(generateCommandKeyPair().privateKeyPem),
    );
    expect(badges.apply(forged)).toEqual({ applied: false, reason: 'bad_signature' });
    expect(badges.apply(config(1, [ADMIN_UID], { lockerId: 'SPORT_01' }))).toEqual({
      applied: false,
      reason: 'wrong_locker',
    });
    expect(badges.count).toBe(0);
  });

  it('applies a config only if its issuedAt is newer than the one in force (retained redeliveries change nothing)', () => {
    const badges = AdminBadges.inMemory(LOCKER_ID, serverPublicKey);
    expect(badges.apply(config(200, [ADMIN_UID])).applied).toBe(true);
    expect(badges.apply(config(200, [ADMIN_UID]))).toEqual({ applied: false, reason: 'not_newer' });
    expect(badges.apply(config(150, []))).toEqual({ applied: false, reason: 'not_newer' });
    expect(badges.check(ADMIN_UID).known).toBe(true);
    expect(badges.apply(config(300, [])).applied).toBe(true);
    expect(badges.check(ADMIN_UID).known).toBe(false);
  });

  it('keeps the badges on disk, hashed only, and finds them again after a restart', () => {
    const dir = stateDir();
    AdminBadges.open(dir, { lockerId: LOCKER_ID, publicKey: serverPublicKey, logger }).apply(config(100, [ADMIN_UID]));
    const stored = readFileSync(join(dir, 'device-config.json'), 'utf8');
    expect(stored).not.toContain(ADMIN_UID);
    expect(stored).toContain(hashBadge(LOCKER_ID, ADMIN_UID));

    const reopened = AdminBadges.open(dir, { lockerId: LOCKER_ID, publicKey: serverPublicKey, logger });
    expect(reopened.check(ADMIN_UID).known).toBe(true);
    expect(reopened.issuedAt).toBe(100);
  });

  it('ignores a stored file edited by hand: the signature no longer matches', () => {
    const dir = stateDir();
    AdminBadges.open(dir, { lockerId: LOCKER_ID, publicKey: serverPublicKey, logger }).apply(config(100, [ADMIN_UID]));
    const path = join(dir, 'device-config.json');
    const stored = JSON.parse(readFileSync(path, 'utf8')) as DeviceConfig;
    writeFileSync(path, JSON.stringify({ ...stored, adminBadges: [hashBadge(LOCKER_ID, 'CAFEBABE')] }));

    const reopened = AdminBadges.open(dir, { lockerId: LOCKER_ID, publicKey: serverPublicKey, logger });
    expect(reopened.check('CAFEBABE').known).toBe(false);
    expect(reopened.count).toBe(0);
  });
});

describe('badges at the locker (SPEC §2: an admin badge opens and resets lockdown without any network)', () => {
  async function started() {
    const scenario = controllerScenario();
    scenario.controller.start();
    await vi.advanceTimersByTimeAsync(500);
    scenario.clear();
    return scenario;
  }

  it('opens on a known badge, with no network and no command: badge event, pulse, open_result', async () => {
    const { hal, eventsOf, controller } = await started();

    hal.presentBadge(ADMIN_UID);

    expect(eventsOf('badge')).toEqual([
      expect.objectContaining({ known: true, badgeHash: hashBadge(LOCKER_ID, ADMIN_UID) }),
    ]);
    expect(hal.relayEnergised).toBe(true);
    hal.setDoor('open');
    await vi.advanceTimersByTimeAsync(50);
    expect(eventsOf('door_opened')).toMatchObject([{ legitimate: true }]);
    expect(eventsOf('open_result')).toMatchObject([{ commandId: null, result: 'opened' }]);
    expect(eventsOf('intrusion')).toEqual([]);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(hal.relayEnergised).toBe(false);
    expect(controller.counters).toMatchObject({ opens: 1, relayCycles: 1 });
  });

  it('reports an unknown badge and does nothing else', async () => {
    const { hal, events } = await started();

    hal.presentBadge('04DEADBEEF');

    expect(events()).toEqual([
      expect.objectContaining({ type: 'badge', known: false, badgeHash: hashBadge(LOCKER_ID, '04DEADBEEF') }),
    ]);
    expect(hal.relayActivations).toBe(0);
  });

  it('never reports the UID itself', async () => {
    const { hal, sent } = await started();
    hal.presentBadge('04DEADBEEF');
    hal.presentBadge(ADMIN_UID);
    expect(JSON.stringify(sent)).not.toMatch(/04DEADBEEF|04A1B2C3D4/i);
  });

  it('reports a badge presented during a pulse as busy, without a second pulse', async () => {
    const { hal, eventsOf } = await started();
    hal.presentBadge(ADMIN_UID);
    hal.presentBadge(ADMIN_UID);
    expect(hal.relayActivations).toBe(1);
    expect(eventsOf('open_refused')).toMatchObject([{ commandId: null, reason: 'busy' }]);
  });
});
