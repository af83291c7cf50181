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
    await this.db.insert(auditEvents).values({
      actorKind: entry.actorKind,
      actorId: entry.actorId ?? null,
      action: entry.action,
      lockerId: entry.lockerId ?? null,
      subjectUserId: entry.subjectUserId ?? null,
      data: entry.data ?? {},
      ...(entry.at ? { at: entry.at } : {}),
    });
  }
}
