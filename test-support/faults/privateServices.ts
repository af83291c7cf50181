import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Services of the fault suite's own, on free loopback ports in temporary folders: the suite kills
 * and restarts them. The machine's shared PostgreSQL and Mosquitto are never touched (other
 * developers use them).
 */
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export interface PrivatePostgres {
  url: string;
  port: number;
  /** `pg_ctl stop -m immediate` (no shutdown checkpoint: as a crash), or fast. */
  stop(mode?: 'immediate' | 'fast'): void;
  start(): Promise<void>;
  dispose(): void;
}

/** initdb + pg_ctl as the `postgres` user when run as root (PostgreSQL refuses root). */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'smartlocker-faults-pg-'));
  const data = join(dir, 'data');
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const run = (command: string, args: string[]) => {
    const binary = join(PG_BIN, command);
    execFileSync(asRoot ? 'runuser' : binary, asRoot ? ['-u', 'postgres', '--', binary, ...args] : args, {
      stdio: 'pipe',
      cwd: dir,
    });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  const start = async () => {
    run('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-o',
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=60`,
      '-w',
      'start',
    ]);
    await waitForPort(port, 20_000);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: (mode = 'immediate') => run('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']),
    start,
    dispose: () => {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // Already stopped.
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface BrokerProcess {
  url: string;
  port: number;
  /** SIGKILL: no DISCONNECT, no last will published by a clean close, nothing flushed. */
  kill(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

async function managed(port: number, spawnIt: () => ChildProcess): Promise<BrokerProcess> {
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawnIt();
    child.stderr?.resume();
    child.stdout?.resume();
    await waitForPort(port, 10_000);
  };
  const kill = async () => {
    const current = child;
    child = null;
    if (!current || current.exitCode !== null) return;
    const exited = new Promise((resolve) => current.once('exit', resolve));
    current.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `mqtt://127.0.0.1:${port}`, port, kill, start, dispose: kill };
}

/** Mosquitto with a configuration of its own: anonymous on loopback, no persistence. */
export async function startPrivateMosquitto(): Promise<BrokerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'smartlocker-faults-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest none\n`);
  const broker = await managed(port, () => spawn('mosquitto', ['-c', conf], { stdio: 'pipe' }));
  return {
    ...broker,
    dispose: async () => {
      await broker.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The embedded broker's code (aedes) in a process of its own, so that it can be killed alone. */
export async function startAedesProcess(): Promise<BrokerProcess> {
  const port = await freePort();
  const script = new URL('./aedesProcess.ts', import.meta.url).pathname;
  return managed(port, () =>
    spawn(process.execPath, ['--import', 'tsx', script, String(port)], { stdio: 'pipe', cwd: process.cwd() }),
  );
}
