import { createHmac } from 'node:crypto';
import type { RateLimitRepository } from './RateLimitRepository';

export interface LimitRule {
  /** Part of the stored key, so two rules never share counts. */
  name: string;
  /** Hits allowed in the window; the next one is refused. */
  limit: number;
  windowS: number;
}

const FIFTEEN_MINUTES = 15 * 60;

/**
 * The limits of docs/security.md. Sign-in counts failures (a person who types their password right
 * is never slowed down); sign-up and reset count every request. Per address limits are loose
 * enough for a school behind one NAT address; per account limits are what stops guessing.
 */
export const LIMITS = {
  /** Issue 4: the 11th failed attempt in 15 min for one account is refused (429, Retry-After). */
  signInAccount: { name: 'sign-in:account', limit: 10, windowS: FIFTEEN_MINUTES },
  signInAddress: { name: 'sign-in:address', limit: 50, windowS: FIFTEEN_MINUTES },
  signUpAccount: { name: 'sign-up:account', limit: 3, windowS: FIFTEEN_MINUTES },
  signUpAddress: { name: 'sign-up:address', limit: 30, windowS: FIFTEEN_MINUTES },
  resetAccount: { name: 'reset:account', limit: 3, windowS: FIFTEEN_MINUTES },
  resetAddress: { name: 'reset:address', limit: 10, windowS: FIFTEEN_MINUTES },
  /** Wrong current password on change-password or account deletion (someone else's open session). */
  passwordCheckAccount: { name: 'password-check:account', limit: 10, windowS: FIFTEEN_MINUTES },
} as const satisfies Record<string, LimitRule>;

export const LONGEST_WINDOW_S = Math.max(...Object.values(LIMITS).map((r) => r.windowS));

export type Acquired = { ok: true; hit: Hit } | { ok: false; retryAfterS: number };

export interface Hit {
  key: string;
  id: number;
  /** Hits in the window, this one included, when it was taken. */
  count: number;
}

/**
 * Sliding-window limits stored in the database (RateLimitRepository). A request is counted before
 * it is let through, so concurrent requests cannot slip past the limit together; a refused one is
 * not counted, so hammering does not extend the wait. Keys are HMACs of the rule and the value:
 * the table never holds an address or an e-mail in clear.
 */
export class RateLimiter {
  constructor(
    private readonly repository: RateLimitRepository,
    private readonly secret: string,
  ) {}

  key(rule: LimitRule, value: string): string {
    return createHmac('sha256', this.secret).update(`rate-limit\0${rule.name}\0${value}`).digest('base64url');
  }

  async acquire(rule: LimitRule, value: string): Promise<Acquired> {
    const key = this.key(rule, value);
    const id = await this.repository.add(key);
    const { count, oldestLeavesInS } = await this.repository.count(key, rule.windowS);
    if (count <= rule.limit) return { ok: true, hit: { key, id, count } };
    await this.repository.remove(id);
    return { ok: false, retryAfterS: Math.max(1, oldestLeavesInS) };
  }

  /** Acquires every rule or none: when one refuses, the hits already taken are given back. */
  async acquireAll(
    rules: readonly (readonly [LimitRule, string])[],
  ): Promise<{ ok: true; hits: Hit[] } | { ok: false; retryAfterS: number }> {
    const hits: Hit[] = [];
    for (const [rule, value] of rules) {
      const result = await this.acquire(rule, value);
      if (!result.ok) {
        await Promise.all(hits.map((hit) => this.release(hit)));
        return result;
      }
      hits.push(result.hit);
    }
    return { ok: true, hits };
  }

  /** Un-counts one hit (a successful sign-in is not a failure). */
  async release(hit: Hit): Promise<void> {
    await this.repository.remove(hit.id);
  }

  /** Forgets every hit of a rule for a value (the account's failures after a successful sign-in). */
  async reset(rule: LimitRule, value: string): Promise<void> {
    await this.repository.clear(this.key(rule, value));
  }

  /** Whether the next hit would be refused, without counting one. */
  async blocked(rule: LimitRule, value: string): Promise<number | null> {
    const { count, oldestLeavesInS } = await this.repository.count(this.key(rule, value), rule.windowS);
    return count >= rule.limit ? Math.max(1, oldestLeavesInS) : null;
  }

  sweep(): Promise<number> {
    return this.repository.sweep(LONGEST_WINDOW_S);
  }
}
