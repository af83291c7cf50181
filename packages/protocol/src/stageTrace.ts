/**
 * Where the milliseconds of one command's trip go (issue 13, `npm run bench`): the server, the
 * locker agent and the bench running in one process mark the instants a trip passes each stage,
 * keyed by the locker. Off unless something turns it on — a mark is then one null check — and
 * never turned on by the server or the agent themselves.
 */
export class StageTrace {
  #marks: Map<string, Map<string, number>> | null = null;

  enable(): void {
    this.#marks ??= new Map();
  }

  disable(): void {
    this.#marks = null;
  }

  /** The first time `key` reaches `stage` since it was last taken (`performance.now()`). */
  mark(key: string, stage: string): void {
    const marks = this.#marks;
    if (marks === null) return;
    let stages = marks.get(key);
    if (!stages) {
      stages = new Map();
      marks.set(key, stages);
    }
    if (!stages.has(stage)) stages.set(stage, performance.now());
  }

  /** The marks of `key`, forgotten here. */
  take(key: string): Map<string, number> {
    const stages = this.#marks?.get(key) ?? new Map<string, number>();
    this.#marks?.delete(key);
    return stages;
  }
}

export const stageTrace = new StageTrace();
