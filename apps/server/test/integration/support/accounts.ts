import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import { TestBrowser } from '../../../../../test-support/http';
import type { TestSystem } from '../../../../../test-support/system';

/** A password that passes the policy (not common, not the address). */
export const GOOD_PASSWORD = 'lumière-casier-42';

export interface OutboxMessage {
  id: string;
  to: string;
  subject: string;
  text: string;
  links: string[];
  at: string;
}

export const uniqueEmail = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}@example.org`;

export async function member(system: { url: string }, prefix = 'member', password = GOOD_PASSWORD) {
  const browser = new TestBrowser(system.url);
  const email = uniqueEmail(prefix);
  await browser.signUp(email, password, `Membre ${prefix}`.slice(0, 40));
  return { browser, email, password };
}

export async function outbox(system: { url: string }): Promise<OutboxMessage[]> {
  const response = await fetch(new URL('/api/dev/outbox', system.url));
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: OutboxMessage[] }).messages;
}

/** The newest outbox message to `to` matching `subject`, waiting for it to arrive. */
export async function mailTo(system: { url: string }, to: string, subject: RegExp): Promise<OutboxMessage> {
  let found: OutboxMessage | undefined;
  await expect
    .poll(
      async () => {
        found = (await outbox(system)).find((m) => m.to === to && subject.test(m.subject));
        return found;
      },
      { timeout: 5_000 },
    )
    .toBeDefined();
  if (!found) throw new Error('unreachable');
  return found;
}

/** The session token better-auth set in a browser (the part of the cookie before the signature). */
export function sessionToken(browser: TestBrowser): string | null {
  const pair = browser.cookieHeader.split('; ').find((c) => c.split('=')[0]?.endsWith('.session_token'));
  if (!pair) return null;
  return decodeURIComponent(pair.slice(pair.indexOf('=') + 1)).split('.')[0] ?? null;
}

export interface ReceivedMail {
  to: string[];
  raw: string;
  /** The decoded text part (quoted-printable undone). */
  text: string;
  links: string[];
}

/** RFC 2045 §6.7 quoted-printable: soft line breaks and =XX octets, read as UTF-8. */
export function decodeQuotedPrintable(input: string): string {
  const joined = input.replace(/=\r?\n/g, '');
  const bytes: number[] = [];
  for (let i = 0; i < joined.length; i++) {
    const hex = joined.slice(i + 1, i + 3);
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i] ?? '', 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function textOf(raw: string): string {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const body = rest.join('\n\n');
  if (/content-transfer-encoding:\s*quoted-printable/i.test(head)) return decodeQuotedPrintable(body);
  if (/content-transfer-encoding:\s*base64/i.test(head)) return Buffer.from(body, 'base64').toString('utf8');
  return body;
}

/** A real SMTP server on loopback that keeps what it receives. */
export async function startSmtpSink() {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const text = textOf(raw);
        received.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          text,
          links: [...text.matchAll(/https?:\/\/[^\s<>"']+/g)].map((m) => m[0]),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    async waitFor(to: string, subject: RegExp): Promise<ReceivedMail> {
      let found: ReceivedMail | undefined;
      await expect
        .poll(
          () => {
            found = [...received]
              .reverse()
              .find((m) => m.to.includes(to) && subject.test(decodeHeader(m.raw, 'subject')));
            return found;
          },
          { timeout: 10_000 },
        )
        .toBeDefined();
      if (!found) throw new Error('unreachable');
      return found;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A header's value with RFC 2047 encoded-words (=?UTF-8?Q?…?= / ?B?) decoded. */
export function decodeHeader(raw: string, name: string): string {
  const head = raw.split(/\r?\n\r?\n/)[0] ?? '';
  const match = new RegExp(`^${name}:(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(head);
  if (!match?.[1]) return '';
  return match[1]
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, data: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(data, 'base64').toString('utf8')
        : decodeQuotedPrintable(data.replace(/_/g, ' ')),
    )
    .trim();
}

export type { TestSystem };
