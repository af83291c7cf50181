import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentConfigInput, type RunningAgent, SimulatedHal, startAgent } from '@smartlocker/agent';
import type { CommandType } from '@smartlocker/protocol';
import { and, eq } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { EMBEDDED_DATABASE } from '../../../../test-support/backends';
import {
  NATS_CLUSTER_NAME,
  NATS_NODE_NAMES,
  type NatsCluster,
  type NatsNodePlan,
  natsInstalled,
  natsNodeConfig,
  startNatsCluster,
} from '../../../../test-support/natsCluster';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { BrokerUnavailableError, CommandInDoubtError } from '../../src/broker/LockerGateway';
import { alerts, lockers } from '../../src/db/schema';
import {
  agentLedger,
  expectCommandsAccountedFor,
  expectConverged,
  recordSentCommands,
  waitUntil,
} from '../faults/support/invariants';

/**
 * Issue 13: a clustered broker — three NATS nodes with JetStream and their MQTT listener
 * (docs/adr/0012-clustered-broker-nats-mqtt.md). The server is on node A, a locker on node B with
 * C as its fallback. Commands, acknowledgements and reports cross nodes; node B is killed
 * (SIGKILL) while commands flow, the locker reconnects to C, every command it decided is
 * acknowledged on the server exactly once, and the server's view converges.
 *
 * Under CI a missing nats-server is a failure. Elsewhere the cluster scenario is not defined (it
 * is not a skip): only the check of the configuration the helper writes runs.
 */
const inCi = process.env.CI === 'true' || process.env.CI === '1';
if (!natsInstalled && inCi) {
  throw new Error('nats-server (2.9 or later) must be installed when CI=true (or NATS_SERVER set to its path)');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/**
 * From the kill to the locker live on node C. Usually 6–12 s here; up to 31 s measured on the busy
 * 2-core machine, when the new QoS 1 consumers of the locker's subscriptions took longer to create
 * than the MQTT listener's 4 s JetStream timeout and the SUBSCRIBE was refused a few times (ADR 12).
 */
const FAILOVER_ALLOWANCE_MS = 45_000;

describe('the NATS cluster the tests start', () => {
  it('gives each node a name, JetStream, an MQTT listener and routes to the two others', () => {
    const plans: NatsNodePlan[] = NATS_NODE_NAMES.map((name, i) => ({
      name,
      clientPort: 4222 + i,
      clusterPort: 6222 + i,
      mqttPort: 1883 + i,
      monitorPort: 8222 + i,
      storeDir: `/tmp/cluster/${name}`,
    }));
    const [a] = plans;
    if (!a) throw new Error('no node');
    const config = natsNodeConfig(a, plans);
    expect(config).toContain('server_name: "nats-a"');
    expect(config).toMatch(/jetstream \{\n {2}store_dir: "\/tmp\/cluster\/nats-a"/);
    expect(config).toMatch(/mqtt \{\n {2}listen: "127\.0\.0\.1:1883"/);
    expect(config).toContain('stream_replicas: 3');
    expect(config).toContain(`name: "${NATS_CLUSTER_NAME}"`);
    expect(config).toContain('listen: "127.0.0.1:6222"');
    expect(config).toContain('routes: ["nats-route://127.0.0.1:6223", "nats-route://127.0.0.1:6224"]');
    // Loopback only: nothing the test starts listens beyond this machine.
    expect(config.match(/\d+\.\d+\.\d+\.\d+/g)?.every((ip) => ip === '127.0.0.1')).toBe(true);
  });
});

if (natsInstalled) {
  describe('a 3-node NATS cluster: server on node A, a locker on node B with C as fallback', () => {
    let cluster: NatsCluster | undefined;
    let system: TestSystem | undefined;
    let agent: RunningAgent<SimulatedHal> | undefined;
    let stateDir: string | undefined;

    afterAll(async () => {
      await agent?.stop();
      await system?.dispose();
      await cluster?.dispose();
      if (stateDir) rmSync(stateDir, { recursive: true, force: true });
    });

    it('carries commands and reports across nodes, and loses no acknowledged command when the locker’s node dies', {
      timeout: 90_000,
    }, async () => {
      cluster = await startNatsCluster();
      const { nodes } = cluster;
      system = await startTestSystem(EMBEDDED_DATABASE, { name: 'mosquitto', url: nodes['nats-a'].mqttUrl });
      const { gateway } = system;
      const db = system.database.db;
      // Commands the server sends of its own accord count as sent by it too: a `report_state`
      // when a heartbeat names a state report that the cluster lost (docs/protocol.md §7 step 7).
      const sentBySystem = recordSentCommands(gateway);

      // A locker provisioned like the demo ones, whose file lists nodes B and C instead of the bundle's A.
      const lockerId = `NATS_${randomBytes(3).toString('hex').toUpperCase()}`;
      const provisioned = await system.provisioning.provision(
        { id: lockerId, name: `Casier ${lockerId}`, type: 'school', agent: { hal: { driver: 'simulator' } } },
        { kind: 'system', id: null },
      );
      stateDir = mkdtempSync(join(tmpdir(), 'smartlocker-nats-agent-'));
      const hal = new SimulatedHal();
      // The agent's own account of the failover (which node, which attempt), shown if it fails.
      const agentLog: string[] = [];
      const agentLogger = pino(
        { level: 'debug' },
        {
          write: (line: string) => {
            agentLog.push(line.slice(0, 400));
            if (agentLog.length > 200) agentLog.shift();
          },
        },
      );
      agent = await startAgent(
        {
          ...provisioned.agentConfig,
          mqtt: {
            ...provisioned.agentConfig.mqtt,
            url: undefined,
            urls: [nodes['nats-b'].mqttUrl, nodes['nats-c'].mqttUrl],
            // Scaled down from 1 s / 60 s so the failover fits the test; the rotation is the same.
            reconnect: { initialDelayMs: 250, maxDelayMs: 2_000, jitter: 0.2 },
          },
          stateDir,
          hal: { driver: 'simulator' },
          // Heartbeats every second: each names the last state sent, so a report the cluster lost
          // is asked for again (docs/protocol.md §7 step 7) well within the convergence wait.
          timings: { relayPulseMs: 400, openConfirmWindowMs: 1_000, heartbeatMs: 1_000 },
          logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
        } as AgentConfigInput,
        { hal, logger: agentLogger },
      );
      const locker = agent;
      await locker.waitUntilConnected(20_000);
      expect(locker.snapshot().broker).toBe(nodes['nats-b'].mqttUrl);

      // Across nodes, A → B → A: a command reaches the locker and its acknowledgement comes back.
      const first = await gateway.sendCommandAndWait(lockerId, 'report_state', { kind: 'admin', ref: 'nats-1' }, null);
      expect(first.answer).toEqual({ outcome: 'accepted' });
      // A state report from B reaches the server on A: the server's row follows the door.
      await expectConverged(db, locker, Date.now(), 15_000);
      hal.openDoor();
      await waitUntil('the open door on the server', async () => {
        const [row] = await db.select().from(lockers).where(eq(lockers.id, lockerId));
        return row?.door === 'open';
      });
      // Nobody opened it: the locker's intrusion event crossed too.
      await waitUntil('the intrusion alert on the server', async () => {
        const found = await db
          .select()
          .from(alerts)
          .where(and(eq(alerts.lockerId, lockerId), eq(alerts.type, 'intrusion')));
        return found.length === 1;
      });
      hal.closeDoor();
      await expectConverged(db, locker);
      const relayBefore = hal.relayActivations;

      // A command every 250 ms, an open every fourth (the locker refuses some: one pulse at a time,
      // the anti-spam). Node B dies after the 5th; the flow goes on until the locker has been back,
      // on node C, for 8 more. Commands sent while it is between nodes are lost by design (clean
      // session, docs/protocol.md §1): the server sends again what still matters.
      const onNodeC = () => locker.connected && locker.snapshot().broker === nodes['nats-c'].mqttUrl;
      const published: string[] = [];
      const publishedBackOnC: string[] = [];
      // Not confirmed by the broker in time: withdrawn, but they may have reached it.
      const inDoubt: string[] = [];
      let killedAt = 0;
      let backAt = 0;
      for (let i = 0; publishedBackOnC.length < 8; i++) {
        if (i === 5) {
          await cluster.kill('nats-b');
          killedAt = Date.now();
        }
        if (killedAt > 0 && backAt === 0 && onNodeC()) backAt = Date.now();
        if (killedAt > 0 && backAt === 0 && Date.now() - killedAt > FAILOVER_ALLOWANCE_MS) {
          throw new Error(
            `the locker did not reach node C within ${FAILOVER_ALLOWANCE_MS} ms of the kill.\nagent:\n${agentLog.slice(-40).join('')}\nnats-c:\n${cluster.log('nats-c').slice(-6_000)}`,
          );
        }
        const type: CommandType = i % 4 === 0 ? 'open' : 'report_state';
        try {
          const sent = await gateway.sendCommand(lockerId, type, { kind: 'admin', ref: `nats-flow-${i}` }, null);
          published.push(sent.commandId);
          if (backAt > 0) publishedBackOnC.push(sent.commandId);
        } catch (error) {
          if (!(error instanceof BrokerUnavailableError)) throw error;
          if (error instanceof CommandInDoubtError) inDoubt.push(error.commandId);
        }
        await sleep(250);
      }
      expect(locker.snapshot().broker).toBe(nodes['nats-c'].mqttUrl);
      // From node C too, A → C → A. Connected is not yet subscribed everywhere: while JetStream
      // moves the locker's subscription to its new leaders, a command can find nobody (clean
      // session, lost by design), so the server sends again, as a person would tap again.
      let after: Awaited<ReturnType<typeof gateway.sendCommandAndWait>> | null = null;
      const attempts: string[] = [];
      const deadline = Date.now() + FAILOVER_ALLOWANCE_MS;
      for (let attempt = 1; after?.answer == null; attempt++) {
        if (Date.now() > deadline) throw new Error(`no command answered through node C after ${attempt - 1} attempts`);
        after = await gateway.sendCommandAndWait(
          lockerId,
          'report_state',
          { kind: 'admin', ref: `nats-2-${attempt}` },
          null,
        );
        attempts.push(after.commandId);
      }
      expect(after.answer).toEqual({ outcome: 'accepted' });
      // A report published while JetStream was still moving its leaders can be lost on the way
      // (ADR 12): the next heartbeat names it, and the server asks for the state again, so the
      // server's view converges from here. The server's QoS 1 deliveries that node B led wait for
      // their new leaders: the single-broker fault suite's 5 s does not always hold here.
      await expectConverged(db, locker, Date.now(), 20_000);
      await waitUntil('the locker’s queue delivered', () => locker.snapshot().queued === 0, 20_000);

      const ledger = agentLedger(stateDir);
      const accounted = () =>
        expectCommandsAccountedFor(db, lockerId, ledger, hal.relayActivations - relayBefore).then(
          () => true,
          () => false,
        );
      await waitUntil('every decided command acknowledged on the server', accounted);
      await expectCommandsAccountedFor(db, lockerId, ledger, hal.relayActivations - relayBefore);
      // Only commands the server sent were decided; the locker decided some before and after the kill.
      const sentByServer = new Set([first.commandId, ...attempts, ...published, ...inDoubt, ...(await sentBySystem())]);
      expect(
        ledger.filter((entry) => !sentByServer.has(entry.id)),
        `decided but not sent; sent: ${JSON.stringify([...sentByServer])}`,
      ).toEqual([]);
      expect(ledger.map((entry) => entry.id)).toContain(after.commandId);
      expect(ledger.filter((entry) => published.slice(0, 5).includes(entry.id)).length).toBeGreaterThan(0);

      // Node B comes back and rejoins; the locker stays where it is and reports still cross.
      await cluster.restart('nats-b');
      expect(locker.snapshot().broker).toBe(nodes['nats-c'].mqttUrl);
      hal.openDoor();
      await waitUntil('the door opened again, on the server', async () => {
        const [row] = await db.select().from(lockers).where(eq(lockers.id, lockerId));
        return row?.door === 'open';
      });
      hal.closeDoor();
      await expectConverged(db, locker);
    });
  });
}
