import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CHANNEL_DIRECTION,
  CHANNELS,
  type Channel,
  COMMAND_TYPES,
  type Command,
  canonicalJson,
  type DeviceConfig,
  DeviceEvent,
  decodeMessage,
  hashBadge,
  LOCKER_ID_PATTERN,
  loadPublicKey,
  MAX_PAYLOAD_BYTES,
  REFUSAL_REASONS,
  RETAINED_CHANNELS,
  ReplayCache,
  verifyCommand,
  verifyDeviceConfig,
} from '../src/index';
import { isObject } from './support/jsonSchemaDrift';
import { parseYamlSubset } from './support/yamlSubset';
import { RFC8032_TEST1 } from './validMessages';

const protocolMd = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');

/** Fenced blocks announced by `<!-- example: <channel> -->` or `<!-- test-vector: <name> -->`. */
const blocks = [...protocolMd.matchAll(/<!-- (example|test-vector): ([\w-]+) -->\n```\w+\n([\s\S]*?)\n```/g)].map(
  ([, kind, name, body]) => ({ kind: kind ?? '', name: name ?? '', body: body ?? '' }),
);
const examples = blocks.filter((b) => b.kind === 'example');

function testVector(name: string): string {
  const block = blocks.find((b) => b.kind === 'test-vector' && b.name === name);
  if (!block) throw new Error(`docs/protocol.md has no test vector "${name}"`);
  return block.body;
}

function commandExample(): Command {
  const block = examples.find((b) => b.name === 'cmd');
  if (!block) throw new Error('docs/protocol.md has no cmd example');
  return JSON.parse(block.body) as Command;
}

describe('docs/protocol.md', () => {
  it('has a JSON example for every channel and every event type', () => {
    expect(new Set(examples.map((b) => b.name))).toEqual(new Set(CHANNELS));
    const eventTypes = examples
      .filter((b) => b.name === 'event')
      .map((b) => (JSON.parse(b.body) as { type: string }).type);
    expect(eventTypes.sort()).toEqual(DeviceEvent.options.map((o) => String(o.shape.type.value)).sort());
  });

  it.each(examples.map((b, i) => [`${b.name} #${i}`, b] as const))('example %s decodes, member for member', (_, b) => {
    expect(CHANNELS).toContain(b.name);
    const parsed: unknown = JSON.parse(b.body);
    expect(decodeMessage(b.name as Channel, b.body)).toEqual({ ok: true, message: parsed });
  });

  it('gives the canonical JSON of the command example', () => {
    const { sig: _sig, ...unsigned } = commandExample();
    expect(testVector('canonical')).toBe(canonicalJson(unsigned));
  });

  it('gives a test vector that verifies with the RFC 8032 TEST 1 public key, and fails when altered', () => {
    const publicKey = loadPublicKey(testVector('public-key'));
    const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
    expect(raw).toBe(RFC8032_TEST1.publicKeyHex);
    expect(protocolMd).toContain(RFC8032_TEST1.secretKeyHex);
    expect(protocolMd).toContain(RFC8032_TEST1.publicKeyHex);

    const command = commandExample();
    expect(command.sig).toBe(testVector('sig'));
    const verify = (c: Command) =>
      verifyCommand(c, { publicKey, lockerId: 'ECOLE_01', now: 1736935201000, replayCache: new ReplayCache() });
    expect(verify(command)).toEqual({ ok: true });
    expect(verify({ ...command, type: 'reset_lockdown' })).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it('gives a config example signed with the RFC 8032 TEST 1 key, whose badges are the UIDs it names', () => {
    const block = examples.find((b) => b.name === 'config');
    if (!block) throw new Error('docs/protocol.md has no config example');
    const config = JSON.parse(block.body) as DeviceConfig;
    const publicKey = loadPublicKey(testVector('public-key'));
    expect(verifyDeviceConfig(config, { publicKey, lockerId: 'ECOLE_01' })).toEqual({ ok: true });
    expect(config.adminBadges).toEqual([hashBadge('ECOLE_01', '04A1B2C3D4'), hashBadge('ECOLE_01', '04:5E:6F:70')]);
    expect(protocolMd).toContain('`04A1B2C3D4`');
    expect(protocolMd).toContain('`04:5E:6F:70`');
    const badgeEvent = examples
      .filter((b) => b.name === 'event')
      .map((b) => JSON.parse(b.body) as { type: string; badgeHash?: string })
      .find((e) => e.type === 'badge');
    expect(config.adminBadges).toContain(badgeEvent?.badgeHash);
  });

  it('states the device rules with the numbers of SPEC §2 (§11)', () => {
    for (const rule of [
      '**4 s**',
      '**500 ms**',
      '**15 s**',
      '**3rd**',
      '**5 min**',
      '**60 s**',
      '**30 s**',
      '**3** reminders',
      '**1–200 cm**',
      '**30 cm**',
      '**10 s**',
      '**10 000**',
      '**1 s** doubling to **60 s**, ± **20 %**',
      'duplicate: true',
    ]) {
      expect(protocolMd).toContain(rule);
    }
  });

  it('names every channel, command type, refusal code and event type', () => {
    const names = [
      ...CHANNELS,
      ...COMMAND_TYPES,
      ...REFUSAL_REASONS,
      ...DeviceEvent.options.map((o) => o.shape.type.value),
    ];
    for (const name of names) expect(protocolMd).toContain(`\`${name}\``);
  });

  it('states the limits of the code', () => {
    expect(protocolMd).toContain(`\`${LOCKER_ID_PATTERN.source}\``);
    expect(protocolMd).toContain(`**${MAX_PAYLOAD_BYTES} bytes**`);
    expect(protocolMd).toContain('**10 s**');
    expect(protocolMd).toContain('**2 s**');
  });

  describe('the topic table', () => {
    const rows = new Map(
      [...protocolMd.matchAll(/^\| `(\w+)` \| (server → locker|locker → server) \| (\d) \| ([^|]+) \|/gm)].map(
        ([, channel, direction, qos, retained]) => [
          channel,
          { direction, qos: Number(qos), retained: retained?.trim() },
        ],
      ),
    );
    const asyncapi = parseYamlSubset(readFileSync(new URL('../../../docs/asyncapi.yaml', import.meta.url), 'utf8'));
    const operations = isObject(asyncapi) && isObject(asyncapi.operations) ? Object.values(asyncapi.operations) : [];

    it.each(CHANNELS)('%s: direction and retain flag of the code, QoS of docs/asyncapi.yaml', (channel) => {
      const row = rows.get(channel);
      expect(row).toBeDefined();
      expect(row?.direction).toBe(
        CHANNEL_DIRECTION[channel] === 'server→device' ? 'server → locker' : 'locker → server',
      );
      expect(row?.retained?.replaceAll('*', '')).toBe(
        RETAINED_CHANNELS.has(channel) ? 'yes' : channel === 'cmd' ? 'never' : 'no',
      );
      const op = operations.find(
        (o) => isObject(o) && isObject(o.channel) && o.channel.$ref === `#/channels/${channel}`,
      );
      const mqtt = isObject(op) && isObject(op.bindings) && isObject(op.bindings.mqtt) ? op.bindings.mqtt : {};
      expect(row?.qos).toBe(mqtt.qos);
    });
  });
});
