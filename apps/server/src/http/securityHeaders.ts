import type { MiddlewareHandler } from 'hono';

/**
 * Security headers on every response (issue 12, docs/security.md).
 *
 * - A strict Content-Security-Policy: scripts, styles, fonts and connections from this origin
 *   only, no inline script and no `eval` (`'wasm-unsafe-eval'` lets the QR decoder compile its
 *   WebAssembly, nothing else); images may also come from `data:`/`blob:` (the photo cropper) and
 *   `https:` (a Google account's photo); nothing may frame the app (`frame-ancestors 'none'`).
 * - Permissions-Policy: the camera only for the app's own pages, where the QR scanner runs (the
 *   app is a single page, so every document of it may reach the pairing step); no other powerful
 *   feature, and the camera for nothing else (API answers, files).
 * - HSTS when the app is served over HTTPS (a `https://` PUBLIC_URL, or the request itself):
 *   browsers ignore it over plain HTTP (RFC 6797 §8.1), and plain HTTP is only for development.
 *
 * A header a route set itself (the profile photo's `default-src 'none'`) is kept.
 */
export interface SecurityHeaderOptions {
  /** The app is served over HTTPS (its public origin is `https://`). */
  https: boolean;
  /**
   * Whether `X-Forwarded-Proto` is believed (TRUST_PROXY): only a reverse proxy of ours sets it;
   * from anyone else it is whatever the client wrote. Unset: believed (the headers alone).
   */
  trustProxy?: boolean;
}

const POLICY_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob: https:",
  "font-src 'self'",
  "connect-src 'self'",
  "media-src 'self' blob:",
  "worker-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
];

/** Features the app never uses are refused outright; the camera is the pairing scanner's. */
const DENIED_FEATURES = ['microphone', 'geolocation', 'payment', 'usb', 'display-capture'];

export function contentSecurityPolicy(https: boolean): string {
  return [...POLICY_DIRECTIVES, ...(https ? ['upgrade-insecure-requests'] : [])].join('; ');
}

export function permissionsPolicy(cameraAllowed: boolean): string {
  return [`camera=${cameraAllowed ? '(self)' : '()'}`, ...DENIED_FEATURES.map((feature) => `${feature}=()`)].join(', ');
}

function overHttps(url: string, forwardedProto: string | undefined): boolean {
  return url.startsWith('https:') || forwardedProto?.split(',')[0]?.trim() === 'https';
}

export function securityHeaders(options: SecurityHeaderOptions): MiddlewareHandler {
  return async (c, next) => {
    await next();
    try {
      c.res.headers.has('content-type');
      c.res.headers.set('x-content-type-options', c.res.headers.get('x-content-type-options') ?? 'nosniff');
    } catch {
      // A response with immutable headers (one that came from fetch): copy it, then add ours.
      c.res = new Response(c.res.body, c.res);
    }
    const headers = c.res.headers;
    const forwardedProto = options.trustProxy === false ? undefined : c.req.header('x-forwarded-proto');
    const https = options.https || overHttps(c.req.url, forwardedProto);
    const isDocument = (headers.get('content-type') ?? '').startsWith('text/html');
    const set = (name: string, value: string) => {
      if (!headers.has(name)) headers.set(name, value);
    };
    set('content-security-policy', contentSecurityPolicy(https));
    set('permissions-policy', permissionsPolicy(isDocument));
    set('referrer-policy', 'strict-origin-when-cross-origin');
    set('x-content-type-options', 'nosniff');
    set('x-frame-options', 'DENY');
    set('cross-origin-opener-policy', 'same-origin');
    set('cross-origin-resource-policy', 'same-origin');
    if (https) set('strict-transport-security', 'max-age=31536000; includeSubDomains');
  };
}
