import { and, asc, desc, eq, gte, isNotNull, isNull, like, lt, lte, min, type SQL, sql } from 'drizzle-orm';
import { AUDIT_CHAIN, type AuditSigner, chainHash } from '../audit/auditChain';
import type { Database } from '../db/database';
import { type actorKind, auditChainHeads, auditEvents } from '../db/schema';

export type AuditRow = typeof auditEvents.$inferSelect;
export type ActorKind = (typeof actorKind.enumValues)[number];

export interface AuditEntry {
  actorKind: ActorKind;
  actorId?: string | null;
  action: string;
  lockerId?: string | null;
  subjectUserId?: string | null;
  data?: Record<string, unknown>;
  at?: Date;
}

/** What an administrator filters the trail by (GET /api/admin/audit). */
export interface AuditFilter {
  /** An exact action (`locker.open_requested`) or a family ending in `.` (`alert.`). */
  action?: string;
  actorKind?: ActorKind;
  actorId?: string;
  lockerId?: string;
  subjectUserId?: string;
  from?: Date;
  to?: Date;
}

/**
 * The append-only, hash-chained audit trail (SPEC §12, issue 10). Every append locks the chain's
 * head row, so writers on any number of connections and instances take turns and the chain never
 * forks; the row, its hash and signature and the new head are one transaction.
 */
export class AuditRepository {
  constructor(
    private readonly db: Database,
    private readonly signer: AuditSigner,
  ) {}

  /** The same trail written inside a caller's transaction: its rows commit or vanish with the rest. */
  within(tx: Database): AuditRepository {
    return new AuditRepository(tx, this.signer);
  }

  async record(entry: AuditEntry): Promise<void> {
    await this.#append(entry, null);
  }

  /**
   * Records a device message once: the unique (locker_id, device_seq) index turns a redelivery
   * into a no-op that leaves the chain as it was. False means it had already been recorded.
   */
  async recordDeviceMessage(entry: AuditEntry & { lockerId: string; deviceSeq: number }): Promise<boolean> {
    return this.#append(entry, entry.deviceSeq);
  }

  async #append(entry: AuditEntry, deviceSeq: number | null): Promise<boolean> {
    // The hash covers the instant as the database gives it back: whole milliseconds, set here.
    const at = new Date(Math.floor((entry.at ?? new Date()).getTime()));
    return this.db.transaction(async (tx) => {
      const head = await lockHead(tx);
      const content = {
        chainSeq: head.seq + 1,
        at,
        actorKind: entry.actorKind,
        actorId: entry.actorId ?? null,
        action: entry.action,
        lockerId: entry.lockerId ?? null,
        subjectUserId: entry.subjectUserId ?? null,
        deviceSeq,
        data: entry.data ?? {},
      };
      const hash = chainHash(head.hash, content);
      const inserted = await tx
        .insert(auditEvents)
        .values({
          ...content,
          prevHash: head.hash,
          hash,
          sig: this.signer.sign(hash),
          keyId: this.signer.keyId,
        })
        .onConflictDoNothing({
          target: [auditEvents.lockerId, auditEvents.deviceSeq],
          where: sql`${auditEvents.deviceSeq} IS NOT NULL`,
        })
        .returning({ id: auditEvents.id });
      if (inserted.length === 0) return false;
      await tx
        .update(auditChainHeads)
        .set({ seq: content.chainSeq, hash, updatedAt: at })
        .where(eq(auditChainHeads.chain, AUDIT_CHAIN));
      return true;
    });
  }

  /**
   * Chains the rows written before the chain existed (an upgraded database), in the order they
   * were written. Only rows older than the first chained row qualify: a row slipped in later
   * without a hash stays out of the chain, and `audit:verify` reports it.
   */
  async sealUnchained(batchSize = 500): Promise<number> {
    let sealed = 0;
    for (;;) {
      const count = await this.db.transaction(async (tx) => {
        let head = await lockHead(tx);
        const [firstChained] = await tx
          .select({ id: min(auditEvents.id) })
          .from(auditEvents)
          .where(isNotNull(auditEvents.chainSeq));
        const before = firstChained?.id ?? null;
        const rows = await tx
          .select()
          .from(auditEvents)
          .where(and(isNull(auditEvents.chainSeq), before === null ? undefined : lt(auditEvents.id, before)))
          .orderBy(asc(auditEvents.id))
          .limit(batchSize);
        if (before !== null && rows.length > 0 && head.seq === 0) {
          throw new Error('audit chain head is at 0 although chained rows exist');
        }
        for (const row of rows) {
          const content = { ...row, chainSeq: head.seq + 1 };
          const hash = chainHash(head.hash, content);
          await tx
            .update(auditEvents)
            .set({
              chainSeq: content.chainSeq,
              prevHash: head.hash,
              hash,
              sig: this.signer.sign(hash),
              keyId: this.signer.keyId,
            })
            .where(eq(auditEvents.id, row.id));
          head = { seq: content.chainSeq, hash };
        }
        if (rows.length > 0) {
          await tx
            .update(auditChainHeads)
            .set({ seq: head.seq, hash: head.hash, updatedAt: new Date() })
            .where(eq(auditChainHeads.chain, AUDIT_CHAIN));
        }
        return rows.length;
      });
      sealed += count;
      if (count < batchSize) return sealed;
    }
  }

  /** One page, newest first; `beforeSeq` continues after the last row of the previous page. */
  async page(filter: AuditFilter, limit: number, beforeSeq?: number): Promise<AuditRow[]> {
    const conditions = [...filterConditions(filter), isNotNull(auditEvents.chainSeq)];
    if (beforeSeq !== undefined) conditions.push(lt(auditEvents.chainSeq, beforeSeq));
    return this.db
      .select()
      .from(auditEvents)
      .where(and(...conditions))
      .orderBy(desc(auditEvents.chainSeq))
      .limit(limit);
  }

  /** Rows in chain order from `afterSeq` (exclusive), for the CSV export and the verifier. */
  async batchAfter(filter: AuditFilter, afterSeq: number, limit: number): Promise<AuditRow[]> {
    return this.db
      .select()
      .from(auditEvents)
      .where(and(...filterConditions(filter), sql`${auditEvents.chainSeq} > ${afterSeq}`))
      .orderBy(asc(auditEvents.chainSeq))
      .limit(limit);
  }

  /** Rows that have no place in the chain (never sealed, or slipped in without a hash). */
  async unchained(limit: number): Promise<AuditRow[]> {
    return this.db
      .select()
      .from(auditEvents)
      .where(isNull(auditEvents.chainSeq))
      .orderBy(asc(auditEvents.id))
      .limit(limit);
  }

  async head(): Promise<{ seq: number; hash: string } | null> {
    const [row] = await this.db
      .select({ seq: auditChainHeads.seq, hash: auditChainHeads.hash })
      .from(auditChainHeads)
      .where(eq(auditChainHeads.chain, AUDIT_CHAIN));
    return row ?? null;
  }
}

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

async function lockHead(tx: Transaction): Promise<{ seq: number; hash: string }> {
  const [head] = await tx
    .select({ seq: auditChainHeads.seq, hash: auditChainHeads.hash })
    .from(auditChainHeads)
    .where(eq(auditChainHeads.chain, AUDIT_CHAIN))
    .for('update');
  if (!head) throw new Error(`audit chain "${AUDIT_CHAIN}" has no head row (migration 0008 creates it)`);
  return head;
}

function filterConditions(filter: AuditFilter): SQL[] {
  const conditions: SQL[] = [];
  if (filter.action) {
    conditions.push(
      filter.action.endsWith('.')
        ? like(auditEvents.action, `${filter.action.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)
        : eq(auditEvents.action, filter.action),
    );
  }
  if (filter.actorKind) conditions.push(eq(auditEvents.actorKind, filter.actorKind));
  if (filter.actorId) conditions.push(eq(auditEvents.actorId, filter.actorId));
  if (filter.lockerId) conditions.push(eq(auditEvents.lockerId, filter.lockerId));
  if (filter.subjectUserId) conditions.push(eq(auditEvents.subjectUserId, filter.subjectUserId));
  if (filter.from) conditions.push(gte(auditEvents.at, filter.from));
  if (filter.to) conditions.push(lte(auditEvents.at, filter.to));
  return conditions;
}
