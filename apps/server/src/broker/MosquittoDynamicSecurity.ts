import { randomUUID } from 'node:crypto';
import { CHANNEL_DIRECTION, CHANNELS, isLockerId, TOPIC_ROOT, topicFor } from '@smartlocker/protocol';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import type { Logger } from '../observability/logger';
import { SITE_BRIDGE_TOPIC_FILTER } from './siteBridges';

/**
 * The lockers' broker accounts on a production Mosquitto, kept in step by the server through
 * Mosquitto's dynamic-security plugin (mosquitto.org/documentation/dynamic-security): JSON
 * commands published on `$CONTROL/dynamic-security/v1`, answered on `…/v1/response`, applied at
 * once, no restart, no file to copy. docs/deploy-mosquitto.md sets the broker up.
 *
 * The rules are those of the embedded broker (broker/brokerAccess.ts, docs/mosquitto.md):
 * - role `smartlocker-server`: every locker topic, both ways (held by the server's own account,
 *   which also holds the `admin` role `mosquitto_ctrl dynsec init` gave it);
 * - one role per locker, `smartlocker-locker-{id}`: publish its own device→server channels (its
 *   last will included), subscribe to its own `cmd` and `config`, exact topics only;
 * - one client per locker: user name = locker id, its secret, and its client id pinned to
 *   `smartlocker-agent-{id}`, so a locker can neither take another's session [MQTT-3.1.4-2] nor
 *   log in under another id;
 * - the defaults deny publishing and subscribing to anything no role grants.
 */
export interface DeviceAccounts {
  /** Creates the locker's account with this secret, or brings an existing one back to it. */
  upsert(lockerId: string, secret: string): Promise<void>;
  /** Replaces the secret; sessions opened with the old one end at once (the broker drops them). */
  rotate(lockerId: string, secret: string): Promise<void>;
  /** Deletes the account and its role; its sessions end. Nothing happens for an unknown locker. */
  remove(lockerId: string): Promise<void>;
}

export const DYNSEC_TOPIC = '$CONTROL/dynamic-security/v1';
export const DYNSEC_RESPONSE_TOPIC = `${DYNSEC_TOPIC}/response`;
export const SERVER_ROLE = 'smartlocker-server';
const LOCKER_ROLE_PREFIX = 'smartlocker-locker-';
const AGENT_CLIENT_ID_PREFIX = 'smartlocker-agent-';

export const lockerRoleName = (lockerId: string): string => `${LOCKER_ROLE_PREFIX}${lockerId}`;
export const agentClientId = (lockerId: string): string => `${AGENT_CLIENT_ID_PREFIX}${lockerId}`;

export type DynsecAclType =
  | 'publishClientSend'
  | 'publishClientReceive'
  | 'subscribeLiteral'
  | 'subscribePattern'
  | 'unsubscribeLiteral'
  | 'unsubscribePattern';

export interface DynsecAcl {
  acltype: DynsecAclType;
  topic: string;
  priority: number;
  allow: boolean;
}

/** What one locker's role grants (the same list as renderMosquittoAcl and BrokerAccess). */
export function lockerRoleAcls(lockerId: string): DynsecAcl[] {
  if (!isLockerId(lockerId)) throw new DynsecError('dynsec_invalid', `not a locker id: ${lockerId}`);
  const acl = (acltype: DynsecAclType, topic: string): DynsecAcl => ({ acltype, topic, priority: 0, allow: true });
  const writes = CHANNELS.filter((c) => CHANNEL_DIRECTION[c] === 'device→server');
  const reads = CHANNELS.filter((c) => CHANNEL_DIRECTION[c] === 'server→device');
  return [
    ...writes.map((channel) => acl('publishClientSend', topicFor(lockerId, channel))),
    // Literal: the filter must be exactly the topic; `…/+/cmd` or `#` is refused by the default.
    ...reads.map((channel) => acl('subscribeLiteral', topicFor(lockerId, channel))),
    ...reads.map((channel) => acl('publishClientReceive', topicFor(lockerId, channel))),
  ];
}

/** The server's role: every locker topic, both ways; and the site bridges' notifications, to read. */
export function serverRoleAcls(): DynsecAcl[] {
  const all = `${TOPIC_ROOT}/#`;
  return [
    ...(['publishClientSend', 'publishClientReceive', 'subscribePattern', 'unsubscribePattern'] as const).map(
      (acltype) => ({ acltype, topic: all, priority: 0, allow: true }),
    ),
    ...(['publishClientReceive', 'subscribePattern', 'unsubscribePattern'] as const).map((acltype) => ({
      acltype,
      topic: SITE_BRIDGE_TOPIC_FILTER,
      priority: 0,
      allow: true,
    })),
  ];
}

/** The plugin's defaults as the server wants them (they are also the plugin's own defaults). */
const DEFAULT_ACCESS = [
  { acltype: 'publishClientSend', allow: false },
  { acltype: 'publishClientReceive', allow: true },
  { acltype: 'subscribe', allow: false },
  { acltype: 'unsubscribe', allow: true },
] as const;

export type DynsecErrorCode = 'dynsec_timeout' | 'dynsec_refused' | 'dynsec_unreachable' | 'dynsec_invalid';

/** A command the broker did not carry out, or could not be asked. `detail` is the broker's own error text. */
export class DynsecError extends Error {
  constructor(
    readonly code: DynsecErrorCode,
    message: string,
    readonly detail?: { command: string; error: string },
  ) {
    super(message);
    this.name = 'DynsecError';
  }
}

export interface DynsecCommand {
  command: string;
  [field: string]: unknown;
}

interface DynsecResponse {
  command: string;
  error?: string;
  data?: Record<string, unknown>;
  correlationData?: string;
}

export interface MosquittoDynamicSecurityOptions {
  url: string;
  /** The server's account on the broker, holding the `admin` role of `mosquitto_ctrl dynsec init`. */
  username: string;
  password: string;
  logger: Logger;
  /** How long one command may wait for its answer. */
  timeoutMs?: number;
  /** Extra mqtt.js options, e.g. `ca` for a private certificate authority. */
  mqtt?: Pick<IClientOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;
}

interface Pending {
  resolve: (response: DynsecResponse) => void;
  reject: (error: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The broker's error texts the commands below treat as "already in that state" (2.0.11's wording). */
const ROLE_NOT_FOUND = 'Role not found';
const CLIENT_NOT_FOUND = 'Client not found';
const CLIENT_EXISTS = 'Client already exists';

export class MosquittoDynamicSecurity implements DeviceAccounts {
  readonly #client: MqttClient;
  readonly #options: MosquittoDynamicSecurityOptions;
  readonly #pending = new Map<string, Pending>();
  readonly #timeoutMs: number;

  private constructor(client: MqttClient, options: MosquittoDynamicSecurityOptions) {
    this.#client = client;
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 5_000;
    client.on('message', (topic, payload) => {
      if (topic === DYNSEC_RESPONSE_TOPIC) this.#onResponse(payload);
    });
  }

  /** Connects with the server's admin account and listens to the plugin's answers. */
  static async connect(options: MosquittoDynamicSecurityOptions): Promise<MosquittoDynamicSecurity> {
    const client = mqtt.connect(options.url, {
      clientId: `smartlocker-dynsec-${randomUUID().slice(0, 8)}`,
      username: options.username,
      password: options.password,
      clean: true,
      reconnectPeriod: 1_000,
      connectTimeout: 5_000,
      ...options.mqtt,
    });
    client.on('error', (error) => options.logger.warn({ err: error.message }, 'dynsec connection error'));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000);
        client.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
        client.once('error', (error) => {
          clearTimeout(timer);
          reject(error);
        });
      });
      // mqtt.js subscribes again by itself after a reconnection (resubscribe: true).
      await client.subscribeAsync(DYNSEC_RESPONSE_TOPIC, { qos: 1 });
    } catch (error) {
      await client.endAsync(true);
      throw new DynsecError(
        'dynsec_unreachable',
        `cannot reach the broker's dynamic-security plugin: ${String(error)}`,
      );
    }
    return new MosquittoDynamicSecurity(client, options);
  }

  /**
   * Makes the broker ready for SmartLocker, and is harmless to run at every start: the default
   * access, the server's role, and that role on the server's own account. Granting the role
   * makes the broker drop that account's sessions (Mosquitto re-evaluates them): this runs
   * before the server's broker client connects, and waits for its own reconnection.
   */
  async setUp(): Promise<void> {
    const [access] = await this.execute([{ command: 'getDefaultACLAccess' }]);
    const current = (access?.data?.acls as { acltype: string; allow: boolean }[] | undefined) ?? [];
    const wrong = DEFAULT_ACCESS.filter(
      (want) => !current.some((c) => c.acltype === want.acltype && c.allow === want.allow),
    );
    if (wrong.length > 0) await this.execute([{ command: 'setDefaultACLAccess', acls: DEFAULT_ACCESS }]);
    await this.#ensureRole(SERVER_ROLE, serverRoleAcls(), 'SmartLocker server');
    const me = await this.#getClient(this.#options.username);
    if (!me) throw new DynsecError('dynsec_invalid', `the broker has no client ${this.#options.username}`);
    if (!me.roles.includes(SERVER_ROLE)) {
      this.#options.logger.info({ username: this.#options.username }, 'granting the server role on the broker');
      await this.#executeThroughKick({
        command: 'addClientRole',
        username: this.#options.username,
        rolename: SERVER_ROLE,
      });
      const after = await this.#getClient(this.#options.username);
      if (!after?.roles.includes(SERVER_ROLE))
        throw new DynsecError('dynsec_refused', 'the server role was not granted');
    }
  }

  async upsert(lockerId: string, secret: string): Promise<void> {
    const role = lockerRoleName(lockerId);
    await this.#ensureRole(role, lockerRoleAcls(lockerId), `SmartLocker locker ${lockerId}`);
    const [created] = await this.execute(
      [
        {
          command: 'createClient',
          username: lockerId,
          password: secret,
          clientid: agentClientId(lockerId),
          textname: `SmartLocker locker ${lockerId}`,
          roles: [{ rolename: role, priority: 0 }],
        },
      ],
      { accept: [CLIENT_EXISTS] },
    );
    if (created?.error !== CLIENT_EXISTS) return;
    // An account left from before (a locker provisioned again): bring all of it back in line.
    await this.execute([{ command: 'setClientPassword', username: lockerId, password: secret }]);
    const existing = await this.#getClient(lockerId);
    if (existing?.clientid !== agentClientId(lockerId)) {
      await this.execute([{ command: 'setClientId', username: lockerId, clientid: agentClientId(lockerId) }]);
    }
    if (!existing?.roles.includes(role)) {
      await this.execute([{ command: 'addClientRole', username: lockerId, rolename: role, priority: 0 }]);
    }
    if (existing?.disabled) await this.execute([{ command: 'enableClient', username: lockerId }]);
  }

  async rotate(lockerId: string, secret: string): Promise<void> {
    // setClientPassword disconnects every session of that user name (dynamic-security, Mosquitto 2.0).
    const [answer] = await this.execute([{ command: 'setClientPassword', username: lockerId, password: secret }], {
      accept: [CLIENT_NOT_FOUND],
    });
    if (answer?.error === CLIENT_NOT_FOUND) await this.upsert(lockerId, secret);
  }

  async remove(lockerId: string): Promise<void> {
    await this.execute(
      [
        { command: 'deleteClient', username: lockerId },
        { command: 'deleteRole', rolename: lockerRoleName(lockerId) },
      ],
      { accept: [CLIENT_NOT_FOUND, ROLE_NOT_FOUND] },
    );
  }

  /** The lockers that have an account on the broker (a client holding its own locker role). */
  async listLockerAccounts(): Promise<string[]> {
    const [answer] = await this.execute([{ command: 'listClients', verbose: true, count: -1, offset: 0 }]);
    const clients = (answer?.data?.clients as { username: string; roles?: { rolename: string }[] }[] | undefined) ?? [];
    return clients
      .filter((c) => c.roles?.some((r) => r.rolename === lockerRoleName(c.username)))
      .map((c) => c.username)
      .sort();
  }

  /**
   * Brings the broker's locker accounts in line with the lockers that exist: removes the accounts
   * of lockers that are gone, and names the lockers without an account (their secret is known to
   * nobody, only its hash: rotating their credentials creates it).
   */
  async reconcile(lockerIds: readonly string[]): Promise<{ removed: string[]; missing: string[] }> {
    const onBroker = new Set(await this.listLockerAccounts());
    const wanted = new Set(lockerIds);
    const removed = [...onBroker].filter((id) => !wanted.has(id));
    for (const id of removed) await this.remove(id);
    for (const id of wanted)
      if (onBroker.has(id)) await this.#ensureRole(lockerRoleName(id), lockerRoleAcls(id), `SmartLocker locker ${id}`);
    return { removed, missing: [...wanted].filter((id) => !onBroker.has(id)).sort() };
  }

  async close(): Promise<void> {
    for (const [id, pending] of this.#pending) {
      clearTimeout(pending.timer);
      pending.reject(new DynsecError('dynsec_unreachable', 'the dynamic-security connection was closed'));
      this.#pending.delete(id);
    }
    await this.#client.endAsync();
  }

  /**
   * Sends commands in one message and waits for each answer. An answer with an `error` rejects,
   * unless that error is one of `accept` (then it is returned for the caller to look at).
   */
  async execute(commands: DynsecCommand[], options: { accept?: readonly string[] } = {}): Promise<DynsecResponse[]> {
    const tagged = commands.map((command) => ({ ...command, correlationData: randomUUID() }));
    const answers = tagged.map(
      (command) =>
        new Promise<DynsecResponse>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.#pending.delete(command.correlationData);
            reject(
              new DynsecError(
                'dynsec_timeout',
                `${command.command}: no answer from the broker within ${this.#timeoutMs} ms`,
              ),
            );
          }, this.#timeoutMs);
          this.#pending.set(command.correlationData, { resolve, reject, timer });
        }),
    );
    try {
      await this.#client.publishAsync(DYNSEC_TOPIC, JSON.stringify({ commands: tagged }), { qos: 1 });
    } catch (error) {
      for (const command of tagged)
        this.#settle(command.correlationData)?.reject(new DynsecError('dynsec_unreachable', String(error)));
    }
    const responses = await Promise.all(answers);
    for (const response of responses) {
      if (response.error && !options.accept?.includes(response.error)) {
        // The broker's message, never the command: it may carry a password.
        throw new DynsecError('dynsec_refused', `${response.command}: ${response.error}`, {
          command: response.command,
          error: response.error,
        });
      }
    }
    return responses;
  }

  #settle(correlationData: string): Pending | undefined {
    const pending = this.#pending.get(correlationData);
    if (!pending) return undefined;
    clearTimeout(pending.timer);
    this.#pending.delete(correlationData);
    return pending;
  }

  #onResponse(payload: Buffer): void {
    let parsed: { responses?: DynsecResponse[] };
    try {
      parsed = JSON.parse(payload.toString('utf8')) as { responses?: DynsecResponse[] };
    } catch {
      this.#options.logger.warn('dynsec: an answer that is not JSON');
      return;
    }
    // Every administrator hears every answer: ours are those with our correlation data.
    for (const response of parsed.responses ?? []) {
      if (typeof response.correlationData === 'string') this.#settle(response.correlationData)?.resolve(response);
    }
  }

  /**
   * A command after which the broker drops this very connection (it changes our own account):
   * its answer may never reach us, so wait for the drop or the answer, then for the reconnection.
   */
  async #executeThroughKick(command: DynsecCommand): Promise<void> {
    const dropped = new Promise<void>((resolve) => this.#client.once('close', () => resolve()));
    await Promise.race([this.execute([command]).then(() => undefined), dropped]).catch((error: unknown) => {
      if (!(error instanceof DynsecError && error.code === 'dynsec_timeout')) throw error;
    });
    if (!this.#client.connected) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new DynsecError('dynsec_unreachable', 'no reconnection within 10 s')),
          10_000,
        );
        this.#client.once('connect', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async #getClient(username: string): Promise<{ clientid?: string; roles: string[]; disabled: boolean } | null> {
    const [answer] = await this.execute([{ command: 'getClient', username }], { accept: [CLIENT_NOT_FOUND] });
    if (answer?.error === CLIENT_NOT_FOUND) return null;
    const client = answer?.data?.client as
      | { clientid?: string; roles?: { rolename: string }[]; disabled?: boolean }
      | undefined;
    return {
      ...(client?.clientid === undefined ? {} : { clientid: client.clientid }),
      roles: (client?.roles ?? []).map((r) => r.rolename),
      disabled: client?.disabled === true,
    };
  }

  /** Creates the role, or rewrites its ACLs only when they differ (a rewrite drops its clients' sessions). */
  async #ensureRole(rolename: string, acls: DynsecAcl[], textname: string): Promise<void> {
    const [found] = await this.execute([{ command: 'getRole', rolename }], { accept: [ROLE_NOT_FOUND] });
    if (found?.error === ROLE_NOT_FOUND) {
      await this.execute([{ command: 'createRole', rolename, textname, acls }]);
      return;
    }
    const current = ((found?.data?.role as { acls?: DynsecAcl[] } | undefined)?.acls ?? []).map(aclKey).sort();
    const wanted = acls.map(aclKey).sort();
    if (current.join('\n') !== wanted.join('\n')) await this.execute([{ command: 'modifyRole', rolename, acls }]);
  }
}

function aclKey(acl: DynsecAcl): string {
  return `${acl.acltype} ${acl.topic} ${acl.priority} ${acl.allow}`;
}
