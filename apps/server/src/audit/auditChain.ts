import { createHash, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { canonicalJson } from '@smartlocker/protocol';

/**
 * The hash chain of the audit trail (issue 10, docs/alerts.md §Audit). Each row's `hash` is the
 * SHA-256 of the previous row's hash and of the row's canonical content; the server signs each
 * hash with its Ed25519 key. Editing, deleting or inserting a row breaks a link that anyone with
 * the public key can find (`npm run audit:verify`), and an insider with database access but no
 * private key cannot write a row that verifies.
 */
export const AUDIT_CHAIN = 'audit';
export const GENESIS_HASH = '0'.repeat(64);
/** Signatures cover this prefix and the hash, so an audit signature can never pass for a command's. */
const SIGNATURE_DOMAIN = 'smartlocker-audit:v1:';

/** The columns a row's hash covers: everything but the row's id and its chain columns. */
export interface AuditContent {
  chainSeq: number;
  at: Date;
  actorKind: string;
  actorId: string | null;
  action: string;
  lockerId: string | null;
  subjectUserId: string | null;
  deviceSeq: number | null;
  data: Record<string, unknown>;
}

/**
 * Canonical JSON of the content (keys sorted, no whitespace). `data` goes through JSON first,
 * as jsonb stores it, so a value reads back exactly as it was hashed.
 */
export function canonicalAuditContent(content: AuditContent): string {
  return canonicalJson({
    chain: AUDIT_CHAIN,
    seq: content.chainSeq,
    at: content.at.toISOString(),
    actorKind: content.actorKind,
    actorId: content.actorId,
    action: content.action,
    lockerId: content.lockerId,
    subjectUserId: content.subjectUserId,
    deviceSeq: content.deviceSeq,
    data: JSON.parse(JSON.stringify(content.data)) as unknown,
  });
}

export function chainHash(prevHash: string, content: AuditContent): string {
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalAuditContent(content)}`, 'utf8')
    .digest('hex');
}

/** Whose signature a row carries: the first 16 hex digits of the SHA-256 of the public key (SPKI DER). */
export function auditKeyId(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

export interface AuditSigner {
  readonly keyId: string;
  sign(hash: string): string;
}

export function auditSigner(privateKey: KeyObject): AuditSigner {
  const keyId = auditKeyId(createPublicKey(privateKey));
  return {
    keyId,
    sign: (hash) => sign(null, Buffer.from(`${SIGNATURE_DOMAIN}${hash}`, 'utf8'), privateKey).toString('base64url'),
  };
}

/** The public keys a verifier trusts, by key id. */
export type TrustedAuditKeys = ReadonlyMap<string, KeyObject>;

export function trustedAuditKeys(publicKeys: readonly KeyObject[]): TrustedAuditKeys {
  return new Map(publicKeys.map((key) => [auditKeyId(key), key]));
}

export function verifyAuditSignature(hash: string, sig: string, key: KeyObject): boolean {
  try {
    return verify(null, Buffer.from(`${SIGNATURE_DOMAIN}${hash}`, 'utf8'), key, Buffer.from(sig, 'base64url'));
  } catch {
    return false;
  }
}
