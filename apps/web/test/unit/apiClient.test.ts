import { describe, expect, it } from 'vitest';
import { ApiError, createApiClient } from '../../src/api/client';
import { messageFor, refusalMessageFor } from '../../src/api/errorMessages';

function answering(status: number, body?: unknown) {
  const calls: { url: string; init: RequestInit }[] = [];
  const client = createApiClient(async (url, init) => {
    calls.push({ url, init });
    return new Response(body === undefined ? null : JSON.stringify(body), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });
  });
  return { client, calls };
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

describe('api client', () => {
  it('sends JSON with same-origin credentials', async () => {
    const { client, calls } = answering(201, { locker: { id: 'SPORT_01' } });
    await client.pair('SL-SPORT-01');
    expect(calls[0]?.url).toBe('/api/pairing');
    expect(calls[0]?.init).toMatchObject({
      method: 'POST',
      credentials: 'same-origin',
      body: '{"code":"SL-SPORT-01"}',
    });
  });

  it('reads the app API error shape', async () => {
    const { client } = answering(409, { error: { code: 'locker_taken', message: 'taken' } });
    expect(await failure(client.pair('SL-SPORT-01'))).toMatchObject({ code: 'locker_taken', status: 409 });
  });

  it("reads better-auth's top-level error shape", async () => {
    const { client } = answering(422, { code: 'USER_ALREADY_EXISTS', message: 'User already exists.' });
    const error = await failure(client.signUp({ email: 'a@b.c', password: 'x', name: 'a' }));
    expect(error.code).toBe('USER_ALREADY_EXISTS');
    expect(messageFor(error.code)).toBe('Un compte existe déjà avec cet e-mail.');
  });

  it('derives a code from the status when the body has none', async () => {
    expect(
      (await failure(answering(429, { message: 'Too many requests' }).client.signIn({ email: '', password: '' }))).code,
    ).toBe('rate_limited');
    expect((await failure(answering(401).client.me())).code).toBe('unauthenticated');
    expect((await failure(answering(502).client.me())).code).toBe('server_error');
  });

  it('reports a network failure as network_error', async () => {
    const client = createApiClient(async () => {
      throw new TypeError('Failed to fetch');
    });
    expect(await failure(client.me())).toMatchObject({ code: 'network_error', status: 0 });
  });

  it('accepts 204 answers without a body', async () => {
    await expect(answering(204).client.unpair()).resolves.toBeUndefined();
  });

  it('has French words for unknown codes and device refusals', () => {
    expect(messageFor('something_new')).toContain('something_new');
    expect(refusalMessageFor('rate_limited')).toContain('patientez');
    expect(refusalMessageFor(undefined)).toContain('refusé');
  });
});
