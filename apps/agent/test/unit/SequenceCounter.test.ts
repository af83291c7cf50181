import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AgentError } from '../../src/AgentError';
import { Controller } from '../../src/Controller';
import { DeviceEnvelopeFactory } from '../../src/DeviceEnvelope';
import { SimulatedHal } from '../../src/hal/SimulatedHal';
import { SequenceCounter } from '../../src/SequenceCounter';
import { LOCKER_ID, RULES, TIMINGS } from './controllerHarness';

describe('SequenceCounter (protocol v1: seq strictly increasing over the device life)', () => {
  let stateDir: string;
  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'agent-seq-'));
  });
  afterEach(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts at 1 on a new device', () => {
    expect(SequenceCounter.open(stateDir).next()).toBe(1);
  });

  it('never reuses a number across restarts, even after a crash mid-block', () => {
    const seen: number[] = [];
    for (let boot = 0; boot < 4; boot++) {
      // Each "boot" forgets everything in memory, as a power cut would, and uses a different amount.
      const counter = SequenceCounter.open(stateDir, 10);
      for (let i = 0; i < 7 * boot + 3; i++) seen.push(counter.next());
    }
    for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] as number);
  });

  it('keeps a restarted controller numbering above everything it sent before', () => {
    const seqsOfOneBoot = () => {
      const envelopes = new DeviceEnvelopeFactory(LOCKER_ID, SequenceCounter.open(stateDir), Date.now);
      const sent: number[] = [];
      const controller = new Controller({
        hal: new SimulatedHal(),
        lockerId: LOCKER_ID,
        envelopes,
        timings: TIMINGS,
        rules: RULES,
        publish: (outbound) => sent.push(outbound.message.seq),
        logger: pino({ level: 'silent' }),
        stateDir: null,
        badges: null,
      });
      controller.start();
      controller.publishState();
      void controller.stop();
      return sent;
    };
    const first = seqsOfOneBoot();
    const second = seqsOfOneBoot();
    expect(first).toEqual([1, 2]);
    expect(Math.min(...second)).toBeGreaterThan(Math.max(...first));
  });

  it('writes ahead in blocks, not once per message', () => {
    const counter = SequenceCounter.open(stateDir, 100);
    const file = join(stateDir, 'seq.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ reservedThrough: 100 });
    for (let i = 0; i < 100; i++) counter.next();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ reservedThrough: 100 });
    expect(counter.next()).toBe(101);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ reservedThrough: 200 });
  });

  it('refuses to guess when the file is corrupt', () => {
    writeFileSync(join(stateDir, 'seq.json'), '{"reservedThrough": "lots"}');
    expect(() => SequenceCounter.open(stateDir)).toThrow(expect.objectContaining({ code: 'seq_state_corrupt' }));
    expect(() => SequenceCounter.open(stateDir)).toThrow(AgentError);
  });
});
