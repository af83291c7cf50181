import { withServerTime } from './serverClock';
import type {
  ApiErrorBody,
  Me,
  OpenCommandResponse,
  PairingResponse,
  PremiumResponse,
  SignInInput,
  SignUpInput,
  User,
} from './types';

/** A failed call: `code` is stable (the server's, better-auth's, or one of the client codes below). */
export class ApiError extends Error implements ApiErrorBody {
  readonly code: string;
  /** HTTP status; 0 when the request never got an answer. */
  readonly status: number;
  /** How long the server asked us to wait (429 `Retry-After`), in seconds; null when it did not say. */
  readonly retryAfterSeconds: number | null;
  /** What the server added to help say more (e.g. `until` for a lockdown); empty when nothing. */
  readonly details: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    status: number,
    retryAfterSeconds: number | null = null,
    details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
    this.details = details;
  }
}

/** Codes the client produces itself, when the server gave none. */
export const CLIENT_ERROR_CODES = {
  network: 'network_error',
  badResponse: 'bad_response',
  rateLimited: 'rate_limited',
  unauthenticated: 'unauthenticated',
  server: 'server_error',
  http: 'http_error',
} as const;

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function codeForStatus(status: number): string {
  if (status === 401) return CLIENT_ERROR_CODES.unauthenticated;
  if (status === 429) return CLIENT_ERROR_CODES.rateLimited;
  if (status >= 500) return CLIENT_ERROR_CODES.server;
  return CLIENT_ERROR_CODES.http;
}

/**
 * Reads an error body in either shape the server uses: the app API nests it
 * (`{ error: { code, message } }`), better-auth puts it at the top level (`{ code, message }`),
 * and its rate limiter sends only `{ message }`.
 */
export function errorFromBody(
  status: number,
  body: unknown,
  statusText = '',
  retryAfterSeconds: number | null = null,
): ApiError {
  const source = isRecord(body) && isRecord(body.error) ? body.error : body;
  const code = isRecord(source) && typeof source.code === 'string' && source.code ? source.code : codeForStatus(status);
  const message =
    isRecord(source) && typeof source.message === 'string' && source.message ? source.message : statusText;
  const details = isRecord(source) && isRecord(source.details) ? source.details : {};
  return new ApiError(code, message || `HTTP ${status}`, status, retryAfterSeconds, details);
}

/**
 * `Retry-After` in seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP-date); better-auth's own
 * limiter sends `X-Retry-After`. Null when absent or unreadable.
 */
export function retryAfterSeconds(headers: Headers, now = Date.now()): number | null {
  const raw = (headers.get('retry-after') ?? headers.get('x-retry-after'))?.trim();
  if (!raw) return null;
  if (/^\d+$/.test(raw)) return Number(raw);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The transport every API module shares: JSON in and out, same-origin cookies, errors as ApiError.
 * A `Blob` body is sent as raw bytes with its own type (profile photos).
 */
export function createHttp(fetchImpl: FetchLike = (input, init) => fetch(input, init)) {
  async function send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (body instanceof Blob) {
      headers['Content-Type'] = body.type || 'application/octet-stream';
      init.body = body;
    } else if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await fetchImpl(path, init);
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new ApiError(CLIENT_ERROR_CODES.network, detail, 0);
    }
    if (!response.ok) {
      const body = await readJson(response);
      throw errorFromBody(response.status, body, response.statusText, retryAfterSeconds(response.headers));
    }
    return response;
  }

  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await send(method, path, body);
    const data = await readJson(response);
    if (!isRecord(data)) {
      throw new ApiError(CLIENT_ERROR_CODES.badResponse, `${method} ${path}: expected a JSON object`, response.status);
    }
    return data as T;
  }

  async function noContent(method: string, path: string, body?: unknown): Promise<void> {
    await send(method, path, body);
  }

  return { json, noContent };
}

export type Http = ReturnType<typeof createHttp>;

export function createApiClient(fetchImpl: FetchLike = (input, init) => fetch(input, init)) {
  const { json, noContent } = createHttp(fetchImpl);

  return {
    signUp: (input: SignUpInput) => noContent('POST', '/api/auth/sign-up/email', input),
    signIn: (input: SignInInput) => noContent('POST', '/api/auth/sign-in/email', input),
    signOut: () => noContent('POST', '/api/auth/sign-out', {}),
    me: () => withServerTime(() => json<Me>('GET', '/api/me')),
    pair: (code: string) => json<PairingResponse>('POST', '/api/pairing', { code }),
    unpair: () => noContent('DELETE', '/api/pairing'),
    open: (lockerId: string) => json<OpenCommandResponse>('POST', `/api/lockers/${encodeURIComponent(lockerId)}/open`),
    setPremium: async (premium: boolean): Promise<User> =>
      (await json<PremiumResponse>('POST', '/api/me/premium', { premium })).user,
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

export const api: ApiClient = createApiClient();

/** Normalises anything thrown by an API call into an ApiError (so UI code handles one shape). */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new ApiError(CLIENT_ERROR_CODES.badResponse, message, 0);
}
