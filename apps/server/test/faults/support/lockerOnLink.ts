import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AgentConfigInput, type RunningAgent, SimulatedHal, startAgent } from '@smartlocker/agent';
import type { TestSystem } from '../../../../../test-support/system';
import { startTcpProxy, type TcpProxy } from '../../../../../test-support/tcpProxy';

export interface LockerOnLink {
  lockerId: string;
  agent: RunningAgent<SimulatedHal>;
  hal: SimulatedHal;
  link: TcpProxy;
  stateDir: string;
  dispose(): Promise<void>;
}

/**
 * A locker provisioned on the system like a real one (its own broker account), whose agent
 * reaches the broker through a TCP proxy the scenario can cut. `mqtt` overrides the agent's
 * keep-alive and reconnection (the scenario's scaled timings); `clockOffsetMs` sets its clock off.
 */
export async function lockerOnLink(
  system: TestSystem,
  options: {
    mqtt?: Partial<AgentConfigInput['mqtt']>;
    timings?: AgentConfigInput['timings'];
    clockOffsetMs?: number;
    type?: 'school' | 'sport';
  } = {},
): Promise<LockerOnLink> {
  const lockerId = `LINK_${randomBytes(3).toString('hex').toUpperCase()}`;
  const provisioned = await system.provisioning.provision(
    {
      id: lockerId,
      name: `Casier ${lockerId}`,
      type: options.type ?? 'school',
      agent: { hal: { driver: 'simulator' } },
    },
    { kind: 'system', id: null },
  );
  const broker = new URL(system.brokerUrl);
  const link = await startTcpProxy({ targetHost: broker.hostname, targetPort: Number(broker.port) });
  const stateDir = mkdtempSync(join(tmpdir(), 'smartlocker-faults-agent-'));
  const offset = options.clockOffsetMs ?? 0;
  const hal = new SimulatedHal({ clock: () => Date.now() + offset });
  const agent = await startAgent(
    {
      ...provisioned.agentConfig,
      mqtt: { ...provisioned.agentConfig.mqtt, url: link.url('mqtt'), ...options.mqtt },
      stateDir,
      hal: { driver: 'simulator' },
      ...(options.timings ? { timings: options.timings } : {}),
      logLevel: process.env.TEST_LOG_LEVEL ?? 'silent',
    } as AgentConfigInput,
    { hal },
  );
  return {
    lockerId,
    agent,
    hal,
    link,
    stateDir,
    dispose: async () => {
      await agent.stop();
      await link.close();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
