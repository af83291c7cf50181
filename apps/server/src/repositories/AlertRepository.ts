import { desc, eq } from 'drizzle-orm';
import type { Database } from '../db/database';
import { type alertSeverity, alerts } from '../db/schema';

export type AlertRow = typeof alerts.$inferSelect;
export type AlertSeverity = (typeof alertSeverity.enumValues)[number];

export class AlertRepository {
  constructor(private readonly db: Database) {}

  async create(alert: {
    lockerId: string;
    type: string;
    severity: AlertSeverity;
    message: string;
    data?: Record<string, unknown>;
    at?: Date;
  }): Promise<AlertRow> {
    const rows = await this.db
      .insert(alerts)
      .values({
        lockerId: alert.lockerId,
        type: alert.type,
        severity: alert.severity,
        message: alert.message,
        data: alert.data ?? {},
        ...(alert.at ? { createdAt: alert.at } : {}),
      })
      .returning();
    const row = rows[0];
    if (!row) throw new Error('insert returned no row');
    return row;
  }

  async recentForLocker(lockerId: string, limit = 20): Promise<AlertRow[]> {
    return this.db
      .select()
      .from(alerts)
      .where(eq(alerts.lockerId, lockerId))
      .orderBy(desc(alerts.createdAt))
      .limit(limit);
  }
}
