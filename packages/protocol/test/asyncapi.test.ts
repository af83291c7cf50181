import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  CHANNEL_DIRECTION,
  CHANNEL_SCHEMAS,
  CHANNELS,
  type Channel,
  COMMAND_TYPES,
  CommandAck,
  DeviceEvent,
  DoorState,
  decodeMessage,
  LOCKER_ID_PATTERN,
  LockState,
  REFUSAL_REASONS,
  RETAINED_CHANNELS,
  ReplayCache,
  Status,
  TOPIC_ROOT,
  topicFor,
  verifyCommand,
  verifyDeviceConfig,
} from '../src/index';
import { dereference, isObject, normalizeSchema, schemaDrift, zodInputSchema } from './support/jsonSchemaDrift';
import { parseYamlSubset, type YamlValue } from './support/yamlSubset';
import { rfc8032PublicKey } from './validMessages';

type JsonObject = { [key: string]: YamlValue };

const DOC_PATH = new URL('../../../docs/asyncapi.yaml', import.meta.url);
const doc = parseYamlSubset(readFileSync(DOC_PATH, 'utf8'));

function objectAt(node: YamlValue | undefined, what: string): JsonObject {
  if (!isObject(node)) throw new Error(`docs/asyncapi.yaml: ${what} is missing or not a mapping`);
  return node;
}

const root = objectAt(doc, 'the document');
const channels = objectAt(root.channels, 'channels');
const operations = objectAt(root.operations, 'operations');

function channelMessages(channel: Channel): [string, JsonObject][] {
  const messages = objectAt(objectAt(channels[channel], `channels.${channel}`).messages, `${channel}.messages`);
  return Object.entries(messages).map(([name, ref]) => [
    name,
    objectAt(dereference(doc, ref), `channels.${channel}.messages.${name}`),
  ]);
}

function payloadOf(message: JsonObject): YamlValue {
  return normalizeSchema(dereference(doc, message.payload ?? null));
}

function requiredKeys(schema: z.ZodObject): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !(field as z.ZodType).isOptional())
    .map(([key]) => key)
    .sort();
}

function eventTypeOf(schema: z.ZodObject): string {
  const type = schema.shape.type;
  if (!(type instanceof z.ZodLiteral)) throw new Error('an event variant without a literal type');
  return String(type.value);
}

describe('docs/asyncapi.yaml', () => {
  it('is an AsyncAPI 3.0.0 document written from the device’s point of view', () => {
    expect(root.asyncapi).toBe('3.0.0');
    const info = objectAt(root.info, 'info');
    expect(info.version).toMatch(/^1\./);
    expect(String(info.description)).toContain('Point of view: the locker device');
    expect(root.defaultContentType).toBe('application/json');
  });

  it('describes the embedded broker and a TLS production broker', () => {
    const servers = Object.values(objectAt(root.servers, 'servers')).map((s) => objectAt(s, 'server'));
    expect(servers).toContainEqual(expect.objectContaining({ host: 'localhost:1884', protocol: 'mqtt' }));
    expect(servers.some((s) => s.protocol === 'mqtts')).toBe(true);
  });

  it('has one channel per protocol channel, at the address the code builds', () => {
    expect(Object.keys(channels).sort()).toEqual([...CHANNELS].sort());
    for (const channel of CHANNELS) {
      const described = objectAt(channels[channel], `channels.${channel}`);
      expect(described.address).toBe(`${TOPIC_ROOT}/{lockerId}/${channel}`);
      expect(String(described.address).replace('{lockerId}', 'ECOLE_01')).toBe(topicFor('ECOLE_01', channel));
      const parameters = objectAt(described.parameters, `channels.${channel}.parameters`);
      expect(Object.keys(parameters)).toEqual(['lockerId']);
    }
  });

  it('states the locker id pattern of the code in the lockerId parameter', () => {
    const parameters = objectAt(root.components, 'components').parameters;
    const lockerId = objectAt(objectAt(parameters, 'components.parameters').lockerId, 'lockerId parameter');
    expect(String(lockerId.description)).toContain(LOCKER_ID_PATTERN.source);
  });

  describe.each(CHANNELS)('the %s operation', (channel) => {
    const onChannel = Object.entries(operations)
      .map(([id, op]) => [id, objectAt(op, `operations.${id}`)] as const)
      .filter(([, op]) => isObject(op.channel) && op.channel.$ref === `#/channels/${channel}`);

    it('exists once, with the direction of CHANNEL_DIRECTION seen from the device', () => {
      expect(onChannel).toHaveLength(1);
      const [, op] = onChannel[0] ?? ['', {}];
      expect(op.action).toBe(CHANNEL_DIRECTION[channel] === 'server→device' ? 'receive' : 'send');
    });

    it('carries the MQTT retain flag of RETAINED_CHANNELS and a valid QoS', () => {
      const [, op] = onChannel[0] ?? ['', {}];
      const mqtt = objectAt(objectAt(op.bindings, 'bindings').mqtt, 'bindings.mqtt');
      expect(mqtt.retain).toBe(RETAINED_CHANNELS.has(channel));
      expect([0, 1, 2]).toContain(mqtt.qos);
    });

    it('lists every message of its channel', () => {
      const [, op] = onChannel[0] ?? ['', {}];
      const listed = (Array.isArray(op.messages) ? op.messages : []).map((m) => (isObject(m) ? m.$ref : null));
      const expected = channelMessages(channel).map(([name]) => `#/channels/${channel}/messages/${name}`);
      expect([...listed].sort()).toEqual([...expected].sort());
    });
  });

  describe.each(CHANNELS.filter((c) => c !== 'event'))('the %s payload', (channel) => {
    const schema = CHANNEL_SCHEMAS[channel] as z.ZodObject;
    const messages = channelMessages(channel);

    it('is one message whose required members are the zod schema’s required keys', () => {
      expect(messages).toHaveLength(1);
      const payload = objectAt(payloadOf(messages[0]?.[1] ?? {}), `${channel} payload`);
      expect(Object.keys(objectAt(payload.properties, 'properties')).sort()).toEqual(Object.keys(schema.shape).sort());
      expect([...(payload.required as string[])].sort()).toEqual(requiredKeys(schema));
    });

    it('accepts exactly what the zod schema accepts, member for member', () => {
      expect(schemaDrift(payloadOf(messages[0]?.[1] ?? {}), zodInputSchema(schema))).toEqual([]);
    });
  });

  describe('the event payloads', () => {
    const messages = channelMessages('event');
    const byType = new Map(
      messages.map(([name, message]) => {
        const payload = objectAt(payloadOf(message), `event ${name} payload`);
        const type = objectAt(objectAt(payload.properties, 'properties').type, `event ${name} type`);
        return [String(type.const), payload] as const;
      }),
    );

    it('are one message per DeviceEvent variant, told apart by the const of `type`', () => {
      expect(messages).toHaveLength(DeviceEvent.options.length);
      expect([...byType.keys()].sort()).toEqual(DeviceEvent.options.map(eventTypeOf).sort());
    });

    it.each(DeviceEvent.options.map((option) => [eventTypeOf(option), option] as const))(
      '%s: required members and every constraint match the zod variant',
      (type, option) => {
        const payload = objectAt(byType.get(type), `event ${type}`);
        expect([...(payload.required as string[])].sort()).toEqual(requiredKeys(option));
        expect(schemaDrift(payload, zodInputSchema(option))).toEqual([]);
      },
    );
  });

  describe('enums match the code exactly', () => {
    const schemas = objectAt(objectAt(root.components, 'components').schemas, 'components.schemas');
    const enumOf = (name: string) => [...(objectAt(schemas[name], name).enum as string[])].sort();

    it.each([
      ['DoorState', DoorState.options],
      ['LockState', LockState.options],
      ['CommandType', COMMAND_TYPES],
      ['RefusalReason', REFUSAL_REASONS],
    ] as const)('%s', (name, values) => {
      expect(enumOf(name)).toEqual([...values].sort());
    });

    it('ack outcome and status reason', () => {
      const ack = objectAt(objectAt(schemas.CommandAck, 'CommandAck').properties, 'CommandAck.properties');
      expect([...(objectAt(ack.outcome, 'outcome').enum as string[])].sort()).toEqual(
        [...CommandAck.shape.outcome.options].sort(),
      );
      const status = objectAt(objectAt(schemas.Status, 'Status').properties, 'Status.properties');
      expect([...(objectAt(status.reason, 'reason').enum as string[])].sort()).toEqual(
        [...Status.shape.reason.options].sort(),
      );
    });
  });

  describe('examples', () => {
    const examples = CHANNELS.flatMap((channel) =>
      channelMessages(channel).flatMap(([name, message]) =>
        (Array.isArray(message.examples) ? message.examples : []).map(
          (example, i) => [`${channel}/${name}#${i}`, channel, objectAt(example, name).payload] as const,
        ),
      ),
    );

    it('exist for every message', () => {
      const withExamples = new Set(examples.map(([label]) => label.split('#')[0]));
      for (const channel of CHANNELS) {
        for (const [name] of channelMessages(channel)) expect(withExamples).toContain(`${channel}/${name}`);
      }
    });

    it.each(examples)('%s decodes, member for member', (_label, channel, payload) => {
      const result = decodeMessage(channel, JSON.stringify(payload));
      expect(result).toEqual({ ok: true, message: payload });
    });

    it('the command example carries a signature that verifies with the RFC 8032 TEST 1 public key', () => {
      const [, , payload] = examples.find(([, channel]) => channel === 'cmd') ?? [];
      const decoded = decodeMessage('cmd', JSON.stringify(payload));
      if (!decoded.ok) throw new Error(decoded.detail);
      const verified = verifyCommand(decoded.message, {
        publicKey: rfc8032PublicKey(),
        lockerId: decoded.message.lockerId,
        now: decoded.message.issuedAt + 1_000,
        replayCache: new ReplayCache(),
      });
      expect(verified).toEqual({ ok: true });
    });

    it('the config example carries a signature that verifies with the RFC 8032 TEST 1 public key', () => {
      const [, , payload] = examples.find(([, channel]) => channel === 'config') ?? [];
      const decoded = decodeMessage('config', JSON.stringify(payload));
      if (!decoded.ok) throw new Error(decoded.detail);
      expect(verifyDeviceConfig(decoded.message, { publicKey: rfc8032PublicKey(), lockerId: 'ECOLE_01' })).toEqual({
        ok: true,
      });
    });
  });
});

describe('the drift check itself', () => {
  const heartbeatDoc = payloadOf(channelMessages('heartbeat')[0]?.[1] ?? {});
  const statusDoc = payloadOf(channelMessages('status')[0]?.[1] ?? {});

  it('notices a required field added to a zod schema and not to the doc', () => {
    const drift = schemaDrift(heartbeatDoc, zodInputSchema(CHANNEL_SCHEMAS.heartbeat.extend({ cpuC: z.number() })));
    expect(drift).toContainEqual(expect.stringContaining('$.properties.cpuC: in the code'));
    expect(drift).toContainEqual(expect.stringContaining('$.required'));
  });

  it('notices an optional field added to a zod schema and not to the doc', () => {
    const extended = CHANNEL_SCHEMAS.heartbeat.extend({ note: z.string().optional() });
    expect(schemaDrift(heartbeatDoc, zodInputSchema(extended))).toEqual([
      expect.stringContaining('$.properties.note: in the code'),
    ]);
  });

  it('notices an enum value, a bound or a nullability that changed', () => {
    const widened = Status.extend({ reason: z.enum(['connected', 'connection_lost', 'shutdown', 'reboot']) });
    expect(schemaDrift(statusDoc, zodInputSchema(widened))).toEqual([
      expect.stringContaining('$.properties.reason.enum'),
    ]);
    const longer = Status.extend({ firmware: z.string().max(65).optional() });
    expect(schemaDrift(statusDoc, zodInputSchema(longer))).toEqual([expect.stringContaining('firmware.maxLength')]);
    const nullable = Status.extend({ online: z.boolean().nullable() });
    expect(schemaDrift(statusDoc, zodInputSchema(nullable))).toEqual([expect.stringContaining('online.nullable')]);
  });

  it('reads both spellings of a nullable member as the same schema', () => {
    expect(normalizeSchema({ type: ['boolean', 'null'] })).toEqual(
      normalizeSchema({ anyOf: [{ type: 'boolean' }, { type: 'null' }] }),
    );
  });
});
