import { describe, expect, it } from 'vitest';
import { createAccountApi } from '../../src/api/account';
import { ApiError, retryAfterSeconds } from '../../src/api/client';
import { messageForError, waitLabel } from '../../src/api/errorMessages';

function recording(status: number, body?: unknown, headers: Record<string, string> = {}) {
  const calls: { url: string; init: RequestInit }[] = [];
  const api = createAccountApi(async (url, init) => {
    calls.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json', ...headers },
    });
  });
  return { api, calls };
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('account api', () => {
  it('uploads the photo as raw bytes with its own type', async () => {
    const { api, calls } = recording(200, { user: { id: 'u1', name: 'Léa', image: '/api/me/photo?v=1' } });
    const photo = new Blob([new Uint8Array([0x52, 0x49, 0x46, 0x46])], { type: 'image/webp' });
    const user = await api.uploadPhoto(photo);
    expect(user.image).toBe('/api/me/photo?v=1');
    const [call] = calls;
    if (!call) throw new Error('no request sent');
    expect(call.url).toBe('/api/me/photo');
    expect(call.init.method).toBe('PUT');
    expect(call.init.body).toBe(photo);
    expect((call.init.headers as Record<string, string>)['Content-Type']).toBe('image/webp');
  });

  it('asks for a reset link that comes back to /reinitialiser', async () => {
    const { api, calls } = recording(200, { status: true });
    await api.requestPasswordReset('lea@example.org');
    expect(calls[0]?.url).toBe('/api/auth/request-password-reset');
    expect(JSON.parse(String(calls[0]?.init.body))).toEqual({ email: 'lea@example.org', redirectTo: '/reinitialiser' });
  });

  it('starts Google sign-in and returns the authorization URL', async () => {
    const { api, calls } = recording(200, { url: 'https://accounts.example/auth?x=1', redirect: true });
    expect(await api.googleSignInUrl()).toBe('https://accounts.example/auth?x=1');
    expect(JSON.parse(String(calls[0]?.init.body))).toMatchObject({ providerId: 'google', callbackURL: '/' });
  });

  it('reads the development outbox, newest first as the server sends it', async () => {
    const message = {
      id: 'm1',
      to: 'a@b.c',
      subject: 'Réinitialisation',
      text: 'Lien : http://x/y',
      links: [],
      at: '2026-01-01T10:00:00.000Z',
    };
    const { api } = recording(200, { messages: [message] });
    expect(await api.outbox()).toEqual([
      {
        id: 'm1',
        to: 'a@b.c',
        subject: 'Réinitialisation',
        text: 'Lien : http://x/y',
        sentAt: '2026-01-01T10:00:00.000Z',
      },
    ]);
  });

  it('sends the password with an account deletion only when given', async () => {
    const { api, calls } = recording(204);
    await api.deleteAccount('secret words');
    await api.deleteAccount();
    expect(calls.map((call) => [call.init.method, call.init.body])).toEqual([
      ['DELETE', '{"password":"secret words"}'],
      ['DELETE', '{}'],
    ]);
  });

  it('tells how long to wait when rate limited', async () => {
    const { api } = recording(429, { error: { code: 'rate_limited', message: 'Too many' } }, { 'Retry-After': '540' });
    const error = await failure(api.requestPasswordReset('lea@example.org'));
    expect(error.retryAfterSeconds).toBe(540);
    expect(messageForError(error)).toBe('Trop de tentatives. Réessayez dans 9 min.');
  });
});

describe('Retry-After', () => {
  it('reads seconds, an HTTP date, and better-auth’s X-Retry-After', () => {
    expect(retryAfterSeconds(new Headers({ 'retry-after': '30' }))).toBe(30);
    const now = Date.parse('2026-01-01T10:00:00Z');
    expect(retryAfterSeconds(new Headers({ 'retry-after': 'Thu, 01 Jan 2026 10:02:00 GMT' }), now)).toBe(120);
    expect(retryAfterSeconds(new Headers({ 'x-retry-after': '7' }))).toBe(7);
    expect(retryAfterSeconds(new Headers())).toBeNull();
  });

  it('says waits the way people read them', () => {
    expect(waitLabel(12)).toBe('12 s');
    expect(waitLabel(61)).toBe('2 min');
    expect(waitLabel(3900)).toBe('1 h 05');
    expect(messageForError(new ApiError('rate_limited', 'x', 429))).toContain('Patientez');
  });
});
