import { sql } from 'drizzle-orm';
import type { Database } from '../db/database';
import { type actorKind, auditEvents } from '../db/schema';

export interface AuditEntry {
  actorKind: (typeof actorKind.enumValues)[number];
  actorId?: string | null;
  action: string;
  lockerId?: string | null;
  subjectUserId?: string | null;
  data?: Record<string, unknown>;
  at?: Date;
}

/** The append-only audit trail (SPEC §12): every open, alert and administrator action. */
export class AuditRepository {
  constructor(private readonly db: Database) {}

  async record(entry: AuditEntry): Promise<void> {
    await this.db.insert(auditEvents).values(this.#row(entry));
  }

  /**
   * Records a device message once: the unique (locker_id, device_seq) index turns a redelivery
   * into a no-op. False means the message had already been recorded.
   */
  async recordDeviceMessage(entry: AuditEntry & { lockerId: string; deviceSeq: number }): Promise<boolean> {
    const rows = await this.db
      .insert(auditEvents)
      .values({ ...this.#row(entry), deviceSeq: entry.deviceSeq })
      .onConflictDoNothing({
        target: [auditEvents.lockerId, auditEvents.deviceSeq],
        where: sql`${auditEvents.deviceSeq} IS NOT NULL`,
      })
      .returning({ id: auditEvents.id });
    return rows.length > 0;
  }

  #row(entry: AuditEntry) {
    return {
      actorKind: entry.actorKind,
      actorId: entry.actorId ?? null,
      action: entry.action,
      lockerId: entry.lockerId ?? null,
      subjectUserId: entry.subjectUserId ?? null,
      data: entry.data ?? {},
      ...(entry.at ? { at: entry.at } : {}),
    };
  }
}
