import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  generateCommandKeyPair,
  loadPrivateKey,
  loadPublicKey,
  signCommand,
  verifyCommand,
} from '@smartlocker/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { PersistentReplayCache } from '../../src/PersistentReplayCache';

const dirs: string[] = [];
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-replay-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('PersistentReplayCache', () => {
  it('refuses a command replayed right after a fast restart (SPEC §2: applied at most once)', () => {
    const keys = generateCommandKeyPair();
    const T = 1_800_000_000_000;
    const command = signCommand(
      { v: 1, id: 'cmd-restart-0001', lockerId: 'SPORT_01', ts: T, type: 'open', issuedAt: T, expiresAt: T + 8_000 },
      loadPrivateKey(keys.privateKeyPem),
    );
    const publicKey = loadPublicKey(keys.publicKeyPem);
    const dir = stateDir();

    const beforeRestart = PersistentReplayCache.open(dir, T);
    const first = verifyCommand(command, {
      publicKey,
      lockerId: 'SPORT_01',
      now: T + 100,
      replayCache: beforeRestart,
      notIssuedBefore: T - 60_000,
    });
    expect(first).toEqual({ ok: true });

    // The program restarts 1.5 s later: its boot instant is within the skew of the command.
    const boot = T + 1_500;
    const afterRestart = PersistentReplayCache.open(dir, boot);
    const second = verifyCommand(command, {
      publicKey,
      lockerId: 'SPORT_01',
      now: T + 1_800,
      replayCache: afterRestart,
      notIssuedBefore: boot,
    });
    expect(second).toEqual({ ok: false, reason: 'replayed' });
  });

  it('forgets ids that have expired, so the file stays small', () => {
    const dir = stateDir();
    const cache = PersistentReplayCache.open(dir, 1_000);
    cache.remember('old-command-id', 5_000);
    cache.remember('new-command-id', 50_000);
    const reopened = PersistentReplayCache.open(dir, 10_000);
    expect(reopened.has('old-command-id')).toBe(false);
    expect(reopened.has('new-command-id')).toBe(true);
    expect(reopened.size).toBe(1);
  });

  it('starts empty from a corrupt file instead of refusing to boot', () => {
    const dir = stateDir();
    writeFileSync(join(dir, 'replay.json'), '{not json');
    const cache = PersistentReplayCache.open(dir, 0);
    expect(cache.size).toBe(0);
    cache.remember('after-corruption', 10);
    expect(PersistentReplayCache.open(dir, 0).has('after-corruption')).toBe(true);
  });
});
