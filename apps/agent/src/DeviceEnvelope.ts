import { randomUUID } from 'node:crypto';
import { type Channel, type ChannelPayload, encodeMessage, PROTOCOL_VERSION } from '@smartlocker/protocol';

export interface DeviceEnvelope {
  v: typeof PROTOCOL_VERSION;
  id: string;
  lockerId: string;
  ts: number;
  seq: number;
}

/** The channels a locker publishes on (CHANNEL_DIRECTION device→server); `cmd` and `config` are the server's. */
export type DeviceChannel = Exclude<Channel, 'cmd' | 'config'>;

/** One message the device sends, tagged with its channel so the connection can pick topic, QoS and retain. */
export type OutboundMessage = { [C in DeviceChannel]: { channel: C; message: ChannelPayload[C] } }[DeviceChannel];

/** Validates and serialises an outbound message (protocol `encodeMessage`, for any device channel). */
export function encodeOutbound<C extends DeviceChannel>(outbound: { channel: C; message: ChannelPayload[C] }): string {
  return encodeMessage(outbound.channel, outbound.message);
}

/** Stamps every device→server message with a fresh id, the device clock and the next `seq`. */
export class DeviceEnvelopeFactory {
  constructor(
    private readonly lockerId: string,
    private readonly sequence: { next(): number },
    private readonly now: () => number,
  ) {}

  next(): DeviceEnvelope {
    return {
      v: PROTOCOL_VERSION,
      id: randomUUID(),
      lockerId: this.lockerId,
      ts: this.now(),
      seq: this.sequence.next(),
    };
  }
}
