import { z } from 'zod';
import { LOCKER_ID_PATTERN, PROTOCOL_VERSION } from './topics';

/**
 * Every message of protocol v1. All times are UTC instants in milliseconds since the epoch.
 * Device → server messages carry `seq`: a per-device counter, strictly increasing across the
 * device's whole life (kept on disk by the agent), so the server can drop duplicates that an
 * at-least-once delivery or an offline queue replays.
 */
const lockerId = z.string().regex(LOCKER_ID_PATTERN, 'locker id: A-Z, 0-9, _ and -, at most 64');
const epochMs = z.number().int().nonnegative();
const messageId = z.string().min(8).max(64);

const envelope = {
  v: z.literal(PROTOCOL_VERSION),
  id: messageId,
  lockerId,
  ts: epochMs,
};
const deviceEnvelope = { ...envelope, seq: z.number().int().positive() };

export const DoorState = z.enum(['open', 'closed', 'unknown']);
export type DoorState = z.infer<typeof DoorState>;
export const LockState = z.enum(['locked', 'unlocked']);
export type LockState = z.infer<typeof LockState>;

export const COMMAND_TYPES = ['open', 'reset_lockdown', 'report_state'] as const;
export const CommandType = z.enum(COMMAND_TYPES);
export type CommandType = z.infer<typeof CommandType>;

/** Longest validity window a command may claim (SPEC §2: a command older than 10 s is ignored). */
export const MAX_COMMAND_TTL_MS = 10_000;

export const CommandOrigin = z.object({
  kind: z.enum(['user', 'admin', 'system']),
  /** An opaque reference for the audit trail (a user id, a booking id); never personal data. */
  ref: z.string().max(128).optional(),
});

export const UnsignedCommand = z
  .object({
    ...envelope,
    type: CommandType,
    issuedAt: epochMs,
    expiresAt: epochMs,
    origin: CommandOrigin.optional(),
  })
  .refine((c) => c.expiresAt > c.issuedAt && c.expiresAt - c.issuedAt <= MAX_COMMAND_TTL_MS, {
    message: `expiresAt must be after issuedAt and at most ${MAX_COMMAND_TTL_MS} ms later`,
    path: ['expiresAt'],
  });
export type UnsignedCommand = z.infer<typeof UnsignedCommand>;

export const Command = z
  .object({
    ...envelope,
    type: CommandType,
    issuedAt: epochMs,
    expiresAt: epochMs,
    origin: CommandOrigin.optional(),
    /** Ed25519 signature, base64url, over the canonical JSON of every other field. */
    sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'sig: 64-byte Ed25519 signature in base64url'),
  })
  .refine((c) => c.expiresAt > c.issuedAt && c.expiresAt - c.issuedAt <= MAX_COMMAND_TTL_MS, {
    message: `expiresAt must be after issuedAt and at most ${MAX_COMMAND_TTL_MS} ms later`,
    path: ['expiresAt'],
  });
export type Command = z.infer<typeof Command>;

/** Why a device did not carry out a command. Stable codes: the server maps them to user messages. */
export const REFUSAL_REASONS = [
  'bad_signature',
  'expired',
  'not_yet_valid',
  'replayed',
  'wrong_locker',
  'issued_before_boot',
  'lockdown',
  'rate_limited',
  'busy',
  'hardware_error',
] as const;
export const RefusalReason = z.enum(REFUSAL_REASONS);
export type RefusalReason = z.infer<typeof RefusalReason>;

/**
 * The locker's settings pushed by the server, retained on the broker so a locker receives the
 * latest on every connect, and kept on the device's disk so they hold with no network (SPEC §2:
 * an administrator badge opens the locker without any network). Signed like a command, but
 * with no expiry: a locker applies a config only if its `issuedAt` is newer than the one it has.
 */
export const DeviceConfig = z.object({
  ...envelope,
  issuedAt: epochMs,
  /** `hashBadge(lockerId, uid)` of each administrator badge: the device never stores a raw UID. */
  adminBadges: z.array(z.string().regex(/^[0-9a-f]{64}$/, 'badge hash: 64 lower-case hex digits')).max(500),
  sig: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'sig: 64-byte Ed25519 signature in base64url'),
});
export type DeviceConfig = z.infer<typeof DeviceConfig>;
export type UnsignedDeviceConfig = Omit<DeviceConfig, 'sig'>;

export const CommandAck = z.object({
  ...deviceEnvelope,
  commandId: messageId,
  commandType: CommandType,
  outcome: z.enum(['accepted', 'refused']),
  reason: RefusalReason.optional(),
  /** True when this acknowledges a command id the device had already seen (no second actuation). */
  duplicate: z.boolean().optional(),
});
export type CommandAck = z.infer<typeof CommandAck>;

export const LockdownInfo = z.object({
  active: z.boolean(),
  /** When an automatic reset is due; null when not in lockdown. */
  until: epochMs.nullable(),
});

export const LockerStateMessage = z.object({
  ...deviceEnvelope,
  door: DoorState,
  lock: LockState,
  lockdown: LockdownInfo,
  objectPresent: z.boolean().nullable(),
  distanceCm: z.number().nonnegative().nullable(),
});
export type LockerStateMessage = z.infer<typeof LockerStateMessage>;

const eventBase = deviceEnvelope;
export const DeviceEvent = z.discriminatedUnion('type', [
  z.object({ ...eventBase, type: z.literal('door_opened'), legitimate: z.boolean() }),
  z.object({ ...eventBase, type: z.literal('door_closed') }),
  z.object({
    ...eventBase,
    type: z.literal('open_result'),
    commandId: messageId.nullable(),
    result: z.enum(['opened', 'open_not_confirmed']),
  }),
  z.object({ ...eventBase, type: z.literal('open_refused'), commandId: messageId.nullable(), reason: RefusalReason }),
  z.object({ ...eventBase, type: z.literal('intrusion'), count: z.number().int().positive() }),
  z.object({ ...eventBase, type: z.literal('lockdown_started'), until: epochMs }),
  z.object({
    ...eventBase,
    type: z.literal('lockdown_ended'),
    by: z.enum(['timer', 'badge', 'server']),
  }),
  z.object({
    ...eventBase,
    type: z.literal('door_left_open'),
    openForS: z.number().int().nonnegative(),
    reminder: z.number().int().positive(),
    escalated: z.boolean(),
  }),
  z.object({ ...eventBase, type: z.literal('badge'), known: z.boolean(), badgeHash: z.string().max(128) }),
  /**
   * The relay driver failed: `energise` when an open could not switch the strike on (the open is
   * refused with `hardware_error`), `release` when the strike could not be switched off (the
   * agent keeps retrying). Reported once per failure streak, with `recovered` once it works again.
   */
  z.object({
    ...eventBase,
    type: z.literal('relay_fault'),
    phase: z.enum(['energise', 'release']),
    recovered: z.boolean(),
  }),
]);
export type DeviceEvent = z.infer<typeof DeviceEvent>;
export type DeviceEventType = DeviceEvent['type'];

export const Heartbeat = z.object({
  ...deviceEnvelope,
  uptimeS: z.number().int().nonnegative(),
  firmware: z.string().max(64),
  counters: z.object({
    opens: z.number().int().nonnegative(),
    relayCycles: z.number().int().nonnegative(),
    alerts: z.number().int().nonnegative(),
  }),
  /**
   * The sequence number of the last state report the device sent (docs/protocol.md §6). A server
   * that applied an older one lost a report on the way and asks for the state again. Optional:
   * devices older than this field are simply never resynchronised this way.
   */
  stateSeq: z.number().int().nonnegative().optional(),
});
export type Heartbeat = z.infer<typeof Heartbeat>;

export const Presence = z.object({
  ...deviceEnvelope,
  distanceCm: z.number().min(1).max(200).nullable(),
  objectPresent: z.boolean().nullable(),
});
export type Presence = z.infer<typeof Presence>;

/**
 * Availability, retained. The `offline` variant is also registered as the MQTT last will at
 * connect time, so its id and ts are those of the connection, not of the loss; the server
 * stamps its own receive time.
 */
export const Status = z.object({
  ...deviceEnvelope,
  online: z.boolean(),
  reason: z.enum(['connected', 'connection_lost', 'shutdown']),
  firmware: z.string().max(64).optional(),
});
export type Status = z.infer<typeof Status>;

/** The payload schema of each channel. */
export const CHANNEL_SCHEMAS = {
  cmd: Command,
  config: DeviceConfig,
  ack: CommandAck,
  state: LockerStateMessage,
  event: DeviceEvent,
  heartbeat: Heartbeat,
  presence: Presence,
  status: Status,
} as const;

export type ChannelPayload = {
  [K in keyof typeof CHANNEL_SCHEMAS]: z.infer<(typeof CHANNEL_SCHEMAS)[K]>;
};
