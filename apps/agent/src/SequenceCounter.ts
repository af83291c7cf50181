import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError } from './AgentError';
import { writeDurably } from './durableWrite';

const FILE_NAME = 'seq.json';
const DEFAULT_BLOCK_SIZE = 100;

/**
 * The `seq` of every device→server message: strictly increasing over the device's whole life,
 * restarts included (protocol v1, messages.ts). The file records the highest number handed out or
 * reserved; numbers are reserved ahead in blocks, so a crash wastes at most one block and never
 * reuses a number, while the SD card sees one write per block instead of one per message.
 */
export class SequenceCounter {
  readonly #path: string;
  readonly #blockSize: number;
  #last: number;
  #reservedThrough: number;

  private constructor(path: string, last: number, blockSize: number) {
    this.#path = path;
    this.#blockSize = blockSize;
    this.#last = last;
    this.#reservedThrough = last;
  }

  /** Opens the counter in `stateDir`, reserving the first block at once so an unwritable disk fails at start-up. */
  static open(stateDir: string, blockSize = DEFAULT_BLOCK_SIZE): SequenceCounter {
    try {
      mkdirSync(stateDir, { recursive: true });
    } catch (error) {
      throw new AgentError('seq_state_unwritable', `cannot create ${stateDir}: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const path = join(stateDir, FILE_NAME);
    const counter = new SequenceCounter(path, readReservedThrough(path), blockSize);
    counter.#reserve();
    return counter;
  }

  next(): number {
    if (this.#last >= this.#reservedThrough) this.#reserve();
    this.#last += 1;
    return this.#last;
  }

  #reserve(): void {
    const reservedThrough = this.#last + this.#blockSize;
    writeDurably(this.#path, `${JSON.stringify({ reservedThrough })}\n`, 'seq_state_unwritable');
    this.#reservedThrough = reservedThrough;
  }
}

function readReservedThrough(path: string): number {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new AgentError('seq_state_unwritable', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let value: unknown;
  try {
    value = (JSON.parse(text) as { reservedThrough?: unknown }).reservedThrough;
  } catch {
    value = undefined;
  }
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    // Guessing would risk reusing numbers the server has already seen, and it would drop those messages.
    throw new AgentError(
      'seq_state_corrupt',
      `${path} does not hold {"reservedThrough": <integer>}; restore it or write a value above the last seq the server saw`,
    );
  }
  return value;
}
