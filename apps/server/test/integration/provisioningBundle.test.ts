import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentConfig, type RunningAgent, startAgent } from '@smartlocker/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMBEDDED_BROKER, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { decodeQrCodes, svgToPng } from '../../../../test-support/qrDecode';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';
import { provisioningBundleFile, provisioningBundleQr } from '../../src/provisioning/provisioningBundle';

/**
 * Issue 11's provisioning bundle, from a locker really provisioned: its QR code scans back to a
 * config the agent's own parser accepts, and an agent started from what was scanned comes online.
 */
describe('the provisioning bundle of a provisioned locker', () => {
  let system: TestSystem;
  let stateRoot: string;
  const agents: RunningAgent[] = [];
  const id = `QR_${randomBytes(3).toString('hex').toUpperCase()}`;

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, EMBEDDED_BROKER);
    stateRoot = mkdtempSync(join(tmpdir(), 'smartlocker-bundle-'));
  });
  afterAll(async () => {
    await Promise.allSettled(agents.map((agent) => agent.stop()));
    await system?.dispose();
    if (stateRoot) rmSync(stateRoot, { recursive: true, force: true });
  });

  it('scans back to a config the agent accepts, and the agent comes online from it', async () => {
    const { agentConfig } = await system.provisioning.provision(
      { id, name: 'Casier QR', type: 'sport', agent: { stateDir: join(stateRoot, id), hal: { driver: 'simulator' } } },
      { kind: 'system', id: null },
    );
    const qr = provisioningBundleQr(agentConfig);
    expect(qr.errorCorrection).toBe('M');
    const found = await decodeQrCodes(await svgToPng(qr.svg, 200));
    expect(found).toHaveLength(1);
    const scanned: unknown = JSON.parse(found[0]?.text ?? '');
    expect(scanned).toEqual(agentConfig);
    expect(parseAgentConfig(scanned)).toEqual(parseAgentConfig(JSON.parse(provisioningBundleFile(agentConfig).body)));

    const agent = await startAgent({ ...parseAgentConfig(scanned), logLevel: 'silent' });
    agents.push(agent);
    await agent.waitUntilConnected(10_000);
    expect(agent.connected).toBe(true);
  });
});
