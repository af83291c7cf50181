import { SimulatedHal } from '@smartlocker/agent';
import {
  type DeviceConfig,
  decodeMessage,
  hashBadge,
  loadPublicKey,
  topicFor,
  verifyDeviceConfig,
} from '@smartlocker/protocol';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brokerBackends, EMBEDDED_DATABASE } from '../../../../test-support/backends';
import { readSse, TestBrowser, waitForEvent } from '../../../../test-support/http';
import { startTestSystem, type TestSystem } from '../../../../test-support/system';

/** The latest retained config of a locker, as the locker would receive it on connect. */
async function retainedConfig(system: TestSystem, lockerId: string, accept: (c: DeviceConfig) => boolean) {
  const client = await mqtt.connectAsync(system.brokerUrl, { reconnectPeriod: 0, ...system.brokerAccount });
  try {
    return await new Promise<DeviceConfig>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching config within 5 s')), 5_000);
      client.on('message', (_topic, payload) => {
        const decoded = decodeMessage('config', payload);
        if (decoded.ok && accept(decoded.message)) {
          clearTimeout(timer);
          resolve(decoded.message);
        }
      });
      void client.subscribeAsync(topicFor(lockerId, 'config'), { qos: 1 });
    });
  } finally {
    await client.endAsync();
  }
}

describe.each(brokerBackends())('administrator actions on $name', (broker) => {
  let system: TestSystem;
  let admin: TestBrowser;
  let member: TestBrowser;

  beforeAll(async () => {
    system = await startTestSystem(EMBEDDED_DATABASE, broker);
    const account = system.demoAccounts.find((a) => a.role === 'admin');
    if (!account) throw new Error('no demo admin');
    admin = new TestBrowser(system.url);
    expect(await admin.signIn(account.email, account.password)).toBe(200);
    member = new TestBrowser(system.url);
    await member.signUp(`member-${Date.now()}@example.org`);
  });
  afterAll(async () => {
    await system?.dispose();
  });

  it('refuses administrator routes to a member', async () => {
    const badges = await member.json<{ error: { code: string } }>('GET', '/api/admin/badges');
    expect(badges.status).toBe(403);
    expect(badges.body.error.code).toBe('admin_only');
    const reset = await member.json('POST', `/api/admin/lockers/${system.lockerIds.sport}/reset-lockdown`);
    expect(reset.status).toBe(403);
  });

  it('publishes each locker a signed config with the badges hashed for that locker', async () => {
    const uid = `0A${Date.now().toString(16).toUpperCase().slice(-8)}`;
    const added = await admin.json<{ badge: { id: string; uid: string } }>('POST', '/api/admin/badges', {
      uid: uid.toLowerCase().replace(/(..)/g, '$1:').slice(0, -1),
      label: 'Gardien',
    });
    expect(added.status).toBe(201);
    expect(added.body.badge.uid).toBe(uid);
    expect((await admin.json('POST', '/api/admin/badges', { uid, label: 'Again' })).status).toBe(409);
    expect((await admin.json('POST', '/api/admin/badges', { uid: 'xyz', label: 'Bad' })).status).toBe(400);

    const lockerId = system.lockerIds.school;
    const config = await retainedConfig(system, lockerId, (c) => c.adminBadges.includes(hashBadge(lockerId, uid)));
    expect(config.lockerId).toBe(lockerId);
    expect(config.adminBadges).toContain(hashBadge(lockerId, system.demoBadgeUid ?? ''));
    expect(config.adminBadges).not.toContain(hashBadge(system.lockerIds.sport, uid));
    expect(verifyDeviceConfig(config, { publicKey: loadPublicKey(system.commandPublicKeyPem), lockerId })).toEqual({
      ok: true,
    });

    expect((await admin.request('DELETE', `/api/admin/badges/${added.body.badge.id}`)).status).toBe(204);
    const after = await retainedConfig(system, lockerId, (c) => !c.adminBadges.includes(hashBadge(lockerId, uid)));
    expect(after.issuedAt).toBeGreaterThan(config.issuedAt);
    expect((await admin.request('DELETE', `/api/admin/badges/${added.body.badge.id}`)).status).toBe(404);
  });

  it('sends a signed reset_lockdown that the locker acknowledges', async () => {
    const acks: string[] = [];
    const off = system.bus.on('command.acknowledged', (ack) => {
      if (ack.commandType === 'reset_lockdown') acks.push(`${ack.commandId}:${ack.outcome}`);
    });
    try {
      const sent = await admin.json<{ commandId: string }>(
        'POST',
        `/api/admin/lockers/${system.lockerIds.sport}/reset-lockdown`,
      );
      // The answer waits for the locker's acknowledgement (issue 10).
      expect(sent.status).toBe(200);
      expect(acks).toContain(`${sent.body.commandId}:accepted`);
      expect((await admin.json('POST', '/api/admin/lockers/NOPE_42/reset-lockdown')).status).toBe(404);
    } finally {
      off();
    }
  });

  it('turns an intrusion into an alert pushed live to the member who paired the locker (SPEC §8)', async () => {
    const paired = await member.json('POST', '/api/pairing', { code: system.codes.school });
    expect(paired.status).toBe(201);
    const events = readSse(await member.request('GET', '/api/events'));
    await waitForEvent(events, (e) => e.event === 'locker');

    const agent = system.agents.find((a) => a.lockerId === system.lockerIds.school);
    if (!agent || !(agent.hal instanceof SimulatedHal)) throw new Error('no simulated school locker');
    agent.hal.setDoor('open'); // nobody asked for an open: an intrusion
    const alert = await waitForEvent(events, (e) => e.event === 'alert', 10_000);
    expect(JSON.parse(alert.data)).toMatchObject({
      lockerId: system.lockerIds.school,
      type: 'intrusion',
      severity: 'critical',
    });
    agent.hal.setDoor('closed');
    await events.return(undefined);
  });
});
