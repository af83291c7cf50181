import { describe, expect, it } from 'vitest';
import {
  BOOKING_EVENTS,
  BOOKING_STATES,
  type BookingEvent,
  type BookingState,
  type BookingTransition,
  isFinalBookingState,
  SLOT_HOLDING_STATES,
  transition,
  transitionGuard,
} from '../src/booking/bookingStateMachine';

/** Every state × event pair, written out: a change here is a decision, not a side effect. */
const EXPECTED: Record<BookingState, Record<BookingEvent, BookingState | `refused:${string}`>> = {
  pending: {
    payment_succeeded: 'confirmed',
    payment_failed: 'cancelled',
    hold_expired: 'expired',
    start_reached: 'refused:invalid_transition',
    end_reached: 'refused:invalid_transition',
    cancelled_by_user: 'cancelled',
    refund_issued: 'refused:invalid_transition',
    extension_paid: 'refused:invalid_transition',
  },
  confirmed: {
    payment_succeeded: 'refused:already_paid',
    payment_failed: 'refused:invalid_transition',
    hold_expired: 'refused:invalid_transition',
    start_reached: 'active',
    end_reached: 'completed',
    cancelled_by_user: 'cancelled',
    refund_issued: 'refunded',
    extension_paid: 'refused:invalid_transition',
  },
  active: {
    payment_succeeded: 'refused:already_paid',
    payment_failed: 'refused:invalid_transition',
    hold_expired: 'refused:invalid_transition',
    start_reached: 'refused:invalid_transition',
    end_reached: 'completed',
    cancelled_by_user: 'refused:invalid_transition',
    refund_issued: 'refunded',
    extension_paid: 'active',
  },
  completed: {
    payment_succeeded: 'refused:already_paid',
    payment_failed: 'refused:invalid_transition',
    hold_expired: 'refused:invalid_transition',
    start_reached: 'refused:invalid_transition',
    end_reached: 'refused:invalid_transition',
    cancelled_by_user: 'refused:invalid_transition',
    refund_issued: 'refunded',
    extension_paid: 'active',
  },
  expired: {
    payment_succeeded: 'refused:hold_released',
    payment_failed: 'refused:invalid_transition',
    hold_expired: 'refused:invalid_transition',
    start_reached: 'refused:invalid_transition',
    end_reached: 'refused:invalid_transition',
    cancelled_by_user: 'refused:invalid_transition',
    refund_issued: 'refunded',
    extension_paid: 'refused:invalid_transition',
  },
  cancelled: {
    payment_succeeded: 'refused:hold_released',
    payment_failed: 'refused:invalid_transition',
    hold_expired: 'refused:invalid_transition',
    start_reached: 'refused:invalid_transition',
    end_reached: 'refused:invalid_transition',
    cancelled_by_user: 'refused:invalid_transition',
    refund_issued: 'refunded',
    extension_paid: 'refused:invalid_transition',
  },
  refunded: {
    payment_succeeded: 'refused:already_paid',
    payment_failed: 'refused:invalid_transition',
    hold_expired: 'refused:invalid_transition',
    start_reached: 'refused:invalid_transition',
    end_reached: 'refused:invalid_transition',
    cancelled_by_user: 'refused:invalid_transition',
    refund_issued: 'refused:already_refunded',
    extension_paid: 'refused:invalid_transition',
  },
};

function expected(outcome: string): BookingTransition {
  return outcome.startsWith('refused:')
    ? ({ ok: false, code: outcome.slice('refused:'.length) } as BookingTransition)
    : { ok: true, state: outcome as BookingState };
}

const pairs = BOOKING_STATES.flatMap((state) =>
  BOOKING_EVENTS.map((event) => [state, event, EXPECTED[state][event]] as const),
);

describe('booking state machine', () => {
  it('covers all 7 states × 8 events', () => {
    expect(pairs).toHaveLength(56);
  });

  it.each(pairs)('%s + %s → %s', (state, event, outcome) => {
    expect(transition(state, event)).toEqual(expected(outcome));
  });

  it('walks the happy path: book, pay, start, end', () => {
    let state: BookingState = 'pending';
    for (const event of ['payment_succeeded', 'start_reached', 'end_reached'] as const) {
      const next = transition(state, event);
      if (!next.ok) throw new Error(next.code);
      state = next.state;
    }
    expect(state).toBe('completed');
  });

  it('treats a repeated payment confirmation as already applied (webhook + success page)', () => {
    expect(transition('confirmed', 'payment_succeeded')).toEqual({ ok: false, code: 'already_paid' });
  });

  it('asks for a refund when money arrives after the hold was released', () => {
    expect(transition('expired', 'payment_succeeded')).toEqual({ ok: false, code: 'hold_released' });
    expect(transition('expired', 'refund_issued')).toEqual({ ok: true, state: 'refunded' });
  });

  it('marks final states, and only refunds leave them', () => {
    expect(BOOKING_STATES.filter(isFinalBookingState)).toEqual(['expired', 'cancelled', 'refunded']);
    for (const state of BOOKING_STATES.filter(isFinalBookingState)) {
      const exits = BOOKING_EVENTS.filter((event) => transition(state, event).ok);
      expect(exits).toEqual(state === 'refunded' ? [] : ['refund_issued']);
    }
  });

  it('holds the slot only while pending, confirmed or active', () => {
    expect(SLOT_HOLDING_STATES).toEqual(['pending', 'confirmed', 'active']);
  });

  it('reads every event as one guarded update: its source states and its single target', () => {
    for (const event of BOOKING_EVENTS) {
      const guard = transitionGuard(event);
      expect(guard.from).toEqual(BOOKING_STATES.filter((state) => transition(state, event).ok));
      for (const state of guard.from) expect(transition(state, event)).toEqual({ ok: true, state: guard.to });
    }
    expect(transitionGuard('end_reached')).toEqual({ from: ['confirmed', 'active'], to: 'completed' });
    expect(transitionGuard('refund_issued')).toEqual({
      from: ['confirmed', 'active', 'completed', 'expired', 'cancelled'],
      to: 'refunded',
    });
  });
});
