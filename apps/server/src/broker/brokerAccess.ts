import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHANNEL_DIRECTION, type Channel, isLockerId, parseTopic, TOPIC_ROOT } from '@smartlocker/protocol';

/**
 * Who may connect to the embedded broker and what each may do (SPEC §12: per-device credentials
 * and topic permissions). docs/mosquitto.md gives the same rules for Mosquitto.
 *
 * - The server's own account (`smartlocker-server`) may do anything.
 * - A locker logs in with its id as user name and its provisioned secret; it may publish only
 *   its own device→server channels (its last will included) and subscribe only to its own
 *   `cmd` and `config`.
 * - Anonymous clients and anything else are refused.
 */
export const SERVER_BROKER_USERNAME = 'smartlocker-server';

/** The client id prefix of lockers (docs/protocol.md §1): one locker may not take another's. */
const AGENT_CLIENT_ID_PREFIX = 'smartlocker-agent-';

export type BrokerIdentity = { kind: 'server' } | { kind: 'device'; lockerId: string };

export type AuthenticationResult =
  | { ok: true; identity: BrokerIdentity }
  | { ok: false; reason: 'anonymous' | 'bad_credentials' | 'client_id_taken' | 'will_not_allowed' };

export interface BrokerAccessOptions {
  serverPassword: string;
  /** Checks a locker's secret (DeviceCredentials.verify). */
  verifyDevice: (lockerId: string, secret: string) => Promise<boolean>;
}

/** The decisions, free of any broker library, so aedes (and tests) call the same rules. */
export class BrokerAccess {
  readonly #serverPasswordDigest: Buffer;
  readonly #verifyDevice: BrokerAccessOptions['verifyDevice'];

  constructor(options: BrokerAccessOptions) {
    this.#serverPasswordDigest = digest(options.serverPassword);
    this.#verifyDevice = options.verifyDevice;
  }

  async authenticate(request: {
    clientId: string;
    username: string | undefined;
    password: Buffer | string | undefined;
    willTopic?: string | undefined;
  }): Promise<AuthenticationResult> {
    const { username, clientId, willTopic } = request;
    if (!username) return { ok: false, reason: 'anonymous' };
    const password = request.password === undefined ? '' : request.password.toString();
    if (username === SERVER_BROKER_USERNAME) {
      // Compare digests: equal lengths, and no early exit on the first differing byte.
      return timingSafeEqual(digest(password), this.#serverPasswordDigest)
        ? { ok: true, identity: { kind: 'server' } }
        : { ok: false, reason: 'bad_credentials' };
    }
    if (!isLockerId(username) || !password || !(await this.#verifyDevice(username, password))) {
      return { ok: false, reason: 'bad_credentials' };
    }
    const identity: BrokerIdentity = { kind: 'device', lockerId: username };
    // A second client with the same id takes the session over [MQTT-3.1.4-2]: a locker must not
    // be able to kick another locker (or the server) off the broker that way.
    const ownDefault = `${AGENT_CLIENT_ID_PREFIX}${username}`;
    if (
      clientId.startsWith(SERVER_BROKER_USERNAME) ||
      (clientId.startsWith(AGENT_CLIENT_ID_PREFIX) && clientId !== ownDefault)
    ) {
      return { ok: false, reason: 'client_id_taken' };
    }
    // Checked at CONNECT, as Mosquitto does: a will on another locker's topic is never stored.
    if (willTopic !== undefined && !this.mayPublish(identity, willTopic))
      return { ok: false, reason: 'will_not_allowed' };
    return { ok: true, identity };
  }

  mayPublish(identity: BrokerIdentity, topic: string): boolean {
    if (identity.kind === 'server') return true;
    const parsed = parseTopic(topic);
    return (
      parsed !== null &&
      parsed.lockerId === identity.lockerId &&
      CHANNEL_DIRECTION[parsed.channel] === 'device→server' &&
      // parseTopic is strict, but the topic must also be exactly the canonical one.
      topic === `${TOPIC_ROOT}/${parsed.lockerId}/${parsed.channel}`
    );
  }

  /** Exact topics only for a locker: a wildcard filter could reach other lockers' commands. */
  maySubscribe(identity: BrokerIdentity, filter: string): boolean {
    if (identity.kind === 'server') return true;
    if (filter.includes('+') || filter.includes('#')) return false;
    const parsed = parseTopic(filter);
    return (
      parsed !== null &&
      parsed.lockerId === identity.lockerId &&
      DEVICE_SUBSCRIPTIONS.has(parsed.channel) &&
      filter === `${TOPIC_ROOT}/${parsed.lockerId}/${parsed.channel}`
    );
  }
}

/** What a locker listens to: its commands and its (retained) settings. */
const DEVICE_SUBSCRIPTIONS: ReadonlySet<Channel> = new Set<Channel>(['cmd', 'config']);

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * The server's broker password for the embedded broker: generated on the first start under
 * DATA_DIR/keys (0600), like the other development secrets, so tools such as mosquitto_sub can
 * log in with it while debugging. Nothing outside this process needs it otherwise.
 */
export function loadServerBrokerPassword(dataDir: string): string {
  const keysDir = join(dataDir, 'keys');
  const path = join(keysDir, 'broker-server-password');
  if (!existsSync(path)) {
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    writeFileSync(path, randomBytes(32).toString('base64url'), { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return readFileSync(path, 'utf8').trim();
}
