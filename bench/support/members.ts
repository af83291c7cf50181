import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OpenDatabase } from '../../apps/server/src/db/database';
import { authSessions, users } from '../../apps/server/src/db/schema';

/** One signed-in person, as a browser holding its session cookie. */
export interface SignedInMember {
  userId: string;
  /** The `Cookie` header a browser of this person sends. */
  cookie: string;
  json<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

const COOKIE_NAME = 'smartlocker.session_token';
const SESSION_DAYS = 7;
const INSERT_BATCH = 500;

/**
 * Creates `count` members with a real session each, written to the database rather than signed up
 * through HTTP: a sign-up hashes a password (scrypt, tens of ms), which would make 1,000 members a
 * minute of set-up. The sessions are what better-auth writes at sign-in (`auth_sessions`), and each
 * cookie is signed as better-call signs it — `token.base64(HMAC-SHA256(secret, token))`, URL-encoded
 * — with the system's own secret (DATA_DIR/keys/auth-secret, or AUTH_SECRET), so the server checks
 * them exactly as it checks a browser's. Callers prove it with a request that needs a session.
 */
export async function createSignedInMembers(options: {
  database: OpenDatabase;
  baseUrl: string;
  dataDir: string;
  count: number;
  tag: string;
}): Promise<SignedInMember[]> {
  const secret = process.env.AUTH_SECRET ?? readFileSync(join(options.dataDir, 'keys', 'auth-secret'), 'utf8').trim();
  const run = randomBytes(3).toString('hex');
  const now = new Date();
  const people = Array.from({ length: options.count }, (_, n) => ({
    userId: `bench-${options.tag}-${run}-${n}`,
    token: randomBytes(24).toString('base64url'),
  }));
  for (let start = 0; start < people.length; start += INSERT_BATCH) {
    const batch = people.slice(start, start + INSERT_BATCH);
    await options.database.db.insert(users).values(
      batch.map((p, i) => ({
        id: p.userId,
        name: `Banc ${options.tag} ${start + i}`,
        email: `${p.userId}@bench.test`,
        emailVerified: true,
        createdAt: now,
        updatedAt: now,
      })),
    );
    await options.database.db.insert(authSessions).values(
      batch.map((p) => ({
        id: randomUUID(),
        token: p.token,
        userId: p.userId,
        expiresAt: new Date(now.getTime() + SESSION_DAYS * 86_400_000),
        createdAt: now,
        updatedAt: now,
      })),
    );
  }
  const origin = new URL(options.baseUrl).origin;
  return people.map(({ userId, token }) => {
    const signature = createHmac('sha256', secret).update(token).digest('base64');
    const cookie = `${COOKIE_NAME}=${encodeURIComponent(`${token}.${signature}`)}`;
    return {
      userId,
      cookie,
      async json<T>(method: string, path: string, body?: unknown) {
        const response = await fetch(new URL(path, options.baseUrl), {
          method,
          headers: {
            origin,
            cookie,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          redirect: 'manual',
        });
        const text = await response.text();
        return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
      },
    };
  });
}

/** Runs `task` over `items`, at most `concurrency` at a time; resolves with the results in order. */
export async function mapLimited<T, R>(items: readonly T[], concurrency: number, task: (item: T) => Promise<R>) {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/** Pairs every member to the locker with this code, through HTTP as the app does; throws on any refusal. */
export async function pairAll(members: readonly SignedInMember[], code: string): Promise<void> {
  await mapLimited(members, 16, async (member) => {
    const paired = await member.json('POST', '/api/pairing', { code });
    if (paired.status !== 201)
      throw new Error(`pairing ${member.userId} answered ${paired.status}: ${JSON.stringify(paired.body)}`);
  });
}

/** Resolves once the server counts `count` lockers online (pairing refuses an offline locker). */
export async function waitForLockersOnline(
  system: { health(): Promise<{ lockersOnline: number | null }> },
  count: number,
  timeoutMs = 15_000,
): Promise<void> {
  const started = performance.now();
  while (((await system.health()).lockersOnline ?? 0) < count) {
    if (performance.now() - started > timeoutMs)
      throw new Error(`fewer than ${count} lockers online after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
