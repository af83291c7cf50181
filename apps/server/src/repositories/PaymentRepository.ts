import { and, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { bookings, payments, processedWebhookEvents } from '../db/schema';

export type PaymentRow = typeof payments.$inferSelect;
export type NewPayment = Pick<
  typeof payments.$inferInsert,
  | 'bookingId'
  | 'userId'
  | 'purpose'
  | 'provider'
  | 'providerSessionId'
  | 'amountCents'
  | 'checkoutUrl'
  | 'expiresAt'
  | 'extensionEndsAt'
>;

/**
 * Payments, one row per Checkout Session. The session id is the idempotency key of applying a
 * payment (seed bug 1): `claimPaid` flips a row to `paid` once, and only the caller that flipped it
 * applies the booking change.
 */
export class PaymentRepository {
  constructor(private readonly db: Database) {}

  /** Inserts the row; the same session twice (a retried request) returns the existing row. */
  async create(values: NewPayment): Promise<PaymentRow> {
    const inserted = await this.db.insert(payments).values(values).onConflictDoNothing().returning();
    const row = inserted[0] ?? (await this.findBySession(values.providerSessionId));
    if (!row) throw new Error('payment row neither inserted nor found');
    return row;
  }

  async findBySession(sessionId: string): Promise<PaymentRow | null> {
    const rows = await this.db.select().from(payments).where(eq(payments.providerSessionId, sessionId)).limit(1);
    return rows[0] ?? null;
  }

  async findByPaymentIntent(paymentIntentId: string): Promise<PaymentRow | null> {
    const rows = await this.db
      .select()
      .from(payments)
      .where(eq(payments.providerPaymentIntentId, paymentIntentId))
      .limit(1);
    return rows[0] ?? null;
  }

  /** The open payment page of a booking for this purpose (and extension end), to hand out again. */
  async openFor(bookingId: string, purpose: 'booking' | 'extension', now: Date): Promise<PaymentRow | null> {
    const rows = await this.db
      .select()
      .from(payments)
      .where(
        and(
          eq(payments.bookingId, bookingId),
          eq(payments.purpose, purpose),
          eq(payments.status, 'open'),
          sql`${payments.expiresAt} > ${now}`,
        ),
      )
      .limit(1);
    return rows[0] ?? null;
  }

  async countFor(bookingId: string, purpose: 'booking' | 'extension'): Promise<number> {
    const rows = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(payments)
      .where(and(eq(payments.bookingId, bookingId), eq(payments.purpose, purpose)));
    return rows[0]?.n ?? 0;
  }

  async paidFor(bookingId: string): Promise<PaymentRow[]> {
    return this.db
      .select()
      .from(payments)
      .where(and(eq(payments.bookingId, bookingId), eq(payments.status, 'paid')));
  }

  /** Marks the session paid if it was not already; `null` means someone else applied it first. */
  async claimPaid(sessionId: string, paymentIntentId: string | null, at: Date): Promise<PaymentRow | null> {
    const rows = await this.db
      .update(payments)
      .set({ status: 'paid', paidAt: at, providerPaymentIntentId: paymentIntentId, updatedAt: sql`now()` })
      .where(and(eq(payments.providerSessionId, sessionId), inArray(payments.status, ['open', 'expired', 'failed'])))
      .returning();
    return rows[0] ?? null;
  }

  /**
   * Money kept for nothing, paid before `paidBefore`: a booking payment whose booking was let go
   * (expired hold, cancelled) or an extension that never lengthened its booking. A payment is
   * applied in the same transaction as it is claimed, so these are only the refunds a crash (or a
   * provider outage) left owing; the booking clock sweeps them.
   */
  async owedRefunds(paidBefore: Date, limit = 50): Promise<PaymentRow[]> {
    const rows = await this.db
      .select({ payment: payments })
      .from(payments)
      .innerJoin(bookings, eq(bookings.id, payments.bookingId))
      .where(
        and(
          eq(payments.status, 'paid'),
          lt(payments.paidAt, paidBefore),
          or(
            inArray(bookings.status, ['expired', 'cancelled']),
            and(
              eq(payments.purpose, 'extension'),
              or(isNull(bookings.endsAt), sql`${bookings.endsAt} < ${payments.extensionEndsAt}`),
            ),
          ),
        ),
      )
      .limit(limit);
    return rows.map((r) => r.payment);
  }

  async markUnpaid(sessionId: string, status: 'expired' | 'failed'): Promise<PaymentRow | null> {
    const rows = await this.db
      .update(payments)
      .set({ status, updatedAt: sql`now()` })
      .where(and(eq(payments.providerSessionId, sessionId), eq(payments.status, 'open')))
      .returning();
    return rows[0] ?? null;
  }

  /** Records a refund once; `null` when the row was already refunded. */
  async markRefunded(id: string, refundId: string | null, at: Date): Promise<PaymentRow | null> {
    const rows = await this.db
      .update(payments)
      .set({ status: 'refunded', refundId, refundedAt: at, updatedAt: sql`now()` })
      .where(and(eq(payments.id, id), eq(payments.status, 'paid')))
      .returning();
    return rows[0] ?? null;
  }

  // ── Webhook events handled (de-duplication by event id) ────────────────────────────────────

  async eventSeen(eventId: string): Promise<boolean> {
    const rows = await this.db
      .select({ id: processedWebhookEvents.id })
      .from(processedWebhookEvents)
      .where(eq(processedWebhookEvents.id, eventId))
      .limit(1);
    return rows.length > 0;
  }

  /** Records an event as handled; false when another delivery of it was recorded first. */
  async recordEvent(eventId: string, provider: string, type: string): Promise<boolean> {
    const rows = await this.db
      .insert(processedWebhookEvents)
      .values({ id: eventId, provider, type })
      .onConflictDoNothing()
      .returning({ id: processedWebhookEvents.id });
    return rows.length > 0;
  }
}
