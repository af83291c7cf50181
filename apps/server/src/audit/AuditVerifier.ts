import type { AuditRepository, AuditRow } from '../repositories/AuditRepository';
import { chainHash, GENESIS_HASH, type TrustedAuditKeys, verifyAuditSignature } from './auditChain';

export type BrokenLinkKind =
  | 'unchained_row'
  | 'missing_rows'
  | 'wrong_previous_hash'
  | 'content_changed'
  | 'bad_signature'
  | 'unknown_key'
  | 'head_mismatch';

export interface BrokenLink {
  kind: BrokenLinkKind;
  /** The chain position where the break shows (the row's own, or the one expected). */
  chainSeq: number | null;
  /** The row's id, when a row is at fault. */
  rowId: number | null;
  detail: string;
}

export interface AuditVerification {
  ok: boolean;
  /** Chained rows read and checked. */
  rowsChecked: number;
  /** The chain's end as the last row has it. */
  lastSeq: number;
  lastHash: string;
  /** The first break found in chain order, or null. */
  firstBroken: BrokenLink | null;
  /** Every break found (a rewritten row also breaks its successor's link: both count). */
  problems: number;
  checkedAt: string;
}

/**
 * Walks the audit chain from its first row (issue 10): positions follow one another without a
 * gap, each row names its predecessor's hash, its own hash matches its content, and the server's
 * key signed it. Then the chain's recorded head must be where the rows end. Memory stays flat: the
 * rows come in keyset batches.
 */
export async function verifyAuditChain(
  audit: AuditRepository,
  keys: TrustedAuditKeys,
  options: { batchSize?: number; now?: () => Date } = {},
): Promise<AuditVerification> {
  const batchSize = options.batchSize ?? 1_000;
  let firstBroken: BrokenLink | null = null;
  let problems = 0;
  const broken = (link: BrokenLink) => {
    problems += 1;
    firstBroken ??= link;
  };

  // Rows outside the chain are reported first: an inserted row usually is one.
  const loose = await audit.unchained(1);
  const strayRow = loose[0];

  let expectedSeq = 1;
  let previousHash = GENESIS_HASH;
  let rowsChecked = 0;
  let lastSeq = 0;
  for (;;) {
    const rows = await audit.batchAfter({}, lastSeq, batchSize);
    for (const row of rows) {
      checkRow(row, expectedSeq, previousHash, keys, broken);
      rowsChecked += 1;
      lastSeq = row.chainSeq ?? lastSeq;
      expectedSeq = lastSeq + 1;
      previousHash = row.hash ?? previousHash;
    }
    if (rows.length < batchSize) break;
  }

  const head = await audit.head();
  if (!head) {
    broken({ kind: 'head_mismatch', chainSeq: null, rowId: null, detail: 'the chain has no head row' });
  } else if (head.seq !== lastSeq || (head.seq > 0 && head.hash !== previousHash)) {
    broken({
      kind: head.seq > lastSeq ? 'missing_rows' : 'head_mismatch',
      chainSeq: head.seq > lastSeq ? lastSeq + 1 : head.seq,
      rowId: null,
      detail:
        head.seq > lastSeq
          ? `the chain's head is at ${head.seq} but its rows end at ${lastSeq}: the last rows were removed`
          : `the chain's head (${head.seq}, ${head.hash.slice(0, 12)}…) is not where its rows end (${lastSeq})`,
    });
  }
  if (strayRow) {
    problems += 1;
    firstBroken = {
      kind: 'unchained_row',
      chainSeq: null,
      rowId: strayRow.id,
      detail: `row ${strayRow.id} (${strayRow.action}) has no place in the chain`,
    };
  }
  return {
    ok: problems === 0,
    rowsChecked,
    lastSeq,
    lastHash: previousHash,
    firstBroken,
    problems,
    checkedAt: (options.now?.() ?? new Date()).toISOString(),
  };
}

function checkRow(
  row: AuditRow,
  expectedSeq: number,
  previousHash: string,
  keys: TrustedAuditKeys,
  broken: (link: BrokenLink) => void,
): void {
  const seq = row.chainSeq ?? 0;
  const at = { chainSeq: seq, rowId: row.id };
  if (seq > expectedSeq) {
    broken({
      kind: 'missing_rows',
      chainSeq: expectedSeq,
      rowId: null,
      detail: `rows ${expectedSeq}–${seq - 1} are missing before row ${row.id}`,
    });
  } else if (row.prevHash !== previousHash) {
    broken({ kind: 'wrong_previous_hash', ...at, detail: `row ${row.id} does not name its predecessor's hash` });
  }
  if (row.hash !== chainHash(row.prevHash ?? '', { ...row, chainSeq: seq })) {
    broken({ kind: 'content_changed', ...at, detail: `row ${row.id} no longer matches its hash` });
    return;
  }
  const key = row.keyId ? keys.get(row.keyId) : undefined;
  if (!key) {
    broken({
      kind: 'unknown_key',
      ...at,
      detail: `row ${row.id} is signed by key ${row.keyId ?? '(none)'}, not trusted`,
    });
  } else if (!row.sig || !verifyAuditSignature(row.hash, row.sig, key)) {
    broken({ kind: 'bad_signature', ...at, detail: `row ${row.id}'s signature does not verify` });
  }
}
