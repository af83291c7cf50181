import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { type DynsecBroker, MOSQUITTO, MOSQUITTO_CTRL } from './dynsecMosquitto';
import { freePort } from './faults/privateServices';

/**
 * A site with its own Mosquitto bridged to a central one (issue 13, docs/site-bridges.md), all on
 * loopback: the bridge is the shipped template deploy/mosquitto/site-bridge.conf with its
 * placeholders filled in, and its account on the central broker is made by the shipped
 * deploy/mosquitto/central-site-bridge.sh. Never the shared broker on 1883.
 */
const DEPLOY_DIR = new URL('../deploy/mosquitto/', import.meta.url).pathname;
export const SITE_BRIDGE_TEMPLATE = join(DEPLOY_DIR, 'site-bridge.conf');
export const CENTRAL_BRIDGE_SCRIPT = join(DEPLOY_DIR, 'central-site-bridge.sh');

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SiteBridgeValues {
  siteId: string;
  /** host:port of the central broker. */
  centralAddress: string;
  bridgePassword: string;
}

/** The template with every `@NAME@` filled in; throws if one is left (the template grew a new one). */
export function renderSiteBridge(values: SiteBridgeValues): string {
  const filled = readFileSync(SITE_BRIDGE_TEMPLATE, 'utf8')
    .replaceAll('@SITE_ID@', values.siteId)
    .replaceAll('@CENTRAL_ADDRESS@', values.centralAddress)
    .replaceAll('@BRIDGE_PASSWORD@', values.bridgePassword);
  const left = filled
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .match(/@[A-Z_]+@/g);
  if (left) throw new Error(`site-bridge.conf has placeholders the test does not fill: ${left.join(', ')}`);
  return filled;
}

/** Runs the shipped central-side script against the central broker with its administrator account. */
export async function addBridgeAccount(central: DynsecBroker, siteId: string, bridgePassword: string): Promise<void> {
  await run(
    'sh',
    [
      CENTRAL_BRIDGE_SCRIPT,
      'add',
      siteId,
      '-h',
      '127.0.0.1',
      '-p',
      String(central.port),
      '-u',
      central.admin.username,
      '-P',
      central.admin.password,
    ],
    { env: { ...process.env, BRIDGE_PASSWORD: bridgePassword, MOSQUITTO_CTRL }, timeout: 30_000 },
  );
}

export interface SiteBroker {
  /** Where the site's lockers connect (the same across restarts). */
  url: string;
  port: number;
  /** The bridge configuration it runs, as rendered from the template. */
  bridgeConfig: string;
  /** SIGKILL: the site's broker dies, and with it the bridge; the central side sees the link drop. */
  kill(): Promise<void>;
  /** Starts it again on the same port, with the same configuration. */
  start(): Promise<void>;
  log(): string;
  dispose(): Promise<void>;
}

/**
 * The site's Mosquitto: anonymous on its loopback listener (the lockers' accounts on a site broker
 * are docs/site-bridges.md's business, not this test's), no persistence, everything logged, and
 * the rendered bridge to `central`.
 */
export async function startSiteBroker(
  central: DynsecBroker,
  values: Omit<SiteBridgeValues, 'centralAddress'>,
): Promise<SiteBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'smartlocker-site-mosquitto-'));
  const port = await freePort();
  const logFile = join(dir, 'mosquitto.log');
  const bridgeConfig = renderSiteBridge({ ...values, centralAddress: `127.0.0.1:${central.port}` });
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      'per_listener_settings false',
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence false',
      `log_dest file ${logFile}`,
      'log_type all',
      // As root, Mosquitto would switch to the `mosquitto` user, who cannot write this folder.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
      bridgeConfig,
    ].join('\n'),
    { mode: 0o600 },
  );
  const url = `mqtt://127.0.0.1:${port}`;
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  let child: ChildProcess | null = null;
  let stderr = '';

  const kill = async () => {
    const current = child;
    child = null;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };

  const start = async () => {
    if (child) throw new Error('the site broker is already running');
    const started = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    child = started;
    started.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Ready once it answers a CONNECT; a port the old process left in TIME_WAIT is no obstacle
    // for a listener, but the new process may take a moment on a busy machine.
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const probe = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1_000 });
        await probe.endAsync();
        return;
      } catch (error) {
        if (started.exitCode !== null || Date.now() > deadline) {
          await kill();
          throw new Error(`the site's mosquitto did not start: ${String(error)}\n${stderr}\n${log()}`);
        }
        await sleep(50);
      }
    }
  };

  await start();
  return {
    url,
    port,
    bridgeConfig,
    kill,
    start,
    log,
    dispose: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
