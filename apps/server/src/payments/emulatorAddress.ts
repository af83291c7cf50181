/**
 * Where the local Stripe emulator listens and where its hosted checkout page is reached. The page
 * follows the app: on loopback by default; when `HOST` opens the app to the network, on the same
 * interface, at the host name of `PUBLIC_URL` — so a phone that opened the app on the LAN can pay
 * too. The server's own SDK calls always go over loopback.
 */
export interface EmulatorAddress {
  bindHost: string;
  publicHost: string;
  sdkHost: string;
}

const WILDCARDS: ReadonlySet<string> = new Set(['0.0.0.0', '::', '[::]']);

export function emulatorAddress(appHost: string, publicUrl: string | null): EmulatorAddress {
  const wildcard = WILDCARDS.has(appHost);
  const named = publicUrl ? new URL(publicUrl).hostname.replace(/^\[|\]$/g, '') : null;
  return {
    bindHost: appHost,
    publicHost: named ?? (wildcard ? 'localhost' : appHost),
    sdkHost: wildcard ? '127.0.0.1' : appHost,
  };
}
