/**
 * The one life cycle of a school booking (SPEC §5, issue 5). Facts arrive as events — from Stripe,
 * from the clock, from the user — and `transition` is the only place that says what they change.
 * Time-based guards (is it 10:00 yet? is extension allowed now?) are decided before an event is raised.
 */
export const BOOKING_STATES = [
  'pending',
  'confirmed',
  'active',
  'completed',
  'expired',
  'cancelled',
  'refunded',
] as const;
export type BookingState = (typeof BOOKING_STATES)[number];

export const BOOKING_EVENTS = [
  'payment_succeeded',
  'payment_failed',
  'hold_expired',
  'start_reached',
  'end_reached',
  'cancelled_by_user',
  'refund_issued',
  'extension_paid',
] as const;
export type BookingEvent = (typeof BOOKING_EVENTS)[number];

/**
 * - `already_paid`: a repeated or late payment confirmation; nothing changes (idempotent callers
 *   treat it as done).
 * - `hold_released`: money arrived for a booking whose slot was already let go; the caller must
 *   re-claim the slot or refund (issue 5: the user is told and refunded).
 * - `already_refunded`: a repeated refund notice.
 * - `invalid_transition`: anything else the life cycle does not allow.
 */
export type BookingTransitionRefusal = 'already_paid' | 'hold_released' | 'already_refunded' | 'invalid_transition';

export type BookingTransition = { ok: true; state: BookingState } | { ok: false; code: BookingTransitionRefusal };

/** States that hold the locker's time range: the ones the no-overlap constraint covers. */
export const SLOT_HOLDING_STATES: readonly BookingState[] = ['pending', 'confirmed', 'active'];

/** States nothing leaves except a refund. */
export function isFinalBookingState(state: BookingState): boolean {
  switch (state) {
    case 'expired':
    case 'cancelled':
    case 'refunded':
      return true;
    case 'pending':
    case 'confirmed':
    case 'active':
    case 'completed':
      return false;
  }
}

const to = (state: BookingState): BookingTransition => ({ ok: true, state });
const refuse = (code: BookingTransitionRefusal): BookingTransition => ({ ok: false, code });

export function transition(state: BookingState, event: BookingEvent): BookingTransition {
  switch (event) {
    case 'payment_succeeded':
      if (state === 'pending') return to('confirmed');
      if (state === 'expired' || state === 'cancelled') return refuse('hold_released');
      return refuse('already_paid');
    case 'payment_failed':
      // An asynchronous payment that failed for good: the checkout cannot be retried, free the slot.
      return state === 'pending' ? to('cancelled') : refuse('invalid_transition');
    case 'hold_expired':
      return state === 'pending' ? to('expired') : refuse('invalid_transition');
    case 'start_reached':
      return state === 'confirmed' ? to('active') : refuse('invalid_transition');
    case 'end_reached':
      // From `confirmed` too: a start tick missed while the server was down must not leave a past
      // booking confirmed for ever.
      return state === 'active' || state === 'confirmed' ? to('completed') : refuse('invalid_transition');
    case 'cancelled_by_user':
      // Once running, a booking is not cancelled but left to end; a paid cancelled booking is then refunded.
      return state === 'pending' || state === 'confirmed' ? to('cancelled') : refuse('invalid_transition');
    case 'refund_issued':
      if (state === 'refunded') return refuse('already_refunded');
      // Nothing was captured while pending. An expired hold can still receive a late payment,
      // which is then refunded.
      return state === 'pending' ? refuse('invalid_transition') : to('refunded');
    case 'extension_paid':
      // SPEC §5: extension is offered before the end and up to 30 min after it (see bookingExtension),
      // so a just-completed booking becomes active again.
      return state === 'active' || state === 'completed' ? to('active') : refuse('invalid_transition');
  }
}

/**
 * The same life cycle, read for a guarded database update (`UPDATE … SET status = to WHERE status
 * IN from`): the states `event` applies to and the one state it leads to. Every event leads to a
 * single state, so one atomic statement applies it, whichever server instance runs it.
 */
export function transitionGuard(event: BookingEvent): { from: BookingState[]; to: BookingState } {
  const from: BookingState[] = [];
  let to: BookingState | null = null;
  for (const state of BOOKING_STATES) {
    const next = transition(state, event);
    if (!next.ok) continue;
    if (to !== null && to !== next.state) throw new Error(`event ${event} leads to several states`);
    to = next.state;
    from.push(state);
  }
  if (to === null) throw new Error(`event ${event} applies to no state`);
  return { from, to };
}
