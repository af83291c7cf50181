import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, securityHeaders } from '../../src/http/securityHeaders';

function app(https = false, trustProxy?: boolean) {
  const hono = new Hono();
  hono.use('*', securityHeaders({ https, ...(trustProxy === undefined ? {} : { trustProxy }) }));
  hono.get('/p/:code', (c) => c.html('<!doctype html><title>SmartLocker</title>'));
  hono.get('/api/me', (c) => c.json({ error: { code: 'unauthenticated' } }, 401));
  hono.get('/photo', (c) => c.body('x', 200, { 'content-security-policy': "default-src 'none'" }));
  hono.get('/fetched', () => Response.redirect('http://127.0.0.1/elsewhere', 302));
  return hono;
}

describe('security headers (issue 12)', () => {
  it('puts a strict CSP, no framing and the camera for the app page on every HTML document', async () => {
    const response = await app().request('/p/SL-ECOLE-01');
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/unsafe-inline|'unsafe-eval'/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(response.headers.get('permissions-policy')).toMatch(/^camera=\(self\), microphone=\(\)/);
    expect(response.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('strict-transport-security')).toBeNull();
  });

  it('gives the camera to nothing that is not a page', async () => {
    const response = await app().request('/api/me');
    expect(response.status).toBe(401);
    expect(response.headers.get('permissions-policy')).toMatch(/^camera=\(\)/);
    expect(response.headers.get('content-security-policy')).toBe(contentSecurityPolicy(false));
  });

  it('keeps a policy a route set for itself', async () => {
    const response = await app().request('/photo');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });

  it('adds HSTS and upgrades requests behind HTTPS, and copes with immutable headers', async () => {
    const secure = await app(true).request('/p/SL-SPORT-01');
    expect(secure.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect(secure.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
    const proxied = await app().request('/api/me', { headers: { 'x-forwarded-proto': 'https' } });
    expect(proxied.headers.get('strict-transport-security')).toContain('max-age=31536000');
    const redirect = await app().request('/fetched');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('x-frame-options')).toBe('DENY');
  });

  it('believes X-Forwarded-Proto only from a trusted proxy (TRUST_PROXY)', async () => {
    const headers = { 'x-forwarded-proto': 'https' };
    const trusted = await app(false, true).request('/api/me', { headers });
    expect(trusted.headers.get('strict-transport-security')).toContain('max-age=31536000');
    const direct = await app(false, false).request('/api/me', { headers });
    expect(direct.headers.get('strict-transport-security')).toBeNull();
    expect(direct.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
  });
});
