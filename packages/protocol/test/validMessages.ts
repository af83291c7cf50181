import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import {
  type ChannelPayload,
  type DeviceEvent,
  type DeviceEventType,
  hashBadge,
  type UnsignedCommand,
  type UnsignedDeviceConfig,
} from '../src/index';

/** A fixed instant (2025-01-15T10:00:00Z) so that every fixture is reproducible. */
export const NOW = Date.UTC(2025, 0, 15, 10, 0, 0);
export const LOCKER = 'ECOLE_01';

let counter = 0;
/** A fresh message id: 8 to 64 characters, unique within a test run. */
export function nextId(prefix = 'msg'): string {
  counter += 1;
  return `${prefix}-${counter.toString().padStart(8, '0')}`;
}

export function unsignedCommand(overrides: Partial<UnsignedCommand> = {}): UnsignedCommand {
  return {
    v: 1,
    id: nextId('cmd'),
    lockerId: LOCKER,
    ts: NOW,
    type: 'open',
    issuedAt: NOW,
    expiresAt: NOW + 10_000,
    origin: { kind: 'user', ref: 'booking-42' },
    ...overrides,
  };
}

/** Two administrator badges of ECOLE_01, as the server sends them: hashed, never raw UIDs. */
export const ADMIN_BADGE_UIDS = ['04A1B2C3D4', '04:5E:6F:70'] as const;

export function unsignedDeviceConfig(overrides: Partial<UnsignedDeviceConfig> = {}): UnsignedDeviceConfig {
  return {
    v: 1,
    id: nextId('cfg'),
    lockerId: LOCKER,
    ts: NOW,
    issuedAt: NOW,
    adminBadges: ADMIN_BADGE_UIDS.map((uid) => hashBadge(LOCKER, uid)),
    ...overrides,
  };
}

const deviceEnvelope = (seq: number) => ({ v: 1 as const, id: nextId('dev'), lockerId: LOCKER, ts: NOW, seq });

/** One valid message of every device→server channel. */
export function deviceMessages(): Omit<ChannelPayload, 'cmd' | 'config'> {
  return {
    ack: {
      ...deviceEnvelope(1),
      commandId: 'cmd-00000001',
      commandType: 'open',
      outcome: 'refused',
      reason: 'lockdown',
      duplicate: false,
    },
    state: {
      ...deviceEnvelope(2),
      door: 'closed',
      lock: 'locked',
      lockdown: { active: false, until: null },
      objectPresent: true,
      distanceCm: 12.5,
    },
    event: { ...deviceEnvelope(3), type: 'door_closed' },
    heartbeat: {
      ...deviceEnvelope(4),
      uptimeS: 3600,
      firmware: 'smartlocker-agent 0.1.0',
      counters: { opens: 12, relayCycles: 12, alerts: 0 },
    },
    presence: { ...deviceEnvelope(5), distanceCm: 42.3, objectPresent: false },
    status: { ...deviceEnvelope(6), online: true, reason: 'connected', firmware: 'smartlocker-agent 0.1.0' },
  };
}

/** One valid event of every DeviceEvent variant, keyed by its type (the record makes a missing one a type error). */
export function everyEvent(): { [T in DeviceEventType]: Extract<DeviceEvent, { type: T }> } {
  return {
    door_opened: { ...deviceEnvelope(10), type: 'door_opened', legitimate: true },
    door_closed: { ...deviceEnvelope(11), type: 'door_closed' },
    open_result: { ...deviceEnvelope(12), type: 'open_result', commandId: 'cmd-00000001', result: 'opened' },
    open_refused: { ...deviceEnvelope(13), type: 'open_refused', commandId: null, reason: 'rate_limited' },
    intrusion: { ...deviceEnvelope(14), type: 'intrusion', count: 2 },
    lockdown_started: { ...deviceEnvelope(15), type: 'lockdown_started', until: NOW + 5 * 60_000 },
    lockdown_ended: { ...deviceEnvelope(16), type: 'lockdown_ended', by: 'badge' },
    door_left_open: {
      ...deviceEnvelope(17),
      type: 'door_left_open',
      openForS: 120,
      reminder: 3,
      escalated: true,
    },
    badge: { ...deviceEnvelope(18), type: 'badge', known: true, badgeHash: 'sha256:3f1c0a' },
    relay_fault: { ...deviceEnvelope(19), type: 'relay_fault', phase: 'release', recovered: false },
  };
}

/**
 * RFC 8032 §7.1, TEST 1: a published Ed25519 key pair, so documentation examples can carry a
 * signature anyone can check. It signs nothing real: never provision it on a locker.
 */
export const RFC8032_TEST1 = {
  secretKeyHex: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
  publicKeyHex: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  emptyMessageSignatureHex:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
} as const;

// DER prefixes of an Ed25519 PKCS#8 private key and SPKI public key (RFC 8410 §7 and §4).
const PKCS8_ED25519_PREFIX = '302e020100300506032b657004220420';
const SPKI_ED25519_PREFIX = '302a300506032b6570032100';

export function rfc8032PrivateKey(): KeyObject {
  return createPrivateKey({
    key: Buffer.from(PKCS8_ED25519_PREFIX + RFC8032_TEST1.secretKeyHex, 'hex'),
    format: 'der',
    type: 'pkcs8',
  });
}

export function rfc8032PublicKey(): KeyObject {
  return createPublicKey({
    key: Buffer.from(SPKI_ED25519_PREFIX + RFC8032_TEST1.publicKeyHex, 'hex'),
    format: 'der',
    type: 'spki',
  });
}
