import { ApiError } from './apiError';
import type { FormParams } from './formParams';

export interface SavedResponse {
  status: number;
  body: string;
  requestId: string;
}

interface SavedRequest {
  endpoint: string;
  fingerprint: string;
  response: SavedResponse;
}

/** Stripe: "Idempotency keys are up to 255 characters long." */
const MAX_KEY_LENGTH = 255;

/**
 * Stripe's v1 idempotency (docs: "Idempotent requests"): the first response given for a key is saved,
 * status and body, and replayed for every retry with the same key; reusing the key with other
 * parameters, or on another endpoint, is an `idempotency_error`. Keys live as long as the emulator.
 */
export class IdempotencyStore {
  private readonly saved = new Map<string, SavedRequest>();

  /** The saved response to replay, or undefined when the request is new. */
  replay(key: string, endpoint: string, params: FormParams): SavedResponse | undefined {
    if (key.length > MAX_KEY_LENGTH) {
      throw new ApiError(
        400,
        'invalid_request_error',
        `Invalid Idempotency-Key: keys can be at most ${MAX_KEY_LENGTH} characters long.`,
      );
    }
    const saved = this.saved.get(key);
    if (!saved) return undefined;
    if (saved.endpoint !== endpoint) {
      throw new ApiError(
        400,
        'idempotency_error',
        `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${saved.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    if (saved.fingerprint !== fingerprint(params)) {
      throw new ApiError(
        400,
        'idempotency_error',
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    }
    return saved.response;
  }

  save(key: string, endpoint: string, params: FormParams, response: SavedResponse): void {
    this.saved.set(key, { endpoint, fingerprint: fingerprint(params), response });
  }
}

/** Parameters compared by value, whatever order the client wrote them in. */
function fingerprint(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(fingerprint).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${fingerprint(v)}`).join(',')}}`;
}
