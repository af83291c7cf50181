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
