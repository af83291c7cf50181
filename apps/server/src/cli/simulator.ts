import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AgentConfigInput, loadAgentConfigFile, type RunningAgent, startAgent } from '@smartlocker/agent';
import { pino } from 'pino';

/**
 * `npm run sim`: N simulated lockers against a running server, each provisioned through the
 * administrators' HTTP API (so with its own broker credential, SPEC §12) and run by the real
 * agent code with the simulator HAL, in this process.
 */
export interface SimulatorOptions {
  /** The server, e.g. http://localhost:3000. */
  url: string;
  lockers: number;
  /** The server's DATA_DIR: demo-accounts.json is read there, agent configs written under sim/. */
  dataDir: string;
  /** Locker ids are `{prefix}_001`, `{prefix}_002`… */
  prefix?: string;
  /** Defaults to the demo administrator of DATA_DIR/demo-accounts.json. */
  admin?: { email: string; password: string };
  /** The broker URL as the agents reach it, when not the one the server uses. */
  mqttUrl?: string;
  agentLogLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  connectTimeoutMs?: number;
}

export interface SimulatedLockerRow {
  id: string;
  type: 'school' | 'sport';
  pairingCode: string;
  /** `created`, or `rotated` when the locker existed and got a new secret. */
  provisioning: 'created' | 'rotated';
  online: boolean;
  configPath: string;
}

export interface RunningSimulator {
  rows: SimulatedLockerRow[];
  agents: RunningAgent[];
  stop(): Promise<void>;
}

export class SimulatorError extends Error {}

const SITE_NAME = 'Simulateur';
const PROVISIONING_CONCURRENCY = 4;

interface ProvisionAnswer {
  locker: { id: string; type: 'school' | 'sport' };
  pairingCode: string;
  agentConfig: AgentConfigInput;
}

/** A signed-in administrator session: cookies kept, Origin sent as a browser would (CSRF check). */
class AdminSession {
  readonly #cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.baseUrl), {
        method,
        headers: {
          origin: new URL(this.baseUrl).origin,
          'content-type': 'application/json',
          ...(this.#cookies.size > 0 ? { cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new SimulatorError(`cannot reach the server at ${this.baseUrl} (is npm start running?): ${String(error)}`);
    }
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (pair && eq > 0) this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const text = await response.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = text;
    }
    return { status: response.status, body: parsed };
  }
}

function errorCode(body: unknown): string {
  const error = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : 'unknown_error';
  return typeof error?.message === 'string' ? `${code}: ${error.message}` : code;
}

function demoAdmin(dataDir: string): { email: string; password: string } {
  const path = join(dataDir, 'demo-accounts.json');
  if (!existsSync(path)) {
    throw new SimulatorError(`${path} not found: start the server in demo mode first, or give --data-dir`);
  }
  const accounts = JSON.parse(readFileSync(path, 'utf8')) as { role: string; email: string; password: string }[];
  const admin = accounts.find((a) => a.role === 'admin');
  if (!admin) throw new SimulatorError(`${path} has no administrator account`);
  return { email: admin.email, password: admin.password };
}

export function simulatedLockerId(prefix: string, index: number): string {
  return `${prefix}_${String(index).padStart(3, '0')}`;
}

export async function runSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const prefix = options.prefix ?? 'SIM';
  if (!Number.isInteger(options.lockers) || options.lockers < 1 || options.lockers > 999) {
    throw new SimulatorError('--lockers must be a whole number from 1 to 999');
  }
  const session = new AdminSession(options.url);
  const admin = options.admin ?? demoAdmin(options.dataDir);
  const signIn = await session.request('POST', '/api/auth/sign-in/email', admin);
  if (signIn.status !== 200) throw new SimulatorError(`administrator sign-in refused (HTTP ${signIn.status})`);

  const agentSettings = {
    stateDir: 'state',
    hal: { driver: 'simulator', autoPerson: { enabled: true } },
    ...(options.mqttUrl ? { mqttUrl: options.mqttUrl } : {}),
  };

  async function provisionOne(index: number): Promise<{ row: SimulatedLockerRow; path: string }> {
    const id = simulatedLockerId(prefix, index);
    const type = index % 2 === 1 ? 'sport' : 'school';
    let provisioning: SimulatedLockerRow['provisioning'] = 'created';
    let answer = await session.request('POST', '/api/admin/lockers', {
      id,
      name: `Casier simulé ${index}`,
      type,
      siteName: SITE_NAME,
      agent: agentSettings,
    });
    // Already there from an earlier run: keep it, with a new secret (the old one is unknown).
    if (answer.status === 409 && errorCode(answer.body).startsWith('locker_exists')) {
      provisioning = 'rotated';
      answer = await session.request('POST', `/api/admin/lockers/${id}/rotate-secret`, { agent: agentSettings });
    }
    if (answer.status !== 200 && answer.status !== 201) {
      throw new SimulatorError(`provisioning ${id} failed (HTTP ${answer.status} ${errorCode(answer.body)})`);
    }
    const { locker, pairingCode, agentConfig } = answer.body as ProvisionAnswer;
    const dir = join(options.dataDir, 'sim', id);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, 'agent.json');
    // It holds the locker's broker password, as the file on a real locker does.
    writeFileSync(path, `${JSON.stringify({ ...agentConfig, logLevel: options.agentLogLevel ?? 'warn' }, null, 2)}\n`, {
      mode: 0o600,
    });
    return {
      row: { id, type: locker.type, pairingCode, provisioning, online: false, configPath: path },
      path,
    };
  }

  // A few at a time: each provisioning is a round of HTTP requests and database writes on the server.
  const provisioned: { row: SimulatedLockerRow; path: string }[] = [];
  const indexes = Array.from({ length: options.lockers }, (_, i) => i + 1);
  while (indexes.length > 0) {
    const batch = indexes.splice(0, PROVISIONING_CONCURRENCY);
    provisioned.push(...(await Promise.all(batch.map(provisionOne))));
  }

  const logger = pino({ name: 'smartlocker-sim', level: options.agentLogLevel ?? 'warn' });
  const agents: RunningAgent[] = [];
  const stop = async () => {
    await Promise.allSettled(agents.splice(0).map((agent) => agent.stop()));
  };
  try {
    for (const { path } of provisioned) agents.push(await startAgent(loadAgentConfigFile(path), { logger }));
  } catch (error) {
    await stop();
    throw error;
  }
  const timeout = options.connectTimeoutMs ?? 10_000;
  const online = await Promise.all(
    agents.map((agent) =>
      agent.waitUntilConnected(timeout).then(
        () => true,
        () => false,
      ),
    ),
  );
  const rows = provisioned.map(({ row }, i) => ({ ...row, online: online[i] ?? false }));
  return { rows, agents: [...agents], stop };
}

/** The table `npm run sim` prints. */
export function formatSimulatorTable(rows: readonly SimulatedLockerRow[]): string {
  const header = ['Casier', 'Type', 'Code', 'Provisionnement', 'Broker', 'Configuration'];
  const lines = rows.map((r) => [
    r.id,
    r.type === 'sport' ? 'sport' : 'école',
    r.pairingCode,
    r.provisioning === 'created' ? 'créé' : 'secret renouvelé',
    r.online ? 'en ligne' : 'HORS LIGNE',
    r.configPath,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const format = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ');
  return [format(header), widths.map((w) => '─'.repeat(w)).join('  '), ...lines.map(format)].join('\n');
}
