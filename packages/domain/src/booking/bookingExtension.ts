import { DEFAULT_SITE_TIME_ZONE } from '../siteTime';
import { BOOKING_RULES, closingTimeOn } from './bookingRules';
import type { BookingState } from './bookingStateMachine';

/** SPEC §5 "Extension": +1 h for 5.00 EUR, `expires_at` moves by 3600 s. */
export const BOOKING_EXTENSION = {
  hours: 1,
  amountCents: BOOKING_RULES.priceCentsPerHour,
  offeredBeforeEndMs: 30 * 60_000,
  offeredAfterEndMs: 30 * 60_000,
} as const;

export type ExtensionRefusal = 'not_extendable' | 'too_early' | 'too_late' | 'ends_after_closing';

export type ExtensionDecision =
  | { ok: true; newEndsAt: Date; amountCents: number }
  | { ok: false; code: ExtensionRefusal };

export interface ExtensionFacts {
  state: BookingState;
  endsAt: Date;
}

/**
 * Whether "Extend +1 h" may be offered (and, again, applied) at `now`.
 * Offered when less than 30 min remain (exactly 30 min left is too early) and up to 30 min after the
 * end inclusive. The hour is added to the booked end, not to `now`: extending 10 min after the end
 * buys the 50 min left of that hour, as SPEC §5 moves `expires_at` by exactly 3600 s.
 * Whether the next hour is free is the caller's question (the database's exclusion constraint).
 */
export function decideExtension(
  facts: ExtensionFacts,
  now: Date,
  timeZone: string = DEFAULT_SITE_TIME_ZONE,
): ExtensionDecision {
  if (facts.state !== 'active' && facts.state !== 'completed') return { ok: false, code: 'not_extendable' };
  const endMs = facts.endsAt.getTime();
  const nowMs = now.getTime();
  if (endMs - nowMs >= BOOKING_EXTENSION.offeredBeforeEndMs) return { ok: false, code: 'too_early' };
  if (nowMs - endMs > BOOKING_EXTENSION.offeredAfterEndMs) return { ok: false, code: 'too_late' };
  const newEndsAt = new Date(endMs + BOOKING_EXTENSION.hours * 3_600_000);
  if (newEndsAt.getTime() > closingTimeOn(facts.endsAt, timeZone).getTime()) {
    return { ok: false, code: 'ends_after_closing' };
  }
  return { ok: true, newEndsAt, amountCents: BOOKING_EXTENSION.amountCents };
}
