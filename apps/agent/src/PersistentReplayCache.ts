import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReplayCache } from '@smartlocker/protocol';
import { writeDurably } from './durableWrite';

const FILE_NAME = 'replay.json';

/**
 * The ids of commands already carried out, kept on disk until they expire, so that a command
 * captured before a restart is still refused as `replayed` after it (SPEC §2: a command is applied
 * at most once). Written before the relay moves; a few ids of 10 s each, so the file stays tiny.
 */
export class PersistentReplayCache extends ReplayCache {
  readonly #path: string;

  private constructor(path: string) {
    super();
    this.#path = path;
  }

  /** Loads what is still unexpired; an unreadable file only loses ids that the boot rule covers anyway. */
  static open(stateDir: string, now: number): PersistentReplayCache {
    mkdirSync(stateDir, { recursive: true });
    const cache = new PersistentReplayCache(join(stateDir, FILE_NAME));
    let entries: unknown = [];
    try {
      entries = JSON.parse(readFileSync(cache.#path, 'utf8'));
    } catch {
      entries = [];
    }
    if (Array.isArray(entries)) cache.#load(entries, now);
    return cache;
  }

  #load(entries: unknown[], now: number): void {
    for (const entry of entries) {
      if (!Array.isArray(entry)) continue;
      const [id, expiresAt] = entry as unknown[];
      if (typeof id === 'string' && typeof expiresAt === 'number' && expiresAt >= now) super.remember(id, expiresAt);
    }
  }

  override remember(id: string, expiresAt: number): void {
    super.remember(id, expiresAt);
    writeDurably(this.#path, JSON.stringify(this.entries()), 'replay_state_unwritable');
  }
}
