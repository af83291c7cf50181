import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ChannelPayload,
  type CommandType,
  generateCommandKeyPair,
  loadPrivateKey,
  signCommand,
} from '@smartlocker/protocol';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandLedger } from '../../src/CommandLedger';
import { CommandProcessor } from '../../src/CommandProcessor';
import { DeviceEnvelopeFactory } from '../../src/DeviceEnvelope';
import { PersistentReplayCache } from '../../src/PersistentReplayCache';
import { controllerScenario, LOCKER_ID, serverPrivateKey, serverPublicKey } from './controllerHarness';

const logger = pino({ level: 'silent' });
const T0 = new Date('2025-03-01T08:00:00Z').getTime();
const dirs: string[] = [];

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  vi.useRealTimers();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

let counter = 0;
function command(type: CommandType, overrides: { issuedAt?: number; expiresAt?: number; lockerId?: string } = {}) {
  counter += 1;
  const issuedAt = overrides.issuedAt ?? Date.now();
  return signCommand(
    {
      v: 1,
      id: `cmd-proc-${counter.toString().padStart(4, '0')}`,
      lockerId: overrides.lockerId ?? LOCKER_ID,
      ts: issuedAt,
      type,
      issuedAt,
      // SPEC §2 / docs/protocol.md §5.5: the server issues commands for 8 s.
      expiresAt: overrides.expiresAt ?? issuedAt + 8_000,
    },
    serverPrivateKey,
  );
}

/** A processor in front of a real controller on a simulated locker, state on disk, no network. */
function processorScenario(stateDir = mkdtempSync(join(tmpdir(), 'agent-cmd-'))) {
  dirs.push(stateDir);
  const locker = controllerScenario();
  const acks: ChannelPayload['ack'][] = [];
  let seq = 10_000;
  const bootTime = Date.now();
  const processor = new CommandProcessor({
    lockerId: LOCKER_ID,
    publicKey: serverPublicKey,
    replayCache: PersistentReplayCache.open(stateDir, bootTime),
    ledger: CommandLedger.open(stateDir, logger),
    execute: (cmd, acknowledge) => locker.controller.execute(cmd, acknowledge),
    envelopes: new DeviceEnvelopeFactory(LOCKER_ID, { next: () => ++seq }, Date.now),
    publish: (outbound) => {
      if (outbound.channel === 'ack') acks.push(outbound.message);
      // One log with the controller's messages, to check their order.
      locker.sent.push(outbound);
    },
    logger,
    now: Date.now,
    bootTime,
  });
  locker.controller.start();
  return { ...locker, processor, acks, stateDir };
}

describe('command verification (SPEC §2, §12; docs/protocol.md §5.4)', () => {
  it('carries out a signed, fresh command and acknowledges it once', () => {
    const { processor, acks, hal } = processorScenario();
    const open = command('open');
    processor.handlePayload(JSON.stringify(open));
    expect(acks).toEqual([expect.objectContaining({ commandId: open.id, commandType: 'open', outcome: 'accepted' })]);
    expect(acks[0]).not.toHaveProperty('duplicate');
    expect(hal.relayEnergised).toBe(true);
  });

  it('acknowledges before publishing what the command caused: ack, then the unlocked state', () => {
    const { processor, sent, clear } = processorScenario();
    clear();
    processor.handle(command('open'));
    expect(sent.map((m) => (m.channel === 'state' ? `state:${m.message.lock}` : m.channel))).toEqual([
      'ack',
      'state:unlocked',
    ]);
  });

  it('acknowledges a refused open before its open_refused event', async () => {
    const { processor, sent, clear } = processorScenario();
    processor.handle(command('open'));
    clear();
    processor.handle(command('open'));
    expect(sent.map((m) => (m.channel === 'event' ? m.message.type : m.channel))).toEqual(['ack', 'open_refused']);
  });

  it('refuses a forged command (bad_signature) and a command for another locker (wrong_locker)', () => {
    const { processor, acks, hal } = processorScenario();
    const forged = signCommand(
      { ...command('open'), id: 'cmd-forged-01' },
      loadPrivateKey(generateCommandKeyPair().privateKeyPem),
    );
    processor.handle(forged);
    processor.handle(command('open', { lockerId: 'SPORT_01' }));
    expect(acks.map((a) => a.reason)).toEqual(['bad_signature', 'wrong_locker']);
    expect(hal.relayActivations).toBe(0);
  });

  it('refuses a remote open that arrives after its expiry (SPEC §2: older than 10 s is ignored)', async () => {
    const { processor, acks, hal } = processorScenario();
    const open = command('open');
    // Held back by a broker for 11 s: 8 s of validity + 2 s of clock tolerance have passed.
    await vi.advanceTimersByTimeAsync(10_001);
    processor.handle(open);
    expect(acks).toEqual([expect.objectContaining({ commandId: open.id, outcome: 'refused', reason: 'expired' })]);
    expect(hal.relayActivations).toBe(0);
  });

  it('refuses a command issued before the program started (issued_before_boot)', () => {
    const { processor, acks } = processorScenario();
    processor.handle(command('report_state', { issuedAt: Date.now() - 5_000, expiresAt: Date.now() + 3_000 }));
    expect(acks).toMatchObject([{ outcome: 'refused', reason: 'issued_before_boot' }]);
  });

  it('drops an undecodable payload without an ack (there is no id to acknowledge)', () => {
    const { processor, acks } = processorScenario();
    processor.handlePayload('{ not json');
    processor.handlePayload(JSON.stringify({ v: 1, type: 'open' }));
    expect(acks).toEqual([]);
  });
});

describe('duplicates: never actuated twice, acknowledged again with the original outcome', () => {
  it('answers a redelivered open with accepted + duplicate: true, and does not pulse again', async () => {
    const { processor, acks, hal } = processorScenario();
    const open = command('open');
    processor.handle(open);
    await vi.advanceTimersByTimeAsync(1_000);

    processor.handle(open);

    expect(acks).toEqual([
      expect.objectContaining({ commandId: open.id, outcome: 'accepted' }),
      expect.objectContaining({ commandId: open.id, outcome: 'accepted', duplicate: true }),
    ]);
    expect(acks[1]).not.toHaveProperty('reason');
    expect(hal.relayActivations).toBe(1);
  });

  it('repeats a refusal the same way: a rate-limited open stays rate_limited, duplicate: true', async () => {
    const { processor, acks, hal } = processorScenario();
    for (let i = 0; i < 5; i++) {
      processor.handle(command('open'));
      await vi.advanceTimersByTimeAsync(5_000);
    }
    const sixth = command('open');
    processor.handle(sixth);
    processor.handle(sixth);
    expect(acks.slice(-2)).toEqual([
      expect.objectContaining({ commandId: sixth.id, outcome: 'refused', reason: 'rate_limited' }),
      expect.objectContaining({ commandId: sixth.id, outcome: 'refused', reason: 'rate_limited', duplicate: true }),
    ]);
    expect(hal.relayActivations).toBe(5);
  });

  it('still answers with the original outcome after the command expired, and after a restart', async () => {
    const first = processorScenario();
    const open = command('open');
    first.processor.handle(open);
    await vi.advanceTimersByTimeAsync(60_000);
    await first.controller.stop();

    const second = processorScenario(first.stateDir);
    second.processor.handle(open);

    expect(second.acks).toEqual([
      expect.objectContaining({ commandId: open.id, outcome: 'accepted', duplicate: true }),
    ]);
    expect(second.hal.relayActivations).toBe(0);
  });

  it('does not let a forged copy of a known id learn or change anything: bad_signature', () => {
    const { processor, acks } = processorScenario();
    const open = command('open');
    processor.handle(open);
    processor.handle({ ...open, type: 'reset_lockdown' });
    expect(acks.at(-1)).toMatchObject({ commandId: open.id, outcome: 'refused', reason: 'bad_signature' });
    expect(acks.at(-1)).not.toHaveProperty('duplicate');
  });

  it('falls back to refused / replayed, duplicate: true, when the outcome is no longer known', () => {
    const { processor, stateDir } = processorScenario();
    const open = command('open');
    processor.handle(open);
    rmSync(join(stateDir, 'command-outcomes.json'));

    const after = processorScenario(stateDir);
    after.processor.handle(open);
    expect(after.acks).toEqual([expect.objectContaining({ outcome: 'refused', reason: 'replayed', duplicate: true })]);
  });
});
