import { execFile } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { asc, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseBackends } from '../../../../test-support/backends';
import { type ScratchDatabase, scratchDatabase } from '../../../../test-support/databases';
import { verifyAuditChain } from '../../src/audit/AuditVerifier';
import { auditSigner, trustedAuditKeys } from '../../src/audit/auditChain';
import { loadConfig } from '../../src/config';
import { type OpenDatabase, openDatabase } from '../../src/db/database';
import { auditEvents } from '../../src/db/schema';
import { AuditRepository } from '../../src/repositories/AuditRepository';
import { loadSecrets } from '../../src/secrets';

/**
 * The hash-chained audit trail (issue 10): append-only in the database, one unbroken chain under
 * concurrent writers, and every edit, deletion or insertion found by `npm run audit:verify`.
 */
const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const run = promisify(execFile);

interface Verified {
  code: number;
  out: string;
}

/** Runs `npm run audit:verify` as an operator would, with the server's configuration. */
async function auditVerify(env: Record<string, string>): Promise<Verified> {
  try {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'apps/server/src/cli/auditVerify.ts'], {
      cwd: repoRoot,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, out: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe.each(databaseBackends())('the audit chain on $name', (backend) => {
  let scratch: ScratchDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let database: OpenDatabase;
  let audit: AuditRepository;
  let keys: ReturnType<typeof trustedAuditKeys>;

  /** Opens the suite's database the way the server does (PGlite on disk, so the CLI can open it too). */
  async function open(): Promise<void> {
    database = await openDatabase(
      scratch.target.kind === 'postgres' ? scratch.target : { kind: 'pglite', dir: join(dataDir, 'pglite') },
    );
    const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: dataDir });
    if (!config.ok) throw new Error(config.problems.join('\n'));
    const secrets = loadSecrets(config.config);
    audit = new AuditRepository(database.db, auditSigner(secrets.commandPrivateKey));
    keys = trustedAuditKeys([createPublicKey(secrets.commandPrivateKey)]);
  }

  /** The CLI needs the database to itself when it is PGlite: close, run, reopen. */
  async function verifyWithCli(): Promise<Verified> {
    await database.close();
    try {
      return await auditVerify(env);
    } finally {
      await open();
    }
  }

  async function tamper(statement: ReturnType<typeof sql>): Promise<void> {
    // What an insider with database access does: switch the append-only trigger off, change rows.
    await database.db.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
    try {
      await database.db.execute(statement);
    } finally {
      await database.db.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    }
  }

  async function chainSeqs(): Promise<number[]> {
    const rows = await database.db
      .select({ seq: auditEvents.chainSeq })
      .from(auditEvents)
      .orderBy(asc(auditEvents.chainSeq));
    return rows.map((r) => r.seq ?? -1);
  }

  beforeAll(async () => {
    scratch = await scratchDatabase(backend);
    dataDir = mkdtempSync(join(tmpdir(), 'smartlocker-audit-'));
    env = {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      ...(scratch.target.kind === 'postgres' ? { DATABASE_URL: scratch.target.url } : {}),
    };
    await open();
  });
  afterAll(async () => {
    await database?.close();
    await scratch?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('seals rows written before the chain existed, then keeps out a row slipped in later', async () => {
    // Rows of an earlier version: written without any chain column.
    await database.db.insert(auditEvents).values([
      { actorKind: 'system', action: 'legacy.one', at: new Date('2026-01-01T10:00:00Z') },
      { actorKind: 'user', actorId: 'u-1', action: 'legacy.two', data: { n: 2 } },
    ]);
    expect(await audit.sealUnchained()).toBe(2);
    expect(await audit.sealUnchained()).toBe(0);
    expect(await chainSeqs()).toEqual([1, 2]);
    expect(await verifyAuditChain(audit, keys)).toMatchObject({ ok: true, rowsChecked: 2, problems: 0 });
  });

  it('keeps one unbroken chain under 200 concurrent audited actions', async () => {
    const before = (await audit.head())?.seq ?? 0;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        audit.record({
          actorKind: i % 3 === 0 ? 'system' : 'user',
          actorId: i % 3 === 0 ? null : `user-${i % 7}`,
          action: 'test.concurrent',
          data: { i, note: 'é"\n', nested: { b: [1, 2.5, null], a: true } },
        }),
      ),
    );
    const seqs = await chainSeqs();
    expect(seqs).toEqual(Array.from({ length: before + 200 }, (_, i) => i + 1));
    expect(await audit.head()).toMatchObject({ seq: before + 200 });
    const result = await verifyAuditChain(audit, keys, { batchSize: 37 });
    expect(result).toMatchObject({ ok: true, rowsChecked: before + 200, problems: 0, firstBroken: null });

    const cli = await verifyWithCli();
    expect(cli.code).toBe(0);
    expect(cli.out).toContain(`audit chain: ${before + 200} row(s) checked`);
    expect(cli.out).toContain('whole');
  });

  it('refuses to change or remove a row (the trail is append-only)', async () => {
    await expect(database.db.execute(sql`UPDATE audit_events SET action = 'x' WHERE chain_seq = 3`)).rejects.toThrow();
    await expect(database.db.execute(sql`DELETE FROM audit_events WHERE chain_seq = 3`)).rejects.toThrow();
    await expect(database.db.execute(sql`TRUNCATE audit_events`)).rejects.toThrow();
    expect((await verifyAuditChain(audit, keys)).ok).toBe(true);
  });

  it('finds an edited row, and says which one', async () => {
    const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.chainSeq, 10));
    await tamper(sql`UPDATE audit_events SET data = '{"i": 999}'::jsonb WHERE chain_seq = 10`);
    const cli = await verifyWithCli();
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/BROKEN: \d+ problem\(s\); the first at position 10 \(content_changed\)/);
    // Put back as it was: the chain verifies again.
    await tamper(sql`UPDATE audit_events SET data = ${JSON.stringify(row?.data)}::jsonb WHERE chain_seq = 10`);
    expect((await verifyAuditChain(audit, keys)).ok).toBe(true);
  });

  it('finds a row edited with its hash recomputed: the signature no longer matches', async () => {
    const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.chainSeq, 20));
    if (!row) throw new Error('no row 20');
    const { chainHash } = await import('../../src/audit/auditChain');
    const forged = chainHash(row.prevHash ?? '', { ...row, chainSeq: 20, actorId: 'someone-else' });
    await tamper(sql`UPDATE audit_events SET actor_id = 'someone-else', hash = ${forged} WHERE chain_seq = 20`);
    const result = await verifyAuditChain(audit, keys);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ kind: 'bad_signature', chainSeq: 20 });
    await tamper(sql`UPDATE audit_events SET actor_id = ${row.actorId}, hash = ${row.hash} WHERE chain_seq = 20`);
    expect((await verifyAuditChain(audit, keys)).ok).toBe(true);
  });

  it('finds a deleted row', async () => {
    await tamper(sql`DELETE FROM audit_events WHERE chain_seq = 42`);
    const cli = await verifyWithCli();
    expect(cli.code).toBe(1);
    expect(cli.out).toContain('the first at position 42 (missing_rows)');
  });

  it('finds an inserted row, with or without a place in the chain', async () => {
    const head = await audit.head();
    await tamper(
      sql`INSERT INTO audit_events (actor_kind, action, chain_seq, prev_hash, hash) VALUES ('admin', 'forged.row', ${(head?.seq ?? 0) + 1}, ${head?.hash ?? ''}, ${'f'.repeat(64)})`,
    );
    await tamper(sql`INSERT INTO audit_events (actor_kind, action) VALUES ('admin', 'forged.unchained')`);
    // A later start-up does not adopt the stray row into the chain.
    expect(await audit.sealUnchained()).toBe(0);
    const result = await verifyAuditChain(audit, keys);
    expect(result.ok).toBe(false);
    expect(result.firstBroken).toMatchObject({ kind: 'unchained_row' });
    expect(result.problems).toBeGreaterThanOrEqual(3);
    const cli = await verifyWithCli();
    expect(cli.code).toBe(1);
    expect(cli.out).toContain('has no place in the chain');
  });
});
