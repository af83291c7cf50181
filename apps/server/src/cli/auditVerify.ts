import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type AuditVerification, verifyAuditChain } from '../audit/AuditVerifier';
import { auditSigner, trustedAuditKeys } from '../audit/auditChain';
import { loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { DataDirLockedError } from '../db/lockfile';
import { AuditRepository } from '../repositories/AuditRepository';
import { loadSecrets } from '../secrets';

const USAGE = `npm run audit:verify [-- options]

Walks the audit trail's hash chain from its first row (docs/alerts.md): every row in its place,
naming its predecessor's hash, matching its own hash, signed by the server's key. Prints the rows
checked and the first broken link; exits 0 when the chain is whole, 1 when a link is broken, 2 when
it cannot run. It reads the same configuration as the server (DATABASE_URL, DATA_DIR,
COMMAND_SIGNING_KEY_FILE); with the embedded database, stop the server first (or read the same
check in the admin panel, GET /api/admin/audit/verify).

Options:
      --trust-key <file>   also trust this Ed25519 public key (PEM), e.g. a key used before a rotation
      --expect-head <seq>:<hash>
                           also check that the chain still holds this row as noted earlier
      --json               print the result as JSON
  -h, --help
`;

async function main(): Promise<number> {
  let values: { 'trust-key'?: string[]; 'expect-head'?: string; json?: boolean; help?: boolean };
  try {
    values = parseArgs({
      options: {
        'trust-key': { type: 'string', multiple: true },
        'expect-head': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const expectHead = values['expect-head'] ? /^(\d+):([0-9a-f]{64})$/.exec(values['expect-head']) : null;
  if (values['expect-head'] && !expectHead) {
    process.stderr.write('--expect-head: <seq>:<64 hex digits>, as an earlier run printed it\n');
    return 2;
  }
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`configuration problems:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  const secrets = loadSecrets(loaded.config);
  const keys: KeyObject[] = [createPublicKey(secrets.commandPrivateKey)];
  for (const file of values['trust-key'] ?? []) keys.push(createPublicKey(readFileSync(file, 'utf8')));

  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase(loaded.config.database);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      process.stderr.write(`${error.message}\nStop the server, or read the check in the admin panel.\n`);
      return 2;
    }
    throw error;
  }
  try {
    const audit = new AuditRepository(database.db, auditSigner(secrets.commandPrivateKey));
    const result = await verifyAuditChain(audit, trustedAuditKeys(keys));
    let anchored: boolean | null = null;
    if (expectHead) {
      const [row] = await audit.batchAfter({}, Number(expectHead[1]) - 1, 1);
      anchored = row?.chainSeq === Number(expectHead[1]) && row.hash === expectHead[2];
    }
    report(result, anchored, values.json ?? false);
    return result.ok && anchored !== false ? 0 : 1;
  } finally {
    await database.close();
  }
}

function report(result: AuditVerification, anchored: boolean | null, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify({ ...result, anchored })}\n`);
    return;
  }
  const lines = [`audit chain: ${result.rowsChecked} row(s) checked`];
  if (result.firstBroken) {
    lines.push(
      `BROKEN: ${result.problems} problem(s); the first at ${
        result.firstBroken.chainSeq === null
          ? `row ${result.firstBroken.rowId}`
          : `position ${result.firstBroken.chainSeq}`
      } (${result.firstBroken.kind}): ${result.firstBroken.detail}`,
    );
  } else {
    lines.push(`whole: every row in place, matching its hash, signed by a trusted key`);
  }
  if (anchored !== null)
    lines.push(anchored ? 'the expected row is still in the chain' : 'BROKEN: the expected row is gone or changed');
  // The head, to note somewhere else: a later run can check it is still there (--expect-head).
  lines.push(`head: ${result.lastSeq}:${result.lastHash}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit:verify failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
