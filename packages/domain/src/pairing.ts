import type { LockerType } from './locker';

/**
 * Pairing rules, SPEC §4. The checks run in the order the spec gives, and the first failing one
 * is the answer, so a person always gets the most useful reason.
 */
export const PAIRING_CODE_PATTERN = /^SL-[A-Z0-9][A-Z0-9-]{1,30}$/;

/** People type codes from a sticker: accept lower case, spaces and a missing dash after "SL". */
export function normalizePairingCode(input: string): string | null {
  const compact = input.trim().toUpperCase().replace(/\s+/g, '');
  const withDash = /^SL[A-Z0-9]/.test(compact) ? `SL-${compact.slice(2)}` : compact;
  return PAIRING_CODE_PATTERN.test(withDash) ? withDash : null;
}

export type PairingRefusal =
  | 'invalid_code'
  | 'unknown_code'
  | 'already_paired'
  | 'locker_taken'
  | 'out_of_service'
  | 'locker_offline';

export interface PairingFacts {
  /** The normalized code, or null when the input was not a code at all. */
  code: string | null;
  locker: {
    id: string;
    type: LockerType;
    online: boolean;
    /** Issue 11: out of service (refused with its own reason), decommissioned (as if unknown). */
    outOfServiceAt: Date | null;
    decommissionedAt: Date | null;
  } | null;
  /** The locker the user already has, if any (SPEC §4: one locker per user). */
  userLockerId: string | null;
  /** Users other than this one with an active pairing to the locker. */
  otherActivePairings: number;
}

export type PairingDecision = { ok: true; lockerId: string } | { ok: false; refusal: PairingRefusal };

export function decidePairing(facts: PairingFacts): PairingDecision {
  if (facts.code === null) return { ok: false, refusal: 'invalid_code' };
  if (facts.locker === null || facts.locker.decommissionedAt !== null) return { ok: false, refusal: 'unknown_code' };
  if (facts.userLockerId !== null) return { ok: false, refusal: 'already_paired' };
  // SPEC §4 "Decision": a sport locker is exclusive to one member; a school locker is shared,
  // what is exclusive there is the booked time range.
  if (facts.locker.type === 'sport' && facts.otherActivePairings > 0) return { ok: false, refusal: 'locker_taken' };
  if (facts.locker.outOfServiceAt !== null) return { ok: false, refusal: 'out_of_service' };
  if (!facts.locker.online) return { ok: false, refusal: 'locker_offline' };
  return { ok: true, lockerId: facts.locker.id };
}
