import { AgentError } from '../../AgentError';
import { Mfrc522, type Mfrc522Options } from './Mfrc522';
import type { SpiTransport } from './SpiTransport';

export interface Rc522BadgeReaderOptions {
  openTransport: () => Promise<SpiTransport>;
  /** How messages name the reader: "the RC522 (SPI0 CE0)". */
  label: string;
  /** Between two looks for a card. */
  pollMs: number;
  onFault: (error: AgentError) => void;
  /** Before the first open, e.g. for the reset line's holder to have raised RST. */
  startDelayMs?: number;
  /** The first wait before opening again after a failure; doubles up to 60 s. */
  retryDelayMs?: number;
  chip?: Mfrc522Options;
}

const DEFAULT_RETRY_DELAY_MS = 5_000;
const MAX_RETRY_DELAY_MS = 60_000;

/**
 * Polls an RC522 for cards and announces each presentation once (the card is halted after its UID
 * is read, and answers again only after leaving the field). A reader that cannot be opened or
 * stops answering is reported and retried with back-off; the rest of the locker keeps working.
 */
export class Rc522BadgeReader {
  readonly #options: Rc522BadgeReaderOptions;
  readonly #listeners = new Set<(uid: string) => void>();
  #transport: SpiTransport | null = null;
  #chip: Mfrc522 | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #inFlight: Promise<void> = Promise.resolve();
  #retryDelayMs: number;
  #failing = false;
  #closed = false;

  constructor(options: Rc522BadgeReaderOptions) {
    this.#options = options;
    this.#retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
  }

  /** True once the chip answered and polling runs. */
  get ready(): boolean {
    return this.#chip !== null;
  }

  start(): void {
    this.#schedule(() => this.#open(), this.#options.startDelayMs ?? 0);
  }

  onBadge(listener: (uid: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#listeners.clear();
    await this.#inFlight;
    await this.#closeTransport();
  }

  #schedule(step: () => Promise<void>, delayMs: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#closed) return;
      this.#inFlight = step();
    }, delayMs);
  }

  async #open(): Promise<void> {
    try {
      const transport = await this.#options.openTransport();
      this.#transport = transport;
      const chip = new Mfrc522(transport, this.#options.chip);
      await chip.init();
      if (this.#closed) return;
      this.#chip = chip;
      this.#failing = false;
      this.#retryDelayMs = this.#options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
      this.#schedule(() => this.#poll(), 0);
    } catch (error) {
      await this.#fail(error, 'starting');
    }
  }

  async #poll(): Promise<void> {
    const chip = this.#chip;
    if (!chip) return;
    let uid: string | null;
    try {
      uid = await chip.readUid();
    } catch (error) {
      await this.#fail(error, 'polling');
      return;
    }
    this.#failing = false;
    if (uid !== null && !this.#closed) {
      for (const listener of this.#listeners) listener(uid);
    }
    this.#schedule(() => this.#poll(), this.#options.pollMs);
  }

  /** Reports once per failure streak, then reopens the reader after a back-off. */
  async #fail(error: unknown, doing: string): Promise<void> {
    if (!this.#failing) {
      this.#options.onFault(
        error instanceof AgentError
          ? error
          : new AgentError(
              'hal_driver_unavailable',
              `${doing} ${this.#options.label} failed: ${(error as Error).message ?? String(error)}`,
              { cause: error },
            ),
      );
    }
    this.#failing = true;
    this.#chip = null;
    await this.#closeTransport();
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    this.#schedule(() => this.#open(), delay);
  }

  async #closeTransport(): Promise<void> {
    const transport = this.#transport;
    this.#transport = null;
    if (!transport) return;
    try {
      await transport.close();
    } catch {
      // Already failing: the fault that led here has been reported; a close error adds nothing.
    }
  }
}
