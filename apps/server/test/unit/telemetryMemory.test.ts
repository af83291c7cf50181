import { describe, expect, it } from 'vitest';
import { TelemetryMemory } from '../../src/broker/TelemetryMemory';

const facts = { firmware: '1.0.0', opensCount: 2, relayCycles: 2 };
const at = (s: number) => new Date(Date.UTC(2026, 11, 7, 12, 0, s));

describe('TelemetryMemory', () => {
  it('writes the first heartbeat, keeps the repeats, and writes again when a fact changes', () => {
    const memory = new TelemetryMemory(45_000, 30_000);
    expect(memory.keepHeartbeat('L1', facts, at(0))).toBe(false);
    memory.wroteHeartbeat('L1', facts, at(0));
    expect(memory.keepHeartbeat('L1', facts, at(30))).toBe(true);
    expect(memory.keepHeartbeat('L1', { ...facts, opensCount: 3 }, at(31))).toBe(false);
  });

  it('takes the full path again once the locker was not heard for staleAfterMs, or was forgotten', () => {
    const memory = new TelemetryMemory(45_000, 30_000);
    memory.wroteHeartbeat('L1', facts, at(0));
    expect(memory.keepHeartbeat('L1', facts, at(46))).toBe(false);
    memory.wroteHeartbeat('L1', facts, at(46));
    memory.forget('L1');
    expect(memory.keepHeartbeat('L1', facts, at(47))).toBe(false);
  });

  it('keeps a presence whose distance alone moved, refuses an older one, and writes a new presence state', () => {
    const memory = new TelemetryMemory(45_000, 30_000);
    memory.wroteHeartbeat('L1', facts, at(0));
    // Unknown presence until one was written: the first goes to the database.
    expect(memory.presence('L1', 5, false, 40, at(1))).toBe('write');
    memory.wrotePresence('L1', 5, false, 40, at(1));
    expect(memory.presence('L1', 6, false, 41, at(2))).toBe('kept');
    expect(memory.presence('L1', 6, false, 41, at(3))).toBe('duplicate');
    expect(memory.presence('L1', 7, true, 12, at(4))).toBe('write');
  });

  it('hands to the batch only the lockers whose stored instant is due or whose distance moved', () => {
    const memory = new TelemetryMemory(45_000, 30_000);
    for (const id of ['A', 'B']) {
      memory.wroteHeartbeat(id, facts, at(0));
      memory.wrotePresence(id, 1, false, 40, at(0));
    }
    memory.keepHeartbeat('A', facts, at(10));
    expect(memory.presence('B', 2, false, 43, at(10))).toBe('kept');
    // A: heard 10 s after its last write, nothing moved: not yet. B: its distance moved.
    const first = memory.takeUnflushed();
    expect(first.map((e) => e.lockerId)).toEqual(['B']);
    expect(first[0]).toMatchObject({ presenceSeq: 2, distanceCm: 43 });
    memory.written(first);
    expect(memory.takeUnflushed()).toEqual([]);
    // A, heard again 30 s after its write: due, with its latest instant.
    memory.keepHeartbeat('A', facts, at(30));
    const second = memory.takeUnflushed();
    expect(second).toEqual([{ lockerId: 'A', seenAt: at(30), presenceSeq: null, distanceCm: null }]);
    // A failed write is handed back and taken again next time.
    memory.restore(second);
    expect(memory.takeUnflushed()).toEqual(second);
  });
});
