import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { freePort } from './faults/privateServices';

/**
 * A 3-node NATS cluster with JetStream and the MQTT listener on every node (issue 13,
 * docs/adr/0012-clustered-broker-nats-mqtt.md), on free loopback ports in a temporary folder.
 * Tests kill a node (SIGKILL) and start it again on the same ports and store.
 */
export const NATS_SERVER = process.env.NATS_SERVER ?? '/usr/sbin/nats-server';
export const natsInstalled = existsSync(NATS_SERVER);

export const NATS_CLUSTER_NAME = 'smartlocker';
export const NATS_NODE_NAMES = ['nats-a', 'nats-b', 'nats-c'] as const;
export type NatsNodeName = (typeof NATS_NODE_NAMES)[number];

/** The ports and folder of one node: what its configuration file is written from. */
export interface NatsNodePlan {
  name: NatsNodeName;
  clientPort: number;
  clusterPort: number;
  mqttPort: number;
  monitorPort: number;
  storeDir: string;
}

export interface NatsNode extends NatsNodePlan {
  /** `mqtt://127.0.0.1:<port>`: where a locker or the server connects to this node. */
  mqttUrl: string;
  readonly running: boolean;
}

export interface NatsCluster {
  nodes: Record<NatsNodeName, NatsNode>;
  /** SIGKILL: no clean shutdown, no DISCONNECT sent to its clients, nothing flushed. */
  kill(name: NatsNodeName): Promise<void>;
  /** Starts a killed node again (same ports, same JetStream store) and waits until it has rejoined. */
  restart(name: NatsNodeName): Promise<void>;
  /** Waits until every running node sees the others, JetStream has a meta leader and MQTT answers. */
  waitUntilFormed(timeoutMs?: number): Promise<void>;
  /** The last lines a node wrote (for a failure message). */
  log(name: NatsNodeName): string;
  dispose(): Promise<void>;
}

/**
 * The configuration of one node. `server_name` is required by JetStream in a cluster and by the
 * MQTT listener; the MQTT listener needs JetStream (sessions, retained messages and QoS 1
 * messages live in streams); every node routes to the two others.
 */
export function natsNodeConfig(node: NatsNodePlan, peers: NatsNodePlan[]): string {
  const routes = peers
    .filter((peer) => peer.name !== node.name)
    .map((peer) => `nats-route://127.0.0.1:${peer.clusterPort}`);
  return [
    `server_name: ${JSON.stringify(node.name)}`,
    `listen: "127.0.0.1:${node.clientPort}"`,
    `http: "127.0.0.1:${node.monitorPort}"`,
    'jetstream {',
    `  store_dir: ${JSON.stringify(node.storeDir)}`,
    '  max_memory_store: 64MB',
    '  max_file_store: 256MB',
    '}',
    'mqtt {',
    `  listen: "127.0.0.1:${node.mqttPort}"`,
    // Sessions, retained messages and QoS 1 messages on all three nodes: any one may die.
    '  stream_replicas: 3',
    // A QoS 1 message not acknowledged by a subscriber is delivered again after this long.
    '  ack_wait: "5s"',
    '}',
    'cluster {',
    `  name: ${JSON.stringify(NATS_CLUSTER_NAME)}`,
    `  listen: "127.0.0.1:${node.clusterPort}"`,
    `  routes: [${routes.map((route) => JSON.stringify(route)).join(', ')}]`,
    '}',
    '',
  ].join('\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function monitor<T>(port: number, path: string): Promise<T | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, { signal: AbortSignal.timeout(2_000) });
    return response.ok ? ((await response.json()) as T) : null;
  } catch {
    return null;
  }
}

/** An MQTT CONNECT answered with a CONNACK: the node's MQTT listener and its JetStream assets are up. */
async function mqttAnswers(url: string): Promise<boolean> {
  try {
    const client = await mqtt.connectAsync(url, {
      clientId: `smartlocker-probe-${Math.random().toString(36).slice(2, 10)}`,
      reconnectPeriod: 0,
      connectTimeout: 4_000,
    });
    await client.endAsync();
    return true;
  } catch {
    return false;
  }
}

const LOG_KEEP_CHARS = 16_000;

export async function startNatsCluster(): Promise<NatsCluster> {
  if (!natsInstalled) throw new Error(`nats-server is not installed at ${NATS_SERVER} (set NATS_SERVER)`);
  const dir = mkdtempSync(join(tmpdir(), 'smartlocker-nats-'));
  const plans: NatsNodePlan[] = [];
  for (const name of NATS_NODE_NAMES) {
    plans.push({
      name,
      clientPort: await freePort(),
      clusterPort: await freePort(),
      mqttPort: await freePort(),
      monitorPort: await freePort(),
      storeDir: join(dir, name, 'jetstream'),
    });
  }
  const children = new Map<NatsNodeName, ChildProcess>();
  const logs = new Map<NatsNodeName, string>();
  const configFiles = new Map<NatsNodeName, string>();
  for (const plan of plans) {
    mkdirSync(plan.storeDir, { recursive: true });
    const file = join(dir, plan.name, 'nats.conf');
    writeFileSync(file, natsNodeConfig(plan, plans));
    configFiles.set(plan.name, file);
  }

  const start = (name: NatsNodeName): void => {
    const child = spawn(NATS_SERVER, ['-c', configFiles.get(name) as string], { stdio: ['ignore', 'pipe', 'pipe'] });
    // A dead peer's route is dialled every second: those lines would push everything else out.
    const keep = (chunk: Buffer) => {
      const lines = chunk
        .toString()
        .split('\n')
        .filter((line) => line !== '' && !line.includes('Error trying to connect to route'));
      if (lines.length > 0) logs.set(name, `${logs.get(name) ?? ''}${lines.join('\n')}\n`.slice(-LOG_KEEP_CHARS));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    children.set(name, child);
  };
  const isRunning = (name: NatsNodeName): boolean => {
    const child = children.get(name);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  };
  const kill = async (name: NatsNodeName): Promise<void> => {
    const child = children.get(name);
    children.delete(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };

  const nodes = Object.fromEntries(
    plans.map((plan) => [
      plan.name,
      {
        ...plan,
        mqttUrl: `mqtt://127.0.0.1:${plan.mqttPort}`,
        get running() {
          return isRunning(plan.name);
        },
      },
    ]),
  ) as Record<NatsNodeName, NatsNode>;

  const formed = async (): Promise<string | null> => {
    const running = plans.filter((plan) => isRunning(plan.name));
    for (const plan of running) {
      const routes = await monitor<{ num_routes: number }>(plan.monitorPort, '/routez');
      if (!routes || routes.num_routes < running.length - 1) return `${plan.name} has not routed to its peers yet`;
      const js = await monitor<{ meta_cluster?: { leader?: string } }>(plan.monitorPort, '/jsz');
      if (!js?.meta_cluster?.leader) return `${plan.name} sees no JetStream meta leader yet`;
    }
    for (const plan of running) {
      if (!(await mqttAnswers(nodes[plan.name].mqttUrl))) return `${plan.name} does not answer MQTT yet`;
    }
    return null;
  };
  const waitUntilFormed = async (timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const plan of plans) {
        const child = children.get(plan.name);
        if (child && (child.exitCode !== null || child.signalCode !== null)) {
          throw new Error(`${plan.name} exited (${child.exitCode ?? child.signalCode}):\n${logs.get(plan.name) ?? ''}`);
        }
      }
      const missing = await formed();
      if (missing === null) return;
      if (Date.now() > deadline) throw new Error(`the NATS cluster did not form within ${timeoutMs} ms: ${missing}`);
      await sleep(100);
    }
  };

  const dispose = async (): Promise<void> => {
    await Promise.all(NATS_NODE_NAMES.map((name) => kill(name)));
    rmSync(dir, { recursive: true, force: true });
  };

  for (const plan of plans) start(plan.name);
  try {
    await waitUntilFormed();
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    nodes,
    kill,
    restart: async (name) => {
      if (isRunning(name)) throw new Error(`${name} is already running`);
      start(name);
      await waitUntilFormed();
    },
    waitUntilFormed,
    log: (name) => logs.get(name) ?? '',
    dispose,
  };
}
