import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';

/**
 * A private Mosquitto with the dynamic-security plugin, set up as docs/deploy-mosquitto.md says
 * (its dynamic-security file made by `mosquitto_ctrl dynsec init` with the server's account,
 * debug log to a file), on a free loopback port in a temporary folder. Never the shared 1883.
 */
export const MOSQUITTO = process.env.MOSQUITTO_PATH ?? '/usr/sbin/mosquitto';
export const MOSQUITTO_CTRL = process.env.MOSQUITTO_CTRL_PATH ?? '/usr/bin/mosquitto_ctrl';
export const DYNSEC_PLUGIN =
  process.env.MOSQUITTO_DYNSEC_PLUGIN ?? '/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so';

export const dynsecInstalled = [MOSQUITTO, MOSQUITTO_CTRL, DYNSEC_PLUGIN].every((path) => existsSync(path));

export interface DynsecBroker {
  url: string;
  port: number;
  /** The server's account: holds the `admin` role of `dynsec init`. */
  admin: { username: string; password: string };
  /** Where the broker writes its log (`log_type all`). */
  logFile: string;
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address !== 'object') throw new Error('no free port');
  return address.port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startDynsecMosquitto(adminUsername = 'smartlocker-server'): Promise<DynsecBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'smartlocker-dynsec-'));
  const port = await freePort();
  const admin = { username: adminUsername, password: randomBytes(24).toString('base64url') };
  const dynsecFile = join(dir, 'dynamic-security.json');
  const logFile = join(dir, 'mosquitto.log');
  execFileSync(MOSQUITTO_CTRL, ['dynsec', 'init', dynsecFile, admin.username, admin.password], { stdio: 'pipe' });
  writeFileSync(
    join(dir, 'mosquitto.conf'),
    [
      'per_listener_settings false',
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `plugin ${DYNSEC_PLUGIN}`,
      `plugin_opt_config_file ${dynsecFile}`,
      'persistence false',
      `log_dest file ${logFile}`,
      'log_type all',
      // As root, Mosquitto would switch to the `mosquitto` user, who cannot read this folder.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(MOSQUITTO, ['-c', join(dir, 'mosquitto.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = `mqtt://127.0.0.1:${port}`;
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const probe = await mqtt.connectAsync(url, { ...admin, reconnectPeriod: 0, connectTimeout: 1_000 });
      await probe.endAsync();
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > deadline) {
        const output = `${stderr}\n${log()}`;
        await stop();
        throw new Error(`mosquitto did not start: ${String(error)}\n${output}`);
      }
      await sleep(50);
    }
  }
  return { url, port, admin, logFile, log, stop };
}
