import qs from 'qs';
import { ApiError, invalidParam, missingParam } from './apiError';
import type { Metadata } from './objects';

export type FormParams = qs.ParsedQs;
type FormValue = FormParams[string];

/** Stripe takes `application/x-www-form-urlencoded` bodies with bracket nesting: `line_items[0][quantity]=1`. */
export function parseFormBody(body: string): FormParams {
  return qs.parse(body, { depth: 8, arrayLimit: 100, parameterLimit: 2000 });
}

// Stripe's documented metadata limits: 50 keys, key names up to 40 characters, values up to 500.
const METADATA_MAX_KEYS = 50;
const METADATA_MAX_KEY_LENGTH = 40;
const METADATA_MAX_VALUE_LENGTH = 500;

/**
 * Reads typed values out of parsed form parameters and answers mistakes the way Stripe does:
 * a 400 naming the parameter in bracket notation (`line_items[0][price_data][unit_amount]`).
 */
export class ParamReader {
  constructor(
    private readonly params: FormParams,
    private readonly prefix = '',
  ) {}

  path(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  keys(): string[] {
    return Object.keys(this.params);
  }

  /** Stripe treats an empty string as "not given" (it is how a form unsets a value). */
  has(key: string): boolean {
    const value = this.params[key];
    return value !== undefined && value !== '';
  }

  optionalString(key: string): string | undefined {
    const value = this.params[key];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') throw invalidParam(this.path(key), `Invalid string: ${describe(value)}`);
    return value;
  }

  string(key: string): string {
    const value = this.optionalString(key);
    if (value === undefined) throw missingParam(this.path(key));
    return value;
  }

  optionalInteger(key: string): number | undefined {
    const value = this.optionalString(key);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw invalidParam(this.path(key), `Invalid integer: ${value}`, 'parameter_invalid_integer');
    }
    return Number(value);
  }

  integer(key: string): number {
    const value = this.optionalInteger(key);
    if (value === undefined) throw missingParam(this.path(key));
    return value;
  }

  optionalObject(key: string): ParamReader | undefined {
    const value = this.params[key];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw invalidParam(this.path(key), `Invalid object: ${this.path(key)} must be a hash.`);
    }
    return new ParamReader(value, this.path(key));
  }

  object(key: string): ParamReader {
    const reader = this.optionalObject(key);
    if (!reader) throw missingParam(this.path(key));
    return reader;
  }

  /** A list sent as `key[0][...]`, `key[1][...]`: qs gives an array, or an object when indices have gaps. */
  list(key: string): ParamReader[] {
    const value = this.params[key];
    if (value === undefined || value === '') throw missingParam(this.path(key));
    const items: FormValue[] = Array.isArray(value)
      ? value
      : typeof value === 'object'
        ? Object.keys(value)
            .filter((k) => /^\d+$/.test(k))
            .sort((a, b) => Number(a) - Number(b))
            .map((k) => value[k])
        : [];
    if (items.length === 0) throw invalidParam(this.path(key), `Invalid array: ${this.path(key)} must be a list.`);
    return items.map((item, index) => {
      const path = `${this.path(key)}[${index}]`;
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw invalidParam(path, `Invalid object: ${path} must be a hash.`);
      }
      return new ParamReader(item, path);
    });
  }

  metadata(key = 'metadata'): Metadata {
    const reader = this.optionalObject(key);
    if (!reader) return {};
    const keys = reader.keys();
    if (keys.length > METADATA_MAX_KEYS) {
      throw invalidParam(this.path(key), `Invalid ${this.path(key)}: at most ${METADATA_MAX_KEYS} keys are allowed.`);
    }
    const metadata: Metadata = {};
    for (const name of keys) {
      const value = reader.optionalString(name);
      // An empty value deletes the key in Stripe; on a new object that simply means "absent".
      if (value === undefined) continue;
      if (name.length > METADATA_MAX_KEY_LENGTH) {
        throw invalidParam(
          reader.path(name),
          `Metadata keys can be at most ${METADATA_MAX_KEY_LENGTH} characters long.`,
        );
      }
      if (value.length > METADATA_MAX_VALUE_LENGTH) {
        throw invalidParam(
          reader.path(name),
          `Metadata values can be at most ${METADATA_MAX_VALUE_LENGTH} characters long.`,
        );
      }
      metadata[name] = value;
    }
    return metadata;
  }

  /** Stripe refuses parameters it does not know, which catches typos early; so does the emulator. */
  rejectUnknown(known: ReadonlySet<string>): void {
    for (const key of this.keys()) {
      if (!known.has(key)) {
        throw new ApiError(400, 'invalid_request_error', `Received unknown parameter: ${this.path(key)}`, {
          code: 'parameter_unknown',
          param: this.path(key),
          beforeExecution: true,
        });
      }
    }
  }
}

function describe(value: FormValue): string {
  return Array.isArray(value) ? 'array' : typeof value === 'object' ? 'hash' : String(value);
}
