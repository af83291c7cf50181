import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentError } from '../../src/AgentError';
import { loadAgentConfigFile, parseAgentConfig } from '../../src/config';
import { createHal } from '../../src/hal/createHal';
import { SimulatedHal } from '../../src/hal/SimulatedHal';

const minimal = {
  lockerId: 'LOCKER-A1',
  mqtt: { url: 'mqtt://gateway.local:1883' },
  commandPublicKeyPath: 'keys/command.pub.pem',
  stateDir: 'state',
  hal: { driver: 'simulator' },
};

describe('agent configuration (STYLE: validate once, report every problem)', () => {
  it('fills the SPEC §2 defaults', () => {
    const config = parseAgentConfig(minimal, '/etc/smartlocker');
    expect(config.timings).toEqual({
      relayPulseMs: 4_000,
      doorSampleMs: 500,
      doorDebounceMs: 50,
      heartbeatMs: 30_000,
      openConfirmWindowMs: 5_000,
      intrusionGraceMs: 15_000,
      lockdownMs: 300_000,
      doorLeftOpenFirstMs: 60_000,
      doorLeftOpenEveryMs: 30_000,
      presencePublishMs: 10_000,
      distanceMeasureEveryMs: 1_000,
      distanceSampleGapMs: 60,
      antiSpamWindowMs: 60_000,
    });
    expect(config.rules).toEqual({
      antiSpamMaxOpens: 5,
      lockdownAfterIntrusions: 3,
      doorLeftOpenMaxReminders: 3,
      distanceMinCm: 1,
      distanceMaxCm: 200,
      objectPresentBelowCm: 30,
      distanceSamples: 5,
    });
    expect(config.offlineQueue).toEqual({ maxEntries: 10_000 });
    expect(config.mqtt.reconnect).toEqual({ initialDelayMs: 1_000, maxDelayMs: 60_000, jitter: 0.2 });
    expect(config.stateDir).toBe('/etc/smartlocker/state');
    expect(config.commandPublicKeyPath).toBe('/etc/smartlocker/keys/command.pub.pem');
    expect(config.hal).toEqual({
      driver: 'simulator',
      initialDoor: 'closed',
      autoPerson: { enabled: false, autoOpenAfterMs: 800, autoCloseAfterMs: 3_000 },
    });
  });

  it('lists every problem at once, each with its path', () => {
    let error: unknown;
    try {
      parseAgentConfig({
        lockerId: 'bad id',
        mqtt: { url: 'http://x' },
        hal: { driver: 'arduino' },
        timings: { relayPulseMs: -1 },
        rules: { antiSpamMaxOpens: 0 },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AgentError);
    expect((error as AgentError).code).toBe('config_invalid');
    const message = (error as AgentError).message;
    for (const path of [
      'lockerId',
      'mqtt.url',
      'hal.driver',
      'stateDir',
      'timings.relayPulseMs',
      'rules.antiSpamMaxOpens',
      'commandPublicKeyPem',
    ]) {
      expect(message).toContain(`- ${path}:`);
    }
  });

  it('keeps a single broker url valid, as every provisioning bundle has it', () => {
    const config = parseAgentConfig(minimal);
    expect(config.mqtt.urls).toEqual(['mqtt://gateway.local:1883']);
    expect(config.mqtt.url).toBe('mqtt://gateway.local:1883');
  });

  it('takes the nodes of a clustered broker as urls, url first and each node once', () => {
    const nodes = ['mqtts://node-b.example:8883', 'mqtts://node-c.example:8883'];
    const onlyNodes = parseAgentConfig({ ...minimal, mqtt: { urls: nodes } });
    expect(onlyNodes.mqtt.urls).toEqual(nodes);
    expect(onlyNodes.mqtt.url).toBe(nodes[0]);

    const bundlePlusNodes = parseAgentConfig({
      ...minimal,
      mqtt: { url: 'mqtts://node-a.example:8883', urls: ['mqtts://node-a.example:8883', ...nodes] },
    });
    expect(bundlePlusNodes.mqtt.urls).toEqual(['mqtts://node-a.example:8883', ...nodes]);
    // A parsed config parses to itself (the server's simulated lockers hand parsed configs back in).
    expect(parseAgentConfig(bundlePlusNodes).mqtt.urls).toEqual(bundlePlusNodes.mqtt.urls);
  });

  it('refuses a broker list that is missing, empty or holds something other than an MQTT URL', () => {
    const problems = (mqtt: object): string => {
      try {
        parseAgentConfig({ ...minimal, mqtt });
      } catch (error) {
        return (error as AgentError).message;
      }
      return '';
    };
    expect(problems({})).toContain('- mqtt.url: give the broker as url, or the nodes of a clustered broker as urls');
    expect(problems({ urls: [] })).toContain('- mqtt.urls:');
    const mixed = problems({ urls: ['mqtt://node-a:1883', 'http://node-b'], keepaliveS: 0 });
    expect(mixed).toContain('- mqtt.urls.1: an mqtt://, mqtts://, ws:// or wss:// URL');
    // Every problem at once: the list's and the other fields'.
    expect(mixed).toContain('- mqtt.keepaliveS:');
    expect(problems({ urls: Array.from({ length: 17 }, (_, i) => `mqtt://node-${i}:1883`) })).toContain('- mqtt.urls:');
  });

  it('resolves relative paths against the config file folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    try {
      const file = join(dir, 'agent.json');
      writeFileSync(file, JSON.stringify(minimal));
      expect(loadAgentConfigFile(file).stateDir).toBe(join(dir, 'state'));
      writeFileSync(file, '{ not json');
      expect(() => loadAgentConfigFile(file)).toThrow(expect.objectContaining({ code: 'config_invalid' }));
      expect(() => loadAgentConfigFile(join(dir, 'missing.json'))).toThrow(
        expect.objectContaining({ code: 'config_unreadable' }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createHal', () => {
  it('builds the simulator, with the demo person when enabled', () => {
    const config = parseAgentConfig({ ...minimal, hal: { driver: 'simulator', autoPerson: { enabled: true } } });
    expect(createHal(config.hal)).toBeInstanceOf(SimulatedHal);
  });
});
