import type { AlertKind } from '@smartlocker/domain';
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The one schema of SmartLocker, for PGlite and PostgreSQL alike. Times are `timestamptz`
 * (UTC instants), money is integer cents. Tables are shaped for the whole product (bookings,
 * payments, alerts, audit), not only for the first slice.
 */
const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });
const createdAt = () => ts('created_at').notNull().defaultNow();
const updatedAt = () => ts('updated_at').notNull().defaultNow();

export const lockerType = pgEnum('locker_type', ['school', 'sport']);
export const doorState = pgEnum('door_state', ['open', 'closed', 'unknown']);
export const lockState = pgEnum('lock_state', ['locked', 'unlocked']);
export const userRole = pgEnum('user_role', ['user', 'admin']);
export const bookingKind = pgEnum('booking_kind', ['school_booking', 'sport_session']);
export const bookingStatus = pgEnum('booking_status', [
  'pending',
  'confirmed',
  'active',
  'completed',
  'expired',
  'cancelled',
  'refunded',
]);
export const sessionEndReason = pgEnum('session_end_reason', ['user', 'expired', 'admin', 'lockdown']);
export const paymentStatus = pgEnum('payment_status', ['open', 'paid', 'failed', 'expired', 'refunded']);
export const paymentPurpose = pgEnum('payment_purpose', ['booking', 'extension']);
export const alertSeverity = pgEnum('alert_severity', ['info', 'warning', 'critical']);
export const actorKind = pgEnum('actor_kind', ['user', 'admin', 'device', 'system']);
export const alertState = pgEnum('alert_state', ['active', 'acknowledged', 'cleared']);

// ── Sites and lockers ────────────────────────────────────────────────────────────────────────

export const sites = pgTable('sites', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** Postal address, shown to operators and on stickers (issue 11). */
  address: text('address'),
  /** IANA zone in which opening hours and bookings are expressed (SPEC §5). */
  timeZone: text('time_zone').notNull().default('Europe/Brussels'),
  /** A site taken down: kept for history, hidden from new lockers. */
  decommissionedAt: ts('decommissioned_at'),
  createdAt: createdAt(),
});

export const lockers = pgTable(
  'lockers',
  {
    /** The device id used in MQTT topics (e.g. SPORT_01). */
    id: text('id').primaryKey(),
    siteId: uuid('site_id')
      .notNull()
      .references(() => sites.id),
    name: text('name').notNull(),
    type: lockerType('type').notNull(),
    /** The code printed on the locker and in its QR code (SPEC §4). */
    pairingCode: text('pairing_code').notNull().unique(),
    hourlyPriceCents: integer('hourly_price_cents').notNull().default(500),
    /** Where it stands on its site ("Hall B, rangée 3"), for the people who look for it. */
    location: text('location'),
    /**
     * Put out of service by an administrator (issue 11): pairing, bookings and opens are refused
     * with a clear message until it is back in service.
     */
    outOfServiceAt: ts('out_of_service_at'),
    outOfServiceReason: text('out_of_service_reason'),
    /** Taken out of the fleet: its credentials are revoked, it is kept for history. */
    decommissionedAt: ts('decommissioned_at'),
    /** The device's own counters from its heartbeat (opens, relay cycles), kept when they change. */
    opensCount: integer('opens_count').notNull().default(0),
    relayCycles: integer('relay_cycles').notNull().default(0),
    // Facts last reported by the device; `online` comes from the broker (status / last will).
    online: boolean('online').notNull().default(false),
    door: doorState('door').notNull().default('unknown'),
    lock: lockState('lock').notNull().default('locked'),
    lockdownUntil: ts('lockdown_until'),
    objectPresent: boolean('object_present'),
    distanceCm: real('distance_cm'),
    firmware: text('firmware'),
    lastSeenAt: ts('last_seen_at'),
    /** Since when the locker is offline (null while online): an alarm is raised once it lasts (issue 10). */
    offlineSince: ts('offline_since'),
    /**
     * Highest device `seq` applied per latest-wins channel (docs/protocol.md §6): an older
     * `state` or `presence` replayed from a queue must not overwrite a newer one. Records
     * (`event`, `ack`) are de-duplicated by `audit_events (locker_id, device_seq)` instead.
     */
    stateSeq: bigint('state_seq', { mode: 'number' }).notNull().default(0),
    presenceSeq: bigint('presence_seq', { mode: 'number' }).notNull().default(0),
    /** Hash of the device's broker credential (provisioning). */
    deviceSecretHash: text('device_secret_hash'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [check('lockers_id_format', sql`${t.id} ~ '^[A-Z0-9][A-Z0-9_-]{0,63}$'`)],
);

// ── Accounts (better-auth's four models, written by hand: its CLI needs Node 22) ──────────────

export const users = pgTable('users', {
  id: text('id').primaryKey(),
  /** The pseudo shown in the app (better-auth calls it `name`). */
  name: text('name').notNull(),
  email: text('email').notNull().unique(),
  emailVerified: boolean('email_verified').notNull().default(false),
  image: text('image'),
  premium: boolean('premium').notNull().default(false),
  role: userRole('role').notNull().default('user'),
  /** The person's language, `fr` or `en` (issue 12): the app and the e-mails follow it. */
  locale: text('locale').notNull().default('fr'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const authSessions = pgTable(
  'auth_sessions',
  {
    id: text('id').primaryKey(),
    token: text('token').notNull().unique(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: ts('expires_at').notNull(),
    ipAddress: text('ip_address'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('auth_sessions_user_idx').on(t.userId)],
);

export const authAccounts = pgTable(
  'auth_accounts',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    providerId: text('provider_id').notNull(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    accessToken: text('access_token'),
    refreshToken: text('refresh_token'),
    idToken: text('id_token'),
    accessTokenExpiresAt: ts('access_token_expires_at'),
    refreshTokenExpiresAt: ts('refresh_token_expires_at'),
    scope: text('scope'),
    password: text('password'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('auth_accounts_user_idx').on(t.userId)],
);

export const authVerifications = pgTable(
  'auth_verifications',
  {
    id: text('id').primaryKey(),
    identifier: text('identifier').notNull(),
    value: text('value').notNull(),
    expiresAt: ts('expires_at').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('auth_verifications_identifier_idx').on(t.identifier)],
);

/** Raw bytes; PGlite hands back a Uint8Array and node-postgres a Buffer, both become a Buffer. */
const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

/**
 * The profile photo, re-encoded on upload (WebP, metadata stripped) and served only to its owner
 * at `GET /api/me/photo`: no id in the URL, so no one can ask for someone else's.
 */
export const userPhotos = pgTable('user_photos', {
  userId: text('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  webp: bytea('webp').notNull(),
  updatedAt: updatedAt(),
});

/**
 * One row per counted request of a rate limit (docs/security.md): sliding windows that hold
 * across server instances and restarts. `key` is a hash, never an address or an e-mail in clear.
 */
export const rateLimitHits = pgTable(
  'rate_limit_hits',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    key: text('key').notNull(),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('rate_limit_hits_key_at_idx').on(t.key, t.at)],
);

// ── Pairings ──────────────────────────────────────────────────────────────────────────────────

export const pairings = pgTable(
  'pairings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    lockerId: text('locker_id')
      .notNull()
      .references(() => lockers.id),
    /** Copied from the locker so the sport exclusivity can be a partial unique index. */
    lockerType: lockerType('locker_type').notNull(),
    createdAt: createdAt(),
    endedAt: ts('ended_at'),
    endedBy: actorKind('ended_by'),
  },
  (t) => [
    // SPEC §4: one locker per user, whatever its type.
    uniqueIndex('pairings_one_per_user').on(t.userId).where(sql`${t.endedAt} IS NULL`),
    // SPEC §4 "Decision": a sport locker belongs to one member at a time; two concurrent
    // pairings race here and exactly one wins.
    uniqueIndex('pairings_one_member_per_sport_locker')
      .on(t.lockerId)
      .where(sql`${t.endedAt} IS NULL AND ${t.lockerType} = 'sport'`),
    index('pairings_locker_idx').on(t.lockerId),
  ],
);

// ── Bookings (school) and sessions (sport) ───────────────────────────────────────────────────

export const bookings = pgTable(
  'bookings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    lockerId: text('locker_id')
      .notNull()
      .references(() => lockers.id),
    kind: bookingKind('kind').notNull(),
    status: bookingStatus('status').notNull(),
    startsAt: ts('starts_at').notNull(),
    /** Null for a sport session until it ends (no expiry, SPEC §6). */
    endsAt: ts('ends_at'),
    amountCents: integer('amount_cents').notNull().default(0),
    currency: text('currency').notNull().default('eur'),
    endedAt: ts('ended_at'),
    endReason: sessionEndReason('end_reason'),
    /** While `pending`: when the Checkout Session lapses and the held slot is let go. */
    holdExpiresAt: ts('hold_expires_at'),
    /** The "10 min left, extend?" reminder went out (at most once per end time). */
    reminderSentAt: ts('reminder_sent_at'),
    /** Why a booking was cancelled or refunded without the user asking (shown to them). */
    statusReason: text('status_reason'),
    /** Sport: the member lost Premium mid-session and used the one open they keep (issue 6). */
    graceOpenUsed: boolean('grace_open_used').notNull().default(false),
    /** Sport: the distance sensor still saw something inside when the session ended. */
    objectLeftInside: boolean('object_left_inside'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // History pages and the CSV export walk these in keyset order (start, id).
    index('bookings_user_history_idx').on(t.userId, t.startsAt, t.id),
    index('bookings_history_idx').on(t.startsAt, t.id),
    index('bookings_locker_idx').on(t.lockerId, t.startsAt),
    index('bookings_status_ends_idx').on(t.status, t.endsAt),
    // SPEC §6: one running sport session per locker and per member; a race has one winner.
    uniqueIndex('bookings_one_session_per_locker')
      .on(t.lockerId)
      .where(sql`${t.kind} = 'sport_session' AND ${t.status} = 'active'`),
    uniqueIndex('bookings_one_session_per_user')
      .on(t.userId)
      .where(sql`${t.kind} = 'sport_session' AND ${t.status} = 'active'`),
    check('bookings_amount_nonnegative', sql`${t.amountCents} >= 0`),
    check('bookings_range_valid', sql`${t.endsAt} IS NULL OR ${t.endsAt} > ${t.startsAt}`),
    // The exclusion constraint (no overlapping holds of one locker) needs btree_gist and is
    // created by a hand-written migration: drizzle-kit cannot express EXCLUDE.
  ],
);

export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    bookingId: uuid('booking_id')
      .notNull()
      .references(() => bookings.id),
    userId: text('user_id').references(() => users.id, { onDelete: 'set null' }),
    purpose: paymentPurpose('purpose').notNull(),
    provider: text('provider').notNull(),
    /** Stripe Checkout Session id: the idempotency key of applying a payment (SPEC §5, seed bug 1). */
    providerSessionId: text('provider_session_id').notNull().unique(),
    providerPaymentIntentId: text('provider_payment_intent_id'),
    amountCents: integer('amount_cents').notNull(),
    currency: text('currency').notNull().default('eur'),
    status: paymentStatus('status').notNull().default('open'),
    /** The hosted payment page while the payment is open. */
    checkoutUrl: text('checkout_url'),
    /** When the Checkout Session lapses (Stripe's `expires_at`). */
    expiresAt: ts('expires_at'),
    /** Extension payments: the end the booking moves to once paid. */
    extensionEndsAt: ts('extension_ends_at'),
    paidAt: ts('paid_at'),
    refundId: text('refund_id'),
    /** When the refund went through: revenue is counted on the day money moved (issue 11). */
    refundedAt: ts('refunded_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('payments_booking_idx').on(t.bookingId),
    index('payments_paid_at_idx').on(t.paidAt),
    index('payments_refunded_at_idx').on(t.refundedAt),
    check('payments_amount_positive', sql`${t.amountCents} > 0`),
  ],
);

/**
 * Per person totals for the administrators' user list (issue 11): history entries and revenue
 * (paid minus refunded, in cents). Kept by database triggers on bookings and payments
 * (migration 0011), so a list of 100,000 people sorts by them from an index (ADR 8).
 */
export const userStats = pgTable(
  'user_stats',
  {
    userId: text('user_id')
      .primaryKey()
      .references(() => users.id, { onDelete: 'cascade' }),
    sessions: integer('sessions').notNull().default(0),
    revenueCents: bigint('revenue_cents', { mode: 'number' }).notNull().default(0),
  },
  // Ties (most people have 0 of each) are broken by the person's id: in the index too (migration 0013).
  (t) => [
    index('user_stats_sessions_idx').on(t.sessions, t.userId),
    index('user_stats_revenue_idx').on(t.revenueCents, t.userId),
  ],
);

/**
 * Web Push subscriptions (one per browser a person turned reminders on in). The endpoint is the
 * push service's URL for that browser; `p256dh` and `auth` encrypt the messages (RFC 8291).
 */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    endpoint: text('endpoint').notNull().unique(),
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('push_subscriptions_user_idx').on(t.userId)],
);

/** Webhook events already handled, so a redelivery is a no-op. */
export const processedWebhookEvents = pgTable('processed_webhook_events', {
  id: text('id').primaryKey(),
  provider: text('provider').notNull(),
  type: text('type').notNull(),
  receivedAt: ts('received_at').notNull().defaultNow(),
});

/**
 * Administrator badges (SPEC §2): presented to any locker's RC522 reader, they open it and end a
 * lockdown with no network. Lockers receive them hashed per locker in their signed `config`.
 */
export const adminBadges = pgTable('admin_badges', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** The card UID in upper-case hex. */
  uid: text('uid').notNull().unique(),
  label: text('label').notNull(),
  createdAt: createdAt(),
});

// ── Alerts and audit trail ───────────────────────────────────────────────────────────────────

/**
 * One record per alert (issue 10, docs/alerts.md): raised by a device event (de-duplicated by the
 * device's `(locker, seq)`) or derived by the server (offline / back online). Alarms move from
 * `active` to `acknowledged` and `cleared`; notices are recorded already `cleared`.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    lockerId: text('locker_id')
      .notNull()
      .references(() => lockers.id),
    /** The alert's kind (`@smartlocker/domain` ALERT_KINDS). */
    type: text('type').$type<AlertKind>().notNull(),
    severity: alertSeverity('severity').notNull(),
    message: text('message').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    /** The device message that raised it; null for alerts the server derives. */
    deviceSeq: bigint('device_seq', { mode: 'number' }),
    state: alertState('state').notNull().default('active'),
    createdAt: createdAt(),
    acknowledgedAt: ts('acknowledged_at'),
    acknowledgedBy: text('acknowledged_by').references(() => users.id, { onDelete: 'set null' }),
    acknowledgedNote: text('acknowledged_note'),
    clearedAt: ts('cleared_at'),
    /** The administrator who cleared it by hand; null when its end was reported. */
    clearedBy: text('cleared_by').references(() => users.id, { onDelete: 'set null' }),
    /** `device` (its end was reported), `admin`, `acknowledged` (a momentary alarm), `notice`. */
    clearedReason: text('cleared_reason'),
    clearedNote: text('cleared_note'),
  },
  (t) => [
    index('alerts_locker_idx').on(t.lockerId, t.createdAt),
    uniqueIndex('alerts_device_message').on(t.lockerId, t.deviceSeq).where(sql`${t.deviceSeq} IS NOT NULL`),
    index('alerts_open_idx').on(t.createdAt).where(sql`${t.state} <> 'cleared'`),
    // One open "offline" alarm per locker, whichever server instance sees the silence first.
    uniqueIndex('alerts_one_open_offline')
      .on(t.lockerId)
      .where(sql`${t.type} = 'locker_offline' AND ${t.state} <> 'cleared'`),
  ],
);

/** Alert kinds a person muted in Settings (issue 10); SPEC §8: an intrusion to the owner is never muted. */
export const alertMutes = pgTable(
  'alert_mutes',
  {
    userId: text('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind').$type<AlertKind>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.kind] })],
);

/**
 * The audit trail (SPEC §12, issue 10): every command, door event, alert and acknowledgement,
 * administrator action, sign-in failure burst and payment event. Append-only (a trigger refuses
 * UPDATE and DELETE) and hash-chained: each row carries the SHA-256 of the previous row's hash and
 * of its own content, and an Ed25519 signature of that hash by the server (docs/alerts.md).
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull().defaultNow(),
    actorKind: actorKind('actor_kind').notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    lockerId: text('locker_id').references(() => lockers.id),
    subjectUserId: text('subject_user_id'),
    /** The device's `seq` when the entry records a device message: each is recorded once. */
    deviceSeq: bigint('device_seq', { mode: 'number' }),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    /** Position in the chain, 1, 2, 3… without gaps; null only for a row written before chaining (sealed at start-up). */
    chainSeq: bigint('chain_seq', { mode: 'number' }),
    /** The previous row's `hash` (64 zeros for the first). */
    prevHash: text('prev_hash'),
    /** SHA-256 (hex) of `prevHash` and this row's canonical content. */
    hash: text('hash'),
    /** Ed25519 signature (base64url) of `hash` by the key `keyId` names. */
    sig: text('sig'),
    /** SHA-256 of the signing key's public half (hex, first 16 digits). */
    keyId: text('key_id'),
  },
  (t) => [
    index('audit_events_locker_idx').on(t.lockerId, t.at),
    index('audit_events_at_idx').on(t.at),
    uniqueIndex('audit_events_device_message').on(t.lockerId, t.deviceSeq).where(sql`${t.deviceSeq} IS NOT NULL`),
    uniqueIndex('audit_events_chain_seq').on(t.chainSeq),
    index('audit_events_action_idx').on(t.action, t.chainSeq),
  ],
);

/**
 * The end of each audit chain: writers lock this row, so concurrent writers (any number of
 * instances) append one after the other and the chain never forks.
 */
export const auditChainHeads = pgTable('audit_chain_heads', {
  chain: text('chain').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
  updatedAt: updatedAt(),
});
