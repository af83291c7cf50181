import { closeSync, fchmodSync, openSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { AccountRepository } from '../accounts/AccountRepository';
import { AccountService } from '../accounts/AccountService';
import { auditSigner } from '../audit/auditChain';
import { MosquittoDynamicSecurity } from '../broker/MosquittoDynamicSecurity';
import { systemClock } from '../clock';
import { type Config, loadConfig } from '../config';
import { openDatabase } from '../db/database';
import { DataDirLockedError } from '../db/lockfile';
import { EventBus } from '../eventBus';
import { createLogger } from '../observability/logger';
import { DeviceCredentials } from '../provisioning/DeviceCredentials';
import { LockerProvisioning, type ProvisionedLocker } from '../provisioning/LockerProvisioning';
import { ProvisioningRepository } from '../provisioning/ProvisioningRepository';
import { provisioningBundleFile } from '../provisioning/provisioningBundle';
import { AdminUserRepository } from '../repositories/AdminUserRepository';
import { AuditRepository } from '../repositories/AuditRepository';
import { FleetRepository } from '../repositories/FleetRepository';
import { LockerRepository } from '../repositories/LockerRepository';
import { PairingRepository } from '../repositories/PairingRepository';
import { SessionRepository } from '../repositories/SessionRepository';
import { UserRepository } from '../repositories/UserRepository';
import { loadSecrets } from '../secrets';
import { type AdminActor, AdminUserService } from '../services/AdminUserService';
import { AppError } from '../services/AppError';
import { FleetService } from '../services/FleetService';

export const ADMIN_USAGE = `npm run admin -- <command> [options]

Runs the administrators' actions of the web panel from a shell, through the same services, on
the database the server uses (DATABASE_URL, or DATA_DIR's embedded database: stop the server
first, PGlite is one process at a time). Every change is written to the audit trail.

Sites
  site add --name NAME --time-zone ZONE [--address TEXT]
  site list
Lockers
  locker add --id ID --site SITE --type school|sport --name NAME
             [--location TEXT] [--code SL-…] [--price-cents N] [--mqtt-url URL] [--out FILE]
             SITE is a site's id or exact name. Prints the broker secret once; --out writes the
             agent's configuration file (mode 0600).
  locker rotate-credentials ID [--mqtt-url URL] [--out FILE]
             A new broker secret: the old one stops working at once.
  locker list
People
  user grant-premium EMAIL
  user revoke-premium EMAIL
  user make-admin EMAIL

Every command takes --reason TEXT (kept in the audit trail) and -h/--help.
Exit codes: 0 done, 1 refused (the message says why), 2 cannot run (usage, configuration, database).
`;

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const OPTIONS = {
  name: { type: 'string' },
  'time-zone': { type: 'string' },
  address: { type: 'string' },
  id: { type: 'string' },
  site: { type: 'string' },
  type: { type: 'string' },
  location: { type: 'string' },
  code: { type: 'string' },
  'price-cents': { type: 'string' },
  'mqtt-url': { type: 'string' },
  out: { type: 'string' },
  reason: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

/**
 * `npm run admin` (issue 11): parses the command line, opens the database and the services the
 * server would use, runs one command. Returns the exit code; never calls process.exit (tests run
 * it in-process).
 */
export async function runAdminCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true }));
  } catch (error) {
    io.err(`${(error as Error).message}\n\n${ADMIN_USAGE}`);
    return 2;
  }
  if (values.help || positionals.length === 0) {
    (values.help ? io.out : io.err)(ADMIN_USAGE);
    return values.help ? 0 : 2;
  }
  const loaded = loadConfig(env);
  if (!loaded.ok) {
    io.err(`configuration problems:\n${loaded.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  const config = loaded.config;
  let context: AdminContext;
  try {
    context = await openAdminContext(config);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      io.err(
        `${error.message}\nThe server is running on this embedded database: stop it first (or use the admin panel).\n`,
      );
      return 2;
    }
    throw error;
  }
  try {
    await runCommand(context, positionals, values, io);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n\n${ADMIN_USAGE}`);
      return 2;
    }
    if (error instanceof AppError) {
      io.err(`refused (${error.code}): ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await context.close();
  }
}

interface AdminContext {
  config: Config;
  fleet: FleetService;
  users: AdminUserService;
  provisioning: LockerProvisioning;
  close(): Promise<void>;
}

async function openAdminContext(config: Config): Promise<AdminContext> {
  const secrets = loadSecrets(config);
  const database = await openDatabase(config.database);
  const cleanups: (() => Promise<void>)[] = [() => database.close()];
  const close = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  try {
    const db = database.db;
    const bus = new EventBus();
    const audit = new AuditRepository(db, auditSigner(secrets.commandPrivateKey));
    const lockers = new LockerRepository(db);
    const users = new UserRepository(db);
    const pairings = new PairingRepository(db);
    // A Mosquitto kept in step by the server (MQTT_DYNSEC) learns new and rotated secrets from
    // here too; otherwise the broker reads the hash from the database (the embedded one does).
    let accounts: MosquittoDynamicSecurity | null = null;
    if (config.mosquitto.dynamicSecurity && config.mqtt.kind === 'external' && config.mqtt.username) {
      const connected = await MosquittoDynamicSecurity.connect({
        url: config.mqtt.url,
        username: config.mqtt.username,
        password: config.mqtt.password ?? '',
        logger: createLogger('warn').child({ part: 'dynsec' }),
      });
      cleanups.push(() => connected.close());
      accounts = connected;
    }
    const repository = new ProvisioningRepository(db);
    return {
      config,
      fleet: new FleetService({ fleet: new FleetRepository(db), lockers, audit, bus, clock: systemClock }),
      users: new AdminUserService({
        adminUsers: new AdminUserRepository(db),
        users,
        pairings,
        sessions: new SessionRepository(db),
        accounts: new AccountService(users, new AccountRepository(db), pairings, audit, bus),
        audit,
        bus,
      }),
      provisioning: new LockerProvisioning({
        repository,
        credentials: new DeviceCredentials(repository, accounts),
        lockers,
        audit,
        brokerUrl: brokerUrlOf(config),
        commandPublicKeyPem: secrets.commandPublicKeyPem,
      }),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The broker URL the server's lockers use, as a locker on the network reaches it. */
function brokerUrlOf(config: Config): string {
  if (config.mqtt.kind === 'external') return config.mqtt.url;
  const host = ['0.0.0.0', '::', ''].includes(config.mqtt.host) ? 'localhost' : config.mqtt.host;
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${config.mqtt.port}`;
}

async function runCommand(context: AdminContext, positionals: string[], values: Values, io: CliIo): Promise<void> {
  const [group, command, ...rest] = positionals;
  const actor: AdminActor = { kind: 'system', id: null };
  const reason = values.reason ?? `npm run admin -- ${group} ${command} (by ${operator()})`;
  const required = (name: keyof Values): string => {
    const value = values[name];
    if (typeof value !== 'string' || value.trim() === '')
      throw new UsageError(`${group} ${command}: --${name} is required`);
    return value.trim();
  };
  const single = (what: string): string => {
    const [value, ...extra] = rest;
    if (!value || extra.length > 0) throw new UsageError(`${group} ${command}: give exactly one ${what}`);
    return value;
  };
  switch (`${group} ${command}`) {
    case 'site add': {
      const site = await context.fleet.createSite(
        { name: required('name'), timeZone: required('time-zone'), address: values.address?.trim() || null },
        actor,
        reason,
      );
      io.out(`site created: ${site.id}  ${site.name}  (${site.timeZone})\n`);
      return;
    }
    case 'site list': {
      const sites = await context.fleet.listSites();
      io.out(
        table(
          ['ID', 'NAME', 'TIME ZONE', 'LOCKERS', 'STATUS'],
          sites.map((s) => [
            s.id,
            s.name,
            s.timeZone,
            String(s.lockers),
            s.decommissionedAt ? 'decommissioned' : 'active',
          ]),
        ),
      );
      return;
    }
    case 'locker add': {
      const type = required('type');
      if (type !== 'school' && type !== 'sport') throw new UsageError('locker add: --type is school or sport');
      const price = values['price-cents'];
      if (price !== undefined && !/^\d{1,7}$/.test(price))
        throw new UsageError('locker add: --price-cents is whole cents');
      const provisioned = await context.provisioning.provision(
        {
          id: required('id'),
          name: required('name'),
          type,
          ...(await siteOf(context, required('site'))),
          ...(values.location ? { location: values.location.trim() } : {}),
          ...(values.code ? { pairingCode: values.code } : {}),
          ...(price === undefined ? {} : { hourlyPriceCents: Number(price) }),
          ...(values['mqtt-url'] ? { agent: { mqttUrl: values['mqtt-url'] } } : {}),
        },
        actor,
        reason,
      );
      io.out(`locker created: ${provisioned.locker.id}  pairing code ${provisioned.pairingCode}\n`);
      issued(provisioned, values.out, io);
      return;
    }
    case 'locker rotate-credentials': {
      const rotated = await context.provisioning.rotateSecret(
        single('locker id'),
        actor,
        values['mqtt-url'] ? { mqttUrl: values['mqtt-url'] } : undefined,
        reason,
      );
      io.out(`new credentials for ${rotated.locker.id}: the previous secret no longer works\n`);
      issued(rotated, values.out, io);
      return;
    }
    case 'locker list': {
      const { lockers } = await context.fleet.listLockers({}, { page: 1, pageSize: 100_000 });
      io.out(
        table(
          ['ID', 'NAME', 'TYPE', 'SITE', 'CODE', 'STATE'],
          lockers.map((l) => [
            l.id,
            l.name,
            l.type,
            l.site.name,
            l.pairingCode,
            l.outOfService ? 'out of service' : l.online ? 'online' : 'offline',
          ]),
        ),
      );
      return;
    }
    case 'user grant-premium':
    case 'user revoke-premium': {
      const id = await context.users.idByEmail(single('e-mail address'));
      const user = await context.users.setPremium(id, command === 'grant-premium', actor, reason);
      io.out(`${user.email}: Premium ${user.premium ? 'granted' : 'revoked'}\n`);
      return;
    }
    case 'user make-admin': {
      const id = await context.users.idByEmail(single('e-mail address'));
      const user = await context.users.setRole(id, 'admin', actor, reason);
      io.out(`${user.email}: administrator\n`);
      return;
    }
    default:
      throw new UsageError(`unknown command: ${positionals.join(' ')}`);
  }
}

/** `--site` names a site by id or by its exact name; an unknown one is refused (add it first). */
async function siteOf(context: AdminContext, site: string): Promise<{ siteId: string }> {
  const sites = await context.fleet.listSites();
  const found = sites.find((s) => s.id === site) ?? sites.filter((s) => s.name === site);
  if (!Array.isArray(found)) return { siteId: found.id };
  if (found.length === 1 && found[0]) return { siteId: found[0].id };
  throw new AppError(
    404,
    found.length === 0 ? 'unknown_site' : 'ambiguous_site',
    found.length === 0
      ? `No site is called ${site}: add it with "site add", or give its id ("site list").`
      : `Several sites are called ${site}: give its id ("site list").`,
  );
}

/** The secret is printed once; the file, when asked for, is readable by its owner only. */
function issued(provisioned: ProvisionedLocker, out: string | undefined, io: CliIo): void {
  io.out(`secret (shown once, keep it or rotate later): ${String(provisioned.agentConfig.mqtt.password)}\n`);
  if (!out) return;
  // `mode` applies only to a file created here: one that exists (an earlier bundle, a file the
  // operator made) is narrowed to its owner before the secret is written into it.
  const fd = openSync(out, 'w', 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeFileSync(fd, provisioningBundleFile(provisioned.agentConfig).body);
  } finally {
    closeSync(fd);
  }
  io.out(`agent configuration written to ${out}\n`);
}

function operator(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown operator';
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
