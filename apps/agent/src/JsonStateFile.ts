import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { AgentErrorCode } from './AgentError';
import { writeDurably } from './durableWrite';

export type StateFileRead<T> = { ok: true; value: T | null } | { ok: false; problem: string };

/**
 * One small JSON document in the state directory, validated on the way in and written
 * atomically on the way out (durableWrite), so a power cut leaves the old or the new version.
 */
export class JsonStateFile<T> {
  constructor(
    readonly path: string,
    private readonly schema: z.ZodType<T>,
    private readonly errorCode: AgentErrorCode,
  ) {}

  /** `value: null` when the file does not exist yet; a problem when it exists but is unreadable or invalid. */
  read(): StateFileRead<T> {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, value: null };
      return { ok: false, problem: (error as Error).message };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      return { ok: false, problem: `not JSON: ${(error as Error).message}` };
    }
    const parsed = this.schema.safeParse(raw);
    if (!parsed.success) return { ok: false, problem: parsed.error.issues.map((i) => i.message).join('; ') };
    return { ok: true, value: parsed.data };
  }

  write(value: T): void {
    writeDurably(this.path, `${JSON.stringify(value)}\n`, this.errorCode);
  }
}
