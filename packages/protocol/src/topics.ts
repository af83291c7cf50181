/**
 * Topic tree of protocol v1.
 *
 *   smartlocker/v1/lockers/{lockerId}/{channel}
 *
 * The version sits in the topic so that a v2 can run beside v1 on one broker
 * during a fleet upgrade; the channel says who speaks (see CHANNEL_DIRECTION).
 */
export const PROTOCOL_VERSION = 1 as const;
export const TOPIC_ROOT = `smartlocker/v${PROTOCOL_VERSION}/lockers`;

export const CHANNELS = ['cmd', 'config', 'ack', 'state', 'event', 'heartbeat', 'presence', 'status'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CHANNEL_DIRECTION: Record<Channel, 'server→device' | 'device→server'> = {
  cmd: 'server→device',
  config: 'server→device',
  ack: 'device→server',
  state: 'device→server',
  event: 'device→server',
  heartbeat: 'device→server',
  presence: 'device→server',
  status: 'device→server',
};

/** Channels whose last message the broker keeps for late subscribers. */
export const RETAINED_CHANNELS: ReadonlySet<Channel> = new Set<Channel>(['config', 'state', 'status']);

/** Letters, digits, `_` and `-`: never an MQTT wildcard (`+`, `#`) or a level separator (`/`). */
export const LOCKER_ID_PATTERN = /^[A-Z0-9][A-Z0-9_-]{0,63}$/;

export function isLockerId(value: string): boolean {
  return LOCKER_ID_PATTERN.test(value);
}

export function topicFor(lockerId: string, channel: Channel): string {
  if (!isLockerId(lockerId)) throw new Error(`invalid locker id: ${JSON.stringify(lockerId)}`);
  return `${TOPIC_ROOT}/${lockerId}/${channel}`;
}

/** What the server subscribes to: every device→server channel of every locker. */
export const SERVER_SUBSCRIPTIONS: readonly string[] = CHANNELS.filter(
  (channel) => CHANNEL_DIRECTION[channel] === 'device→server',
).map((channel) => `${TOPIC_ROOT}/+/${channel}`);

export interface ParsedTopic {
  lockerId: string;
  channel: Channel;
}

export function parseTopic(topic: string): ParsedTopic | null {
  const prefix = `${TOPIC_ROOT}/`;
  if (!topic.startsWith(prefix)) return null;
  const rest = topic.slice(prefix.length).split('/');
  if (rest.length !== 2) return null;
  const [lockerId, channel] = rest as [string, string];
  if (!isLockerId(lockerId)) return null;
  if (!(CHANNELS as readonly string[]).includes(channel)) return null;
  return { lockerId, channel: channel as Channel };
}
