import { closeSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { decodeMessage } from '@smartlocker/protocol';
import type { Logger } from 'pino';
import { z } from 'zod';
import { AgentError } from './AgentError';
import { encodeOutbound, type OutboundMessage } from './DeviceEnvelope';
import { writeDurably } from './durableWrite';
import { JsonStateFile } from './JsonStateFile';

/** The channels that are records, not latest-wins facts: each one must reach the server (docs/protocol.md §6). */
export type QueuedChannel = 'event' | 'ack';
export type QueuedMessage = Extract<OutboundMessage, { channel: QueuedChannel }>;

const QUEUE_FILE = 'outbox.ndjson';
const CURSOR_FILE = 'outbox-cursor.json';
/** How many deliveries may go by before the cursor is written down; a crash in between only repeats them, same seq. */
const CHECKPOINT_EVERY = 100;

const Cursor = z.object({
  /** Every queued message with a seq up to this one was delivered (PUBACK) or dropped. */
  deliveredThroughSeq: z.number().int().nonnegative(),
  /** Messages dropped because the queue was full, over the device's life. */
  dropped: z.number().int().nonnegative(),
});
type Cursor = z.infer<typeof Cursor>;

export interface OfflineQueueOptions {
  maxEntries: number;
  logger: Logger;
}

/**
 * Events and acks on their way to the broker, kept in an append-only file of the state
 * directory so that what happened while the network was down (or before a power cut) still
 * reaches the server, in order, after the reconnection (issue 3: "events produced while
 * offline are kept in an on-disk queue").
 *
 * Every message goes through the queue, online or not: one path keeps the order, and a message
 * is removed only after the broker's PUBACK. A message whose PUBACK was lost is sent again with
 * the same `seq`, which the server de-duplicates, so delivery is exactly once from its point of
 * view. The file holds one JSON line per message; a separate cursor file records the highest
 * `seq` delivered, so no line is ever rewritten in place, and a half-written last line (power
 * cut) is recognised and skipped. Full at `maxEntries`: the oldest is dropped and counted.
 */
export class OfflineQueue {
  readonly #queuePath: string;
  readonly #cursorFile: JsonStateFile<Cursor>;
  readonly #options: OfflineQueueOptions;
  #fd: number;
  #items: QueuedMessage[] = [];
  #head = 0;
  #linesInFile = 0;
  #cursor: Cursor = { deliveredThroughSeq: 0, dropped: 0 };
  #deliveredSinceCheckpoint = 0;
  #droppedThisStreak = 0;

  private constructor(stateDir: string, options: OfflineQueueOptions) {
    this.#queuePath = join(stateDir, QUEUE_FILE);
    this.#cursorFile = new JsonStateFile(join(stateDir, CURSOR_FILE), Cursor, 'offline_queue_unwritable');
    this.#options = options;
    this.#fd = -1;
  }

  static open(stateDir: string, options: OfflineQueueOptions): OfflineQueue {
    mkdirSync(stateDir, { recursive: true });
    const queue = new OfflineQueue(stateDir, options);
    queue.#load();
    return queue;
  }

  /** Messages waiting for delivery. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** Messages dropped because the queue was full, over the device's life. */
  get dropped(): number {
    return this.#cursor.dropped;
  }

  peek(): QueuedMessage | undefined {
    return this.#items[this.#head];
  }

  /** Written and flushed to disk before it returns: a message accepted here survives a power cut. */
  append(message: QueuedMessage): void {
    const line = `${JSON.stringify({ channel: message.channel, message: JSON.parse(encodeOutbound(message)) })}\n`;
    // A seq at or below the cursor means the counter was reset (a lost seq.json): never skip it on reload.
    if (message.message.seq <= this.#cursor.deliveredThroughSeq) {
      this.#cursor = { ...this.#cursor, deliveredThroughSeq: message.message.seq - 1 };
      this.#cursorFile.write(this.#cursor);
    }
    try {
      writeSync(this.#fd, line);
      fsyncSync(this.#fd);
    } catch (error) {
      throw new AgentError(
        'offline_queue_unwritable',
        `cannot append to ${this.#queuePath}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    this.#items.push(message);
    this.#linesInFile += 1;
    if (this.length > this.#options.maxEntries) this.#dropOldest();
    if (this.#linesInFile > 2 * this.#options.maxEntries) this.#compact();
  }

  /** The head of the queue reached the broker (PUBACK received). */
  markDelivered(seq: number): void {
    const head = this.peek();
    if (!head || head.message.seq !== seq) return;
    this.#shift();
    this.#cursor = { ...this.#cursor, deliveredThroughSeq: seq };
    if (this.length === 0) {
      // Nothing left: empty the file, so it never grows while the locker is online.
      this.#truncate();
      return;
    }
    this.#deliveredSinceCheckpoint += 1;
    if (this.#deliveredSinceCheckpoint >= CHECKPOINT_EVERY) this.#checkpoint();
  }

  close(): void {
    if (this.#deliveredSinceCheckpoint > 0) this.#checkpoint();
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }

  #load(): void {
    const cursor = this.#cursorFile.read();
    if (cursor.ok && cursor.value) this.#cursor = cursor.value;
    if (!cursor.ok) {
      // Starting from 0 only repeats delivered messages (same seq, dropped by the server); never loses one.
      this.#options.logger.error(
        { problem: cursor.problem },
        'offline queue cursor unreadable; redelivering what the file holds',
      );
    }
    let text = '';
    try {
      text = readFileSync(this.#queuePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new AgentError(
          'offline_queue_unwritable',
          `cannot read ${this.#queuePath}: ${(error as Error).message}`,
          {
            cause: error,
          },
        );
      }
    }
    const lines = text.split('\n');
    // The piece after the last newline is empty, or a line cut short by a power failure.
    const partial = lines.pop() ?? '';
    let corrupt = partial === '' ? 0 : 1;
    for (const line of lines) {
      const message = parseLine(line);
      if (!message) {
        corrupt += 1;
        continue;
      }
      if (message.message.seq > this.#cursor.deliveredThroughSeq) this.#items.push(message);
    }
    this.#linesInFile = lines.length;
    if (corrupt > 0) this.#options.logger.warn({ corrupt }, 'skipped unreadable lines of the offline queue');
    while (this.length > this.#options.maxEntries) this.#dropOldest();
    // Rewrite when something was skipped, so later appends never follow a half line.
    if (corrupt > 0 || this.length !== this.#linesInFile) this.#compact();
    else this.#openForAppend();
    if (this.length > 0)
      this.#options.logger.info({ pending: this.length }, 'offline queue holds undelivered messages');
  }

  #dropOldest(): void {
    const oldest = this.#shift();
    if (!oldest) return;
    this.#cursor = { deliveredThroughSeq: oldest.message.seq, dropped: this.#cursor.dropped + 1 };
    this.#cursorFile.write(this.#cursor);
    this.#droppedThisStreak += 1;
    // Logged on the first drop and then every thousand, not once per message while the network stays down.
    if (this.#droppedThisStreak === 1 || this.#droppedThisStreak % 1_000 === 0) {
      this.#options.logger.warn(
        { dropped: this.#cursor.dropped, maxEntries: this.#options.maxEntries },
        'offline queue full; dropping the oldest messages',
      );
    }
  }

  #shift(): QueuedMessage | undefined {
    const item = this.#items[this.#head];
    if (!item) return undefined;
    this.#head += 1;
    if (this.#head > 1_024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  #checkpoint(): void {
    this.#cursorFile.write(this.#cursor);
    this.#deliveredSinceCheckpoint = 0;
  }

  #truncate(): void {
    try {
      ftruncateSync(this.#fd, 0);
      fsyncSync(this.#fd);
    } catch (error) {
      throw new AgentError('offline_queue_unwritable', `cannot empty ${this.#queuePath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#linesInFile = 0;
    this.#deliveredSinceCheckpoint = 0;
    this.#droppedThisStreak = 0;
  }

  /** Rewrites the file with the pending messages only (atomically), then reopens it for appending. */
  #compact(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
    const pending = this.#items.slice(this.#head);
    this.#items = pending;
    this.#head = 0;
    const content = pending.map((m) => `${JSON.stringify({ channel: m.channel, message: m.message })}\n`).join('');
    writeDurably(this.#queuePath, content, 'offline_queue_unwritable');
    this.#linesInFile = pending.length;
    this.#openForAppend();
  }

  #openForAppend(): void {
    try {
      this.#fd = openSync(this.#queuePath, 'a');
    } catch (error) {
      throw new AgentError('offline_queue_unwritable', `cannot open ${this.#queuePath}: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

function parseLine(line: string): QueuedMessage | null {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const { channel, message } = raw as { channel?: unknown; message?: unknown };
  if (channel !== 'event' && channel !== 'ack') return null;
  const decoded = decodeMessage(channel, JSON.stringify(message));
  if (!decoded.ok) return null;
  return { channel, message: decoded.message } as QueuedMessage;
}
