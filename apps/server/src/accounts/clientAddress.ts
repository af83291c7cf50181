import { isIPv4, isIPv6 } from 'node:net';

/**
 * The header the HTTP layer sets on every request it hands to better-auth, after removing any
 * value the client sent: better-auth reads the client address from it (auth.ts), so a client can
 * never choose the address its sessions and limits are recorded under.
 */
export const CLIENT_ADDRESS_HEADER = 'x-smartlocker-client-address';

/**
 * The address rate limits are keyed by. Directly connected, it is the socket's peer. Behind a
 * reverse proxy (`TRUST_PROXY=true`) it is the last X-Forwarded-For hop: the one our proxy
 * appended; the ones before it are whatever the client wrote. IPv6 is reduced to its /64, which
 * one subscriber usually holds whole (RFC 6177), so rotating addresses inside it does not help.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  trustProxy: boolean,
) {
  let address = socketAddress ?? '';
  if (trustProxy && forwardedFor) {
    const hops = forwardedFor
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    address = hops.at(-1) ?? address;
  }
  return normaliseAddress(address);
}

export function normaliseAddress(raw: string): string {
  const address = raw.trim().replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(address)) return address;
  if (isIPv6(address)) return `${ipv6Groups(address).slice(0, 4).join(':')}::/64`;
  return 'unknown';
}

function ipv6Groups(address: string): string[] {
  const [head = '', tail] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const zeros = Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0');
  return [...left, ...zeros, ...right].map((g) => g.replace(/^0+(?=.)/, ''));
}
