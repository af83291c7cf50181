import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topicFor } from '@smartlocker/protocol';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningAgent, SimulatedHal, startAgent } from '../../src/index';
import { AedesBroker, Observer, serverKeys, signedCommand } from './brokerHarness';

/**
 * A locker given the nodes of a clustered broker (`mqtt.urls`) fails over to the next one when
 * its node dies or cannot be reached (issue 13). Two in-process brokers stand for two nodes; the
 * real cluster (NATS) is in apps/server/test/integration/natsCluster.test.ts.
 */
const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('an agent with several broker URLs', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function lockerOn(urls: string[]): Promise<{ lockerId: string; agent: RunningAgent<SimulatedHal> }> {
    const lockerId = `FAILOVER-${randomBytes(3).toString('hex').toUpperCase()}`;
    const stateDir = mkdtempSync(join(tmpdir(), 'agent-failover-'));
    const agent = await startAgent(
      {
        lockerId,
        mqtt: { urls, reconnect: { initialDelayMs: 100, maxDelayMs: 400 } },
        commandPublicKeyPem: serverKeys.publicKeyPem,
        stateDir,
        hal: { driver: 'simulator' },
      },
      { hal: new SimulatedHal(), logger },
    );
    cleanups.push(async () => {
      await agent.stop();
      rmSync(stateDir, { recursive: true, force: true });
    });
    return { lockerId, agent };
  }

  async function broker(): Promise<AedesBroker> {
    const started = await AedesBroker.start();
    cleanups.push(() => started.stop());
    return started;
  }

  it('moves to the next node when its node dies, and answers commands there', async () => {
    const first = await broker();
    const second = await broker();
    const { lockerId, agent } = await lockerOn([first.url, second.url]);
    await agent.waitUntilConnected();
    expect(agent.snapshot().broker).toBe(first.url);

    await first.stop();
    await expect.poll(() => agent.snapshot().broker, { timeout: 10_000 }).toBe(second.url);
    await agent.waitUntilConnected();

    const observer = await Observer.connect(second.url, lockerId);
    cleanups.push(() => observer.close());
    const check = signedCommand(lockerId, 'report_state');
    await observer.client.publishAsync(topicFor(lockerId, 'cmd'), JSON.stringify(check), { qos: 1 });
    const ack = await observer.waitFor(() => observer.of('ack').find((a) => a.commandId === check.id), 'the ack');
    expect(ack).toMatchObject({ outcome: 'accepted', commandType: 'report_state' });
  });

  it('starts on the second node when the first cannot be reached', async () => {
    const down = await broker();
    const downUrl = down.url;
    await down.stop();
    const up = await broker();
    const { agent } = await lockerOn([downUrl, up.url]);
    await agent.waitUntilConnected();
    expect(agent.snapshot().broker).toBe(up.url);
  });
});
