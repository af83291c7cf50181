import { and, eq } from 'drizzle-orm';
import type { Database } from '../db/database';
import { pushSubscriptions } from '../db/schema';

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;

/** The browsers a person turned push reminders on in. */
export class PushRepository {
  constructor(private readonly db: Database) {}

  /** One row per endpoint: a browser subscribing again (or for another account) replaces its row. */
  async save(userId: string, endpoint: string, keys: { p256dh: string; auth: string }): Promise<string> {
    const rows = await this.db
      .insert(pushSubscriptions)
      .values({ userId, endpoint, ...keys })
      .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: { userId, ...keys } })
      .returning({ id: pushSubscriptions.id });
    const id = rows[0]?.id;
    if (!id) throw new Error('push subscription not saved');
    return id;
  }

  async remove(userId: string, endpoint: string): Promise<void> {
    await this.db
      .delete(pushSubscriptions)
      .where(and(eq(pushSubscriptions.userId, userId), eq(pushSubscriptions.endpoint, endpoint)));
  }

  /** The push service said the subscription is gone (404/410). */
  async forget(endpoint: string): Promise<void> {
    await this.db.delete(pushSubscriptions).where(eq(pushSubscriptions.endpoint, endpoint));
  }

  async listFor(userId: string): Promise<PushSubscriptionRow[]> {
    return this.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.userId, userId));
  }
}
