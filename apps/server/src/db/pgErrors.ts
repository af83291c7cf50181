/** SQLSTATE codes we act on (PostgreSQL appendix A). */
export const UNIQUE_VIOLATION = '23505';
export const EXCLUSION_VIOLATION = '23P01';
/** Concurrent inserts checked by one exclusion constraint can deadlock; one side is aborted. */
export const DEADLOCK_DETECTED = '40P01';

/**
 * The SQLSTATE of a failed query, whichever driver raised it: drizzle wraps driver errors in
 * its own, so the code can sit a few `cause`s deep.
 */
export function sqlState(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** The constraint a violation names, for telling one unique index from another. */
export function violatedConstraint(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const constraint = (current as { constraint?: unknown }).constraint;
    if (typeof constraint === 'string') return constraint;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** SQLSTATE classes 08 (connection exception) and 57P (operator intervention: shutdown, starting up). */
const UNAVAILABLE_STATE = /^(08...|57P0[1-3])$/;
/** What node-postgres, PGlite and the OS say when there is no database to talk to. */
const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|PGlite is closed/i;

/**
 * True when a query failed because the database could not be reached (restarting, down, the
 * network cut), not because of the query: the request is worth retrying later, and it is a 503,
 * never a 500. Disk-full (53100) counts as well: the database is there but cannot write.
 */
export function databaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_STATE.test(code) || code === DISK_FULL)) return true;
    if (typeof code === 'string' && UNAVAILABLE_MESSAGE.test(code)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** SQLSTATE 53100 disk_full. */
export const DISK_FULL = '53100';
