import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { OfflineQueue, type QueuedMessage } from '../../src/OfflineQueue';

const logger = pino({ level: 'silent' });
const dirs: string[] = [];
function stateDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-queue-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function event(seq: number): QueuedMessage {
  return {
    channel: 'event',
    message: {
      v: 1,
      id: `evt-${seq.toString().padStart(6, '0')}`,
      lockerId: 'LOCKER-Q',
      ts: 1_000 + seq,
      seq,
      type: 'door_closed',
    },
  };
}

function ack(seq: number): QueuedMessage {
  return {
    channel: 'ack',
    message: {
      v: 1,
      id: `ack-${seq.toString().padStart(6, '0')}`,
      lockerId: 'LOCKER-Q',
      ts: 1_000 + seq,
      seq,
      commandId: 'cmd-00000001',
      commandType: 'open',
      outcome: 'accepted',
    },
  };
}

/** Takes everything out, in order, as the agent's drain does after each PUBACK. */
function drain(queue: OfflineQueue): number[] {
  const seqs: number[] = [];
  for (let next = queue.peek(); next; next = queue.peek()) {
    seqs.push(next.message.seq);
    queue.markDelivered(next.message.seq);
  }
  return seqs;
}

describe('OfflineQueue (issue 3: events kept on disk while offline, delivered in order, survive a restart)', () => {
  it('keeps events and acks in the order they were produced', () => {
    const queue = OfflineQueue.open(stateDir(), { maxEntries: 100, logger });
    for (const message of [event(1), ack(2), event(3), event(5)]) queue.append(message);
    expect(queue.length).toBe(4);
    expect(drain(queue)).toEqual([1, 2, 3, 5]);
    expect(queue.length).toBe(0);
  });

  it('survives a restart: what was not delivered is there again, in order, with the same seq', () => {
    const dir = stateDir();
    const before = OfflineQueue.open(dir, { maxEntries: 100, logger });
    for (let seq = 1; seq <= 5; seq++) before.append(event(seq));
    before.markDelivered(1);
    before.markDelivered(2);
    before.close();

    const after = OfflineQueue.open(dir, { maxEntries: 100, logger });
    expect(after.peek()).toEqual(event(3));
    expect(drain(after)).toEqual([3, 4, 5]);
  });

  it('after a power cut mid-delivery, sends again only messages the server has (same seq) and loses none', () => {
    const dir = stateDir();
    const before = OfflineQueue.open(dir, { maxEntries: 1_000, logger });
    for (let seq = 1; seq <= 250; seq++) before.append(event(seq));
    for (let seq = 1; seq <= 150; seq++) before.markDelivered(seq);
    // No close(): the cursor on disk is the last checkpoint (every 100 deliveries).

    const after = drain(OfflineQueue.open(dir, { maxEntries: 1_000, logger }));
    expect(after[0]).toBeGreaterThan(100);
    expect(after[0]).toBeLessThanOrEqual(151);
    expect(after.at(-1)).toBe(250);
    expect(after).toEqual(Array.from({ length: after.length }, (_, i) => (after[0] as number) + i));
  });

  it('empties its file once everything is delivered, so it never grows while online', () => {
    const dir = stateDir();
    const queue = OfflineQueue.open(dir, { maxEntries: 100, logger });
    queue.append(event(1));
    queue.append(event(2));
    expect(readFileSync(join(dir, 'outbox.ndjson'), 'utf8').split('\n')).toHaveLength(3);
    drain(queue);
    expect(readFileSync(join(dir, 'outbox.ndjson'), 'utf8')).toBe('');
    queue.append(event(3));
    expect(OfflineQueue.open(dir, { maxEntries: 100, logger }).peek()).toEqual(event(3));
  });

  it('is bounded: beyond maxEntries the oldest are dropped and counted, across restarts', () => {
    const dir = stateDir();
    const queue = OfflineQueue.open(dir, { maxEntries: 10, logger });
    for (let seq = 1; seq <= 25; seq++) queue.append(event(seq));
    expect(queue.length).toBe(10);
    expect(queue.dropped).toBe(15);

    const reopened = OfflineQueue.open(dir, { maxEntries: 10, logger });
    expect(reopened.dropped).toBe(15);
    expect(drain(reopened)).toEqual([16, 17, 18, 19, 20, 21, 22, 23, 24, 25]);
  });

  it('skips a line cut short by a power failure, and appends cleanly after it', () => {
    const dir = stateDir();
    const queue = OfflineQueue.open(dir, { maxEntries: 100, logger });
    queue.append(event(1));
    queue.close();
    appendFileSync(join(dir, 'outbox.ndjson'), '{"channel":"event","message":{"v":1,"id":"evt-0');

    const reopened = OfflineQueue.open(dir, { maxEntries: 100, logger });
    reopened.append(event(2));
    expect(drain(OfflineQueue.open(dir, { maxEntries: 100, logger }))).toEqual([1, 2]);
  });

  it('skips lines that are not valid protocol messages instead of refusing to start', () => {
    const dir = stateDir();
    writeFileSync(
      join(dir, 'outbox.ndjson'),
      `not json\n${JSON.stringify({ channel: 'state', message: {} })}\n${JSON.stringify(event(7))}\n`,
    );
    expect(drain(OfflineQueue.open(dir, { maxEntries: 100, logger }))).toEqual([7]);
  });

  it('never skips a message whose seq is below the cursor (a reset counter): it is delivered, not lost', () => {
    const dir = stateDir();
    const queue = OfflineQueue.open(dir, { maxEntries: 100, logger });
    queue.append(event(500));
    queue.append(event(501));
    queue.markDelivered(500);
    queue.close();
    const reopened = OfflineQueue.open(dir, { maxEntries: 100, logger });
    reopened.append(event(3));
    expect(drain(OfflineQueue.open(dir, { maxEntries: 100, logger }))).toEqual([501, 3]);
  });
});
