import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RunningAgent } from '@smartlocker/agent';
import { and, eq, sql } from 'drizzle-orm';
import { expect, vi } from 'vitest';
import { CommandInDoubtError, type LockerGateway } from '../../../src/broker/LockerGateway';
import type { Database } from '../../../src/db/database';
import { auditEvents, lockers } from '../../../src/db/schema';

/**
 * What every fault scenario checks once the fault is over (issue 14):
 * - the server's view of the locker converged with the locker's own within 5 s;
 * - every command the locker decided has exactly one acknowledgement recorded (none lost, none
 *   twice), and no open moved the relay more than once;
 * - every device event the scenario caused is recorded once, in the order it happened;
 * - no booking or payment half-applied, no paid booking lost.
 */
export const CONVERGENCE_MS = 5_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Waits until the server's row says what the locker says; returns how long it took. */
export async function expectConverged(
  db: Database,
  agent: RunningAgent,
  since = Date.now(),
  withinMs = CONVERGENCE_MS,
): Promise<number> {
  const deadline = since + withinMs;
  let last = '';
  for (;;) {
    const [row] = await db.select().from(lockers).where(eq(lockers.id, agent.lockerId));
    const device = agent.snapshot();
    const server = { online: row?.online, door: row?.door, lock: row?.lock, lockdown: row?.lockdownUntil !== null };
    const local = { online: device.connected, door: device.door, lock: device.lock, lockdown: device.lockdown.active };
    last = JSON.stringify({ server, local });
    if (device.connected && JSON.stringify(server) === JSON.stringify(local)) return Date.now() - since;
    if (Date.now() > deadline) throw new Error(`${agent.lockerId} did not converge within ${withinMs} ms: ${last}`);
    await sleep(25);
  }
}

/**
 * Records every command sent through `gateway.sendCommand` from now on, the ones the server sends
 * of its own accord included (a `report_state` when a heartbeat names a state report that was
 * lost on the way, docs/protocol.md §7 step 7): the returned function gives their ids, with those
 * of the commands in doubt (withdrawn unconfirmed, but they may have reached the broker).
 */
export function recordSentCommands(gateway: LockerGateway): () => Promise<string[]> {
  const sends = vi.spyOn(gateway, 'sendCommand');
  return async () =>
    (await Promise.allSettled(sends.mock.results.map((result) => result.value))).flatMap((settled) => {
      if (settled.status === 'fulfilled') return [settled.value.commandId];
      return settled.reason instanceof CommandInDoubtError ? [settled.reason.commandId] : [];
    });
}

interface LedgerEntry {
  id: string;
  type: string;
  outcome: 'accepted' | 'refused';
  reason?: string;
}

/** The commands the locker decided, from its own disk (CommandLedger). */
export function agentLedger(stateDir: string): LedgerEntry[] {
  try {
    return JSON.parse(readFileSync(join(stateDir, 'command-outcomes.json'), 'utf8')) as LedgerEntry[];
  } catch {
    return [];
  }
}

/**
 * Each command the locker decided is acknowledged on the server exactly once (its first answer;
 * a later `duplicate: true` answer is a separate record), and the relay moved once per accepted
 * open, never twice for one.
 */
export async function expectCommandsAccountedFor(
  db: Database,
  lockerId: string,
  ledger: LedgerEntry[],
  relayPulses: number,
): Promise<void> {
  const rows = await db
    .select({ action: auditEvents.action, data: auditEvents.data })
    .from(auditEvents)
    .where(and(eq(auditEvents.lockerId, lockerId), sql`${auditEvents.action} like 'command.%'`));
  const firstAnswers = new Map<string, string[]>();
  for (const row of rows) {
    if (row.data.duplicate === true) continue;
    const id = String(row.data.commandId);
    firstAnswers.set(id, [...(firstAnswers.get(id) ?? []), row.action]);
  }
  for (const entry of ledger) {
    expect(firstAnswers.get(entry.id), `the acknowledgement of ${entry.type} ${entry.id}`).toEqual([
      `command.${entry.outcome}`,
    ]);
  }
  const results = await db
    .select({ commandId: sql<string>`${auditEvents.data}->>'commandId'`, n: sql<number>`count(*)`.mapWith(Number) })
    .from(auditEvents)
    .where(and(eq(auditEvents.lockerId, lockerId), eq(auditEvents.action, 'device.open_result')))
    .groupBy(sql`${auditEvents.data}->>'commandId'`);
  for (const result of results) expect(result.n, `open results of ${result.commandId}`).toBe(1);
  const acceptedOpens = ledger.filter((e) => e.type === 'open' && e.outcome === 'accepted').length;
  expect(relayPulses).toBe(acceptedOpens);
}

/** The locker's first answer to a command, as the server recorded it (none yet: null). */
export async function recordedAnswer(
  db: Database,
  lockerId: string,
  commandId: string,
): Promise<{ outcome: string; reason: string | null } | null> {
  const rows = await db
    .select({ action: auditEvents.action, data: auditEvents.data })
    .from(auditEvents)
    .where(
      and(
        eq(auditEvents.lockerId, lockerId),
        sql`${auditEvents.action} like 'command.%'`,
        sql`${auditEvents.data}->>'commandId' = ${commandId}`,
      ),
    )
    .orderBy(auditEvents.id)
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  return { outcome: row.action.slice('command.'.length), reason: (row.data.reason as string | null) ?? null };
}

/** The device events of these types recorded for the locker, in the order the server recorded them. */
export async function recordedEvents(db: Database, lockerId: string, types: string[]) {
  const rows = await db
    .select({ action: auditEvents.action, seq: auditEvents.deviceSeq, id: auditEvents.id })
    .from(auditEvents)
    .where(and(eq(auditEvents.lockerId, lockerId), sql`${auditEvents.action} like 'device.%'`))
    .orderBy(auditEvents.id);
  return rows.filter((r) => types.includes(r.action.slice('device.'.length)));
}

/**
 * Bookings and payments: a confirmed (or later) school booking has a paid payment; a paid
 * payment belongs to a booking that is confirmed, running, over or refunded — never to one still
 * waiting or let go without its refund.
 */
export async function expectPaymentsConsistent(db: Database): Promise<void> {
  const halfApplied = await db.execute<{ id: string; status: string; payment: string | null }>(sql`
    SELECT b.id, b.status, p.status AS payment
    FROM bookings b
    LEFT JOIN payments p ON p.booking_id = b.id AND p.purpose = 'booking' AND p.status IN ('paid', 'refunded')
    WHERE b.kind = 'school_booking'
      AND ((b.status IN ('confirmed', 'active', 'completed') AND p.id IS NULL)
        OR (b.status IN ('pending', 'expired', 'cancelled') AND p.status = 'paid'))`);
  expect((halfApplied as unknown as { rows: unknown[] }).rows, 'bookings and payments out of step').toEqual([]);
}
