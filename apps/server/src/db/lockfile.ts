import { linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export class DataDirLockedError extends Error {
  readonly code = 'data_dir_locked';
  constructor(
    readonly path: string,
    readonly pid: number | null,
  ) {
    super(
      pid === null
        ? `the embedded database is being taken over by another process (lock ${path}); try again`
        : `the embedded database is in use by process ${pid} (lock ${path}); stop it or use another DATA_DIR`,
    );
  }
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): number | null {
  try {
    const owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(owner) && owner > 0 ? owner : null;
  } catch {
    return null;
  }
}

/**
 * Creates `path` holding our pid in one atomic step: the pid is written to a private file first
 * and hard-linked into place, so nobody ever reads a half-written lock. False if it exists.
 */
function createExclusively(path: string): boolean {
  const mine = `${path}.${process.pid}`;
  writeFileSync(mine, String(process.pid));
  try {
    linkSync(mine, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(mine, { force: true });
  }
}

/** A takeover guard older than this was left by a process that died mid-takeover. */
const STALE_GUARD_MS = 10_000;

/**
 * PGlite is a single-process database: two processes writing one directory corrupt it. The lock
 * file holds the owner's pid. A lock left by a dead process is taken over — by one process only:
 * takers serialise on a guard file and re-check the lock under it, so two servers started
 * together after a crash cannot both win.
 */
export function acquireLock(path: string): () => void {
  mkdirSync(dirname(path), { recursive: true });
  if (!createExclusively(path)) {
    const owner = readOwner(path);
    if (owner !== null && processIsAlive(owner)) throw new DataDirLockedError(path, owner);
    takeOverStaleLock(path, owner);
  }
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // Only our own lock: never remove one another process holds.
    if (readOwner(path) === process.pid) rmSync(path, { force: true });
  };
}

function takeOverStaleLock(path: string, staleOwner: number | null): void {
  const guard = `${path}.takeover`;
  if (!createExclusively(guard)) {
    const guardOwner = readOwner(guard);
    const guardAge = Date.now() - safeMtime(guard);
    if ((guardOwner !== null && processIsAlive(guardOwner)) || guardAge < STALE_GUARD_MS) {
      throw new DataDirLockedError(path, null);
    }
    rmSync(guard, { force: true });
    if (!createExclusively(guard)) throw new DataDirLockedError(path, null);
  }
  try {
    // Under the guard: the lock may have changed hands since we looked.
    const owner = readOwner(path);
    if (owner !== staleOwner || (owner !== null && processIsAlive(owner))) {
      throw new DataDirLockedError(path, owner);
    }
    rmSync(path, { force: true });
    if (!createExclusively(path)) throw new DataDirLockedError(path, readOwner(path));
  } finally {
    rmSync(guard, { force: true });
  }
}

function safeMtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
