import { randomBytes } from 'node:crypto';
import { type AgentConfigInput, AgentError, parseAgentConfig } from '@smartlocker/agent';
import { normalizePairingCode } from '@smartlocker/domain';
import { isLockerId } from '@smartlocker/protocol';
import { sqlState, UNIQUE_VIOLATION, violatedConstraint } from '../db/pgErrors';
import type { AuditRepository } from '../repositories/AuditRepository';
import type { LockerRepository } from '../repositories/LockerRepository';
import { AppError } from '../services/AppError';
import { type LockerView, toLockerView } from '../services/lockerView';
import type { DeviceCredentials } from './DeviceCredentials';
import type { ProvisioningRepository, SiteRow } from './ProvisioningRepository';

/** Where a real locker keeps its sequence counter and replay cache (docs/agent-install.md). */
export const DEFAULT_AGENT_STATE_DIR = '/var/lib/smartlocker-agent';
const DEFAULT_SITE_NAME = 'Site principal';
const DEFAULT_TIME_ZONE = 'Europe/Brussels';

/** How the agent of this locker should run; everything else in its config comes from the server. */
export interface AgentSettings {
  /** The broker URL as the locker reaches it (defaults to the one the server uses). */
  mqttUrl?: string;
  stateDir?: string;
  /** The agent's `hal` section; defaults to the GPIO drivers with the seed's wiring. */
  hal?: Record<string, unknown>;
}

export interface ProvisionLockerInput {
  id: string;
  name: string;
  type: 'school' | 'sport';
  /** Where it stands on its site ("Hall B"), for the people who look for it. */
  location?: string | null;
  /** Printed on the locker (SPEC §4); defaults to `SL-` + the id with `_` as `-`. */
  pairingCode?: string;
  /** An existing site; or `siteName` (found or created); or, with neither, the only site there is. */
  siteId?: string;
  siteName?: string;
  siteTimeZone?: string;
  hourlyPriceCents?: number;
  agent?: AgentSettings;
}

export interface ProvisionedLocker {
  locker: LockerView;
  /** The code to print on the locker and in its QR code (SPEC §4). */
  pairingCode: string;
  /**
   * The agent's whole configuration file (the shape `parseAgentConfig` accepts), broker password
   * included. Shown once: the server keeps only the password's hash.
   */
  agentConfig: AgentConfigInput;
}

export interface ProvisioningActor {
  kind: 'admin' | 'system';
  id: string | null;
}

export interface LockerProvisioningDeps {
  repository: ProvisioningRepository;
  credentials: DeviceCredentials;
  lockers: LockerRepository;
  audit: AuditRepository;
  /** The broker URL written into agent configs unless a request names another. */
  brokerUrl: string;
  /**
   * The CA certificate (PEM) of the broker's TLS listener (MQTT_TLS_CA_FILE): written into the
   * config of every agent that connects over `mqtts://` or `wss://`, which then trusts no other.
   */
  brokerCaPem?: string | null;
  commandPublicKeyPem: string;
  /** Runs once a locker exists (e.g. publish its retained config); must handle its own errors. */
  onProvisioned?: (lockerId: string) => Promise<void>;
}

const lockerExists = (id: string) => new AppError(409, 'locker_exists', `A locker with the id ${id} already exists.`);
const pairingCodeTaken = (code: string) =>
  new AppError(409, 'pairing_code_taken', `The pairing code ${code} is already printed on another locker.`);

/**
 * SPEC §12 "provisioning a new locker without code changes": creates a locker with its broker
 * credential and hands back the configuration file its agent runs with. The HTTP route, the
 * simulator CLI and the coming admin panel all go through here.
 */
export class LockerProvisioning {
  readonly #deps: LockerProvisioningDeps;

  constructor(deps: LockerProvisioningDeps) {
    this.#deps = deps;
  }

  /** `reason`: why, as an administrator gave it (kept in the audit trail; optional here). */
  async provision(
    input: ProvisionLockerInput,
    actor: ProvisioningActor,
    reason: string | null = null,
  ): Promise<ProvisionedLocker> {
    const { repository, credentials, lockers, audit } = this.#deps;
    if (!isLockerId(input.id)) {
      throw new AppError(400, 'invalid_locker_id', 'A locker id is A-Z, 0-9, _ and -, at most 64 characters.');
    }
    const pairingCode = this.#pairingCode(input);
    if (await lockers.exists(input.id)) throw lockerExists(input.id);
    if (await lockers.findByPairingCode(pairingCode)) throw pairingCodeTaken(pairingCode);
    const site = await this.#site(input);

    const { secret, hash } = await credentials.prepare();
    const agentConfig = this.#agentConfig(input.id, secret, input.agent);
    try {
      await repository.insertLocker({
        id: input.id,
        siteId: site.id,
        name: input.name,
        type: input.type,
        pairingCode,
        deviceSecretHash: hash,
        ...(input.location ? { location: input.location } : {}),
        ...(input.hourlyPriceCents === undefined ? {} : { hourlyPriceCents: input.hourlyPriceCents }),
      });
    } catch (error) {
      // The checks above give the answer; the unique constraints decide a race between two requests.
      if (sqlState(error) !== UNIQUE_VIOLATION) throw error;
      throw violatedConstraint(error) === 'lockers_pairing_code_unique'
        ? pairingCodeTaken(pairingCode)
        : lockerExists(input.id);
    }
    await audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'locker.provisioned',
      lockerId: input.id,
      data: { name: input.name, type: input.type, siteId: site.id, pairingCode, reason },
    });
    // An external broker with its own accounts (MQTT_DYNSEC) learns the secret now; if it cannot,
    // 503 broker_sync_failed: the locker exists, and rotating its credentials retries.
    await credentials.activate(input.id, secret);
    await this.#deps.onProvisioned?.(input.id);
    return { ...(await this.#view(input.id)), agentConfig };
  }

  /** A new secret for an existing locker: the old one stops working at once. */
  async rotateSecret(
    lockerId: string,
    actor: ProvisioningActor,
    agent?: AgentSettings,
    reason: string | null = null,
  ): Promise<ProvisionedLocker> {
    const { credentials, audit } = this.#deps;
    // Validate the settings before revoking anything: a bad request must not cut a locker off.
    this.#agentConfig(lockerId, 'placeholder-secret', agent);
    const existing = isLockerId(lockerId) ? await this.#deps.lockers.findWithSite(lockerId) : null;
    if (existing?.locker.decommissionedAt) {
      throw new AppError(409, 'locker_decommissioned', 'This locker was decommissioned; it gets no new credentials.');
    }
    const secret = isLockerId(lockerId) ? await credentials.issue(lockerId) : null;
    if (!secret) throw new AppError(404, 'locker_not_found', `No locker has the id ${lockerId}.`);
    await audit.record({
      actorKind: actor.kind,
      actorId: actor.id,
      action: 'locker.secret_rotated',
      lockerId,
      data: { reason },
    });
    return { ...(await this.#view(lockerId)), agentConfig: this.#agentConfig(lockerId, secret, agent) };
  }

  /**
   * The agent's config file without its broker password (the server keeps only a hash): what
   * `GET /api/admin/lockers/:id/bundle.json` serves. The operator adds the secret they were shown,
   * or rotates to get a new one.
   */
  async configWithoutSecret(lockerId: string, agent?: AgentSettings): Promise<AgentConfigInput> {
    const found = isLockerId(lockerId) ? await this.#deps.lockers.findWithSite(lockerId) : null;
    if (!found) throw new AppError(404, 'unknown_locker', `No locker has the id ${lockerId}.`);
    const config = this.#agentConfig(lockerId, 'placeholder-secret', agent);
    const { password: _secret, ...mqtt } = config.mqtt as Record<string, unknown>;
    return { ...config, mqtt } as AgentConfigInput;
  }

  #pairingCode(input: ProvisionLockerInput): string {
    if (input.pairingCode !== undefined) {
      const code = normalizePairingCode(input.pairingCode);
      if (!code) throw new AppError(400, 'invalid_code', 'A pairing code looks like SL-SPORT-01.');
      return code;
    }
    return (
      normalizePairingCode(`SL-${input.id.replaceAll('_', '-')}`) ??
      `SL-${randomBytes(5).toString('hex').toUpperCase()}`
    );
  }

  async #site(input: ProvisionLockerInput): Promise<SiteRow> {
    const { repository } = this.#deps;
    if (input.siteId !== undefined) {
      const site = await repository.findSiteById(input.siteId);
      if (!site) throw new AppError(404, 'site_not_found', `No site has the id ${input.siteId}.`);
      if (site.decommissionedAt) {
        throw new AppError(409, 'site_decommissioned', 'This site was decommissioned: it takes no new lockers.');
      }
      return site;
    }
    if (input.siteName !== undefined) {
      return (
        (await repository.findSiteByName(input.siteName)) ??
        (await repository.createSite(input.siteName, input.siteTimeZone ?? DEFAULT_TIME_ZONE))
      );
    }
    const sites = await repository.listSites(2);
    if (sites.length === 1 && sites[0]) return sites[0];
    if (sites.length === 0) return repository.createSite(DEFAULT_SITE_NAME, input.siteTimeZone ?? DEFAULT_TIME_ZONE);
    throw new AppError(400, 'site_required', 'There are several sites: give siteId or siteName.');
  }

  /** The agent's config file, checked by the agent's own parser so a locker never gets one it refuses. */
  #agentConfig(lockerId: string, secret: string, settings: AgentSettings = {}): AgentConfigInput {
    const url = settings.mqttUrl ?? this.#deps.brokerUrl;
    const caPem = /^(mqtts|wss|ssl):/.test(url) ? this.#deps.brokerCaPem : null;
    const config = {
      lockerId,
      mqtt: { url, username: lockerId, password: secret, ...(caPem ? { caPem } : {}) },
      commandPublicKeyPem: this.#deps.commandPublicKeyPem,
      stateDir: settings.stateDir ?? DEFAULT_AGENT_STATE_DIR,
      hal: settings.hal ?? { driver: 'gpio' },
    };
    try {
      parseAgentConfig(config);
    } catch (error) {
      if (error instanceof AgentError) throw new AppError(400, 'invalid_agent_config', error.message);
      throw error;
    }
    return config as AgentConfigInput;
  }

  async #view(lockerId: string): Promise<{ locker: LockerView; pairingCode: string }> {
    const found = await this.#deps.lockers.findWithSite(lockerId);
    if (!found) throw new Error(`locker ${lockerId} vanished`);
    return { locker: toLockerView(found.locker, found.site), pairingCode: found.locker.pairingCode };
  }
}
