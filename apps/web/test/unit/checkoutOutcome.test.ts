import { describe, expect, it } from 'vitest';
import {
  checkoutFailureMessage,
  outcomeOfConfirmation,
  outcomeOfUpdate,
} from '../../src/components/booking/checkoutOutcome';
import { at, booking } from './bookingFixtures';

describe('return from Stripe Checkout', () => {
  it('is confirmed at once when the server applied the payment', () => {
    expect(outcomeOfConfirmation(true, booking({ status: 'confirmed' }))).toBe('confirmed');
    expect(outcomeOfConfirmation(true, booking({ status: 'active' }))).toBe('confirmed');
  });

  it('waits for the stream when paid but still pending', () => {
    const pending = booking({ status: 'pending' });
    expect(outcomeOfConfirmation(true, pending)).toBe('waiting');
    expect(outcomeOfUpdate('waiting', pending, booking({ status: 'confirmed' }))).toBe('confirmed');
    expect(outcomeOfUpdate('waiting', pending, pending)).toBe('waiting');
  });

  it('fails for an unknown or unpaid session, and for a refund', () => {
    expect(outcomeOfConfirmation(false, null)).toBe('failed');
    expect(outcomeOfConfirmation(false, booking({ status: 'pending' }))).toBe('failed');
    expect(outcomeOfConfirmation(true, booking({ status: 'refunded', statusReason: 'slot_taken' }))).toBe('failed');
    expect(outcomeOfUpdate('waiting', booking({ status: 'pending' }), booking({ status: 'refunded' }))).toBe('failed');
  });

  it('turns a failure into a confirmation only on evidence that this payment was applied', () => {
    const pending = booking({ status: 'pending' });
    expect(outcomeOfUpdate('failed', pending, booking({ status: 'confirmed' }))).toBe('confirmed');
    // An unpaid extension: the booking going on changing (it ends, say) is no evidence.
    const active = booking({ status: 'active' });
    expect(outcomeOfUpdate('failed', active, { ...active, canOpen: true })).toBe('failed');
    expect(outcomeOfUpdate('failed', active, { ...active, endsAt: new Date(at(13)).toISOString() })).toBe('confirmed');
  });

  it('explains each failure in French', () => {
    expect(checkoutFailureMessage(false, null)).toBe("Ce paiement est introuvable ou n'a pas abouti.");
    expect(checkoutFailureMessage(true, booking({ status: 'refunded', statusReason: 'locker_unavailable' }))).toBe(
      "Réservation remboursée : le casier n'est plus disponible",
    );
    expect(checkoutFailureMessage(false, booking({ status: 'pending' }))).toContain("Le paiement n'a pas abouti");
  });
});
