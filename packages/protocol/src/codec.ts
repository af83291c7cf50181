import type { z } from 'zod';
import { CHANNEL_SCHEMAS, type ChannelPayload } from './messages';
import type { Channel } from './topics';

/** Largest payload either side accepts; a v1 message is a few hundred bytes. */
export const MAX_PAYLOAD_BYTES = 8 * 1024;

export type DecodeResult<T> =
  | { ok: true; message: T }
  | { ok: false; code: 'payload_too_large' | 'invalid_json' | 'invalid_message'; detail: string };

/** Parses and validates one payload of a channel. Never throws: bad input is data, not a crash. */
export function decodeMessage<C extends Channel>(
  channel: C,
  payload: Uint8Array | string,
): DecodeResult<ChannelPayload[C]> {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
  if (size > MAX_PAYLOAD_BYTES) {
    return { ok: false, code: 'payload_too_large', detail: `${size} bytes > ${MAX_PAYLOAD_BYTES}` };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(typeof payload === 'string' ? payload : new TextDecoder().decode(payload));
  } catch (error) {
    return { ok: false, code: 'invalid_json', detail: (error as Error).message };
  }
  const schema = CHANNEL_SCHEMAS[channel] as unknown as z.ZodType<ChannelPayload[C]>;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, code: 'invalid_message', detail };
  }
  return { ok: true, message: parsed.data };
}

/** Validates before sending, so a bug on our side fails here and not on a locker. */
export function encodeMessage<C extends Channel>(channel: C, message: ChannelPayload[C]): string {
  const schema = CHANNEL_SCHEMAS[channel] as unknown as z.ZodType<ChannelPayload[C]>;
  return JSON.stringify(schema.parse(message));
}
