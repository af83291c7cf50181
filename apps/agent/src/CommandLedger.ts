import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CommandType, RefusalReason } from '@smartlocker/protocol';
import type { Logger } from 'pino';
import { z } from 'zod';
import { JsonStateFile } from './JsonStateFile';

const FILE_NAME = 'command-outcomes.json';
const DEFAULT_MAX_ENTRIES = 200;

/** What the locker answered to a command it carried out or refused after verification. */
export const CommandResult = z.object({
  outcome: z.enum(['accepted', 'refused']),
  reason: RefusalReason.optional(),
});
export type CommandResult = z.infer<typeof CommandResult>;

const LedgerEntry = CommandResult.extend({ id: z.string(), type: CommandType, at: z.number().int() });
type LedgerEntry = z.infer<typeof LedgerEntry>;

/**
 * The outcome of the most recent commands, by id, kept on disk. A command id seen again (a QoS 1
 * redelivery, a server retry, a replay) never actuates twice (SPEC §2: applied at most once), but
 * it is answered again with its original outcome and `duplicate: true`, so a server that missed
 * the first ack (it was queued offline, or lost) still learns what happened. Bounded by count:
 * the replay cache guards actuation; this only remembers answers.
 */
export class CommandLedger {
  readonly #file: JsonStateFile<LedgerEntry[]>;
  readonly #maxEntries: number;
  readonly #entries = new Map<string, LedgerEntry>();

  private constructor(file: JsonStateFile<LedgerEntry[]>, maxEntries: number) {
    this.#file = file;
    this.#maxEntries = maxEntries;
  }

  static open(stateDir: string, logger: Logger, maxEntries = DEFAULT_MAX_ENTRIES): CommandLedger {
    mkdirSync(stateDir, { recursive: true });
    const file = new JsonStateFile(join(stateDir, FILE_NAME), z.array(LedgerEntry), 'device_state_unwritable');
    const ledger = new CommandLedger(file, maxEntries);
    const stored = file.read();
    if (!stored.ok) {
      // Losing it only turns a later duplicate's answer into `replayed`; it never allows a second actuation.
      logger.warn({ problem: stored.problem }, 'command outcomes unreadable; starting empty');
    } else {
      for (const entry of (stored.value ?? []).slice(-maxEntries)) ledger.#entries.set(entry.id, entry);
    }
    return ledger;
  }

  get(id: string): (CommandResult & { type: CommandType }) | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    return { type: entry.type, outcome: entry.outcome, ...(entry.reason ? { reason: entry.reason } : {}) };
  }

  record(id: string, type: CommandType, result: CommandResult, at: number): void {
    this.#entries.delete(id);
    this.#entries.set(id, { id, type, at, ...result });
    // A Map iterates in insertion order, so the first key is the oldest.
    while (this.#entries.size > this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#file.write([...this.#entries.values()]);
  }
}
