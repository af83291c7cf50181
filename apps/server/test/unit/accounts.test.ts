import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { clientAddress, normaliseAddress } from '../../src/accounts/clientAddress';
import { passwordProblem } from '../../src/accounts/passwordPolicy';
import { detectPhotoType } from '../../src/accounts/profilePhoto';
import { normalisePseudo, pseudoFromProfile } from '../../src/accounts/pseudo';
import { type Config, loadConfig } from '../../src/config';
import { createMailer } from '../../src/mail/createMailer';
import { linksIn } from '../../src/mail/Mailer';

const silent = pino({ level: 'silent' });

describe('password policy', () => {
  it('refuses common passwords in any case and accepts uncommon ones', () => {
    expect(passwordProblem('password1')).toBe('PASSWORD_TOO_COMMON');
    expect(passwordProblem('PassWord1')).toBe('PASSWORD_TOO_COMMON');
    expect(passwordProblem('azertyuiop')).toBe('PASSWORD_TOO_COMMON');
    expect(passwordProblem('lumière-casier-42')).toBeNull();
  });

  it('refuses the account’s address, its local part and the product name, with or without digits', () => {
    const email = 'jeanne.dupont@example.org';
    expect(passwordProblem('jeanne.dupont@example.org', { email })).toBe('PASSWORD_MATCHES_ACCOUNT');
    expect(passwordProblem('Jeanne.Dupont2024!', { email })).toBe('PASSWORD_MATCHES_ACCOUNT');
    expect(passwordProblem('smartlocker99')).toBe('PASSWORD_MATCHES_ACCOUNT');
    expect(passwordProblem('jeanne-aime-les-casiers', { email })).toBeNull();
  });
});

describe('pseudo', () => {
  it('trims, collapses spaces and keeps 2 to 40 characters', () => {
    expect(normalisePseudo('  Zoé   la Rapide ')).toBe('Zoé la Rapide');
    expect(normalisePseudo('Z')).toBeNull();
    expect(normalisePseudo('é'.repeat(40))).toBe('é'.repeat(40));
    expect(normalisePseudo('é'.repeat(41))).toBeNull();
    expect(normalisePseudo(12)).toBeNull();
  });

  it('refuses control and invisible formatting characters', () => {
    expect(normalisePseudo('admin\u202E')).toBeNull();
    expect(normalisePseudo('a\u200Bb')).toBeNull();
    expect(normalisePseudo('a\u0000b')).toBeNull();
  });

  it('makes a pseudo from a Google profile, falling back on the address', () => {
    expect(pseudoFromProfile('Ada Lovelace', 'ada@gmail.com')).toBe('Ada Lovelace');
    expect(pseudoFromProfile('B', 'boss@gmail.com')).toBe('boss');
    expect(pseudoFromProfile(undefined, 'x@gmail.com')).toBe('Membre');
    expect(pseudoFromProfile('N'.repeat(60), 'n@gmail.com')).toHaveLength(40);
  });
});

describe('client address', () => {
  it('uses the socket unless told to trust the proxy, then the last forwarded hop', () => {
    expect(clientAddress('10.0.0.2', '203.0.113.9', false)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', '1.2.3.4, 203.0.113.9', true)).toBe('203.0.113.9');
    expect(clientAddress('10.0.0.2', undefined, true)).toBe('10.0.0.2');
  });

  it('unmaps IPv4-mapped IPv6 and keys IPv6 by its /64', () => {
    expect(normaliseAddress('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(normaliseAddress('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(normaliseAddress('2001:DB8:1:2::99')).toBe('2001:db8:1:2::/64');
    expect(normaliseAddress('[::1]')).toBe('0:0:0:0::/64');
    expect(normaliseAddress('not an address')).toBe('unknown');
  });
});

describe('photo type by content', () => {
  it('knows PNG, JPEG and WebP by their signatures and nothing else', () => {
    expect(detectPhotoType(Buffer.from('89504e470d0a1a0a0000', 'hex'))).toBe('png');
    expect(detectPhotoType(Buffer.from('ffd8ffe000104a464946', 'hex'))).toBe('jpeg');
    expect(detectPhotoType(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]))).toBe(
      'webp',
    );
    expect(detectPhotoType(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVEfmt ')]))).toBeNull();
    expect(detectPhotoType(Buffer.from('GIF89a'))).toBeNull();
    expect(detectPhotoType(Buffer.from('<svg/>'))).toBeNull();
    expect(detectPhotoType(new Uint8Array())).toBeNull();
  });
});

describe('account configuration', () => {
  const ok = (env: Record<string, string>): Config => {
    const result = loadConfig(env, '/srv');
    if (!result.ok) throw new Error(result.problems.join('\n'));
    return result.config;
  };

  it('enables Google only with both client id and secret, on Google’s issuer by default', () => {
    expect(ok({}).google).toBeNull();
    expect(ok({ GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 'secret' }).google).toEqual({
      clientId: 'id',
      clientSecret: 'secret',
      issuer: 'https://accounts.google.com',
    });
    const half = loadConfig({ GOOGLE_CLIENT_ID: 'id' });
    expect(half.ok ? [] : half.problems).toEqual([expect.stringMatching(/^GOOGLE_CLIENT_ID \/ GOOGLE_CLIENT_SECRET:/)]);
  });

  it('reads ADMIN_EMAILS as a lower-case list and refuses a bad address', () => {
    expect(ok({ ADMIN_EMAILS: ' Alice@Example.org, bob@example.org ,' }).adminEmails).toEqual([
      'alice@example.org',
      'bob@example.org',
    ]);
    expect(ok({}).adminEmails).toEqual([]);
    const bad = loadConfig({ ADMIN_EMAILS: 'alice@example.org, not-an-address' });
    expect(bad.ok ? [] : bad.problems.map((p) => p.split(':')[0])).toEqual(['ADMIN_EMAILS.1']);
  });

  it('takes an smtp(s) URL for mail and refuses anything else', () => {
    expect(ok({ SMTP_URL: 'smtps://u:p@smtp.example.org:465' }).mail.smtpUrl).toBe('smtps://u:p@smtp.example.org:465');
    expect(loadConfig({ SMTP_URL: 'http://smtp.example.org' }).ok).toBe(false);
    expect(ok({}).trustProxy).toBe(false);
    expect(ok({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
  });

  it('keeps the development outbox out of production unless it is a demo', () => {
    const production = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://lockers.example.org',
      AUTH_SECRET: 'x'.repeat(40),
      COMMAND_SIGNING_KEY_FILE: '/etc/key.pem',
      STRIPE_SECRET_KEY: 'sk_live_abc123',
      STRIPE_WEBHOOK_SECRET: 'whsec_def456',
    };
    expect(createMailer(ok({}), silent).kind).toBe('outbox');
    expect(createMailer(ok(production), silent).kind).toBe('disabled');
    expect(createMailer(ok({ ...production, DEMO_MODE: 'true' }), silent).kind).toBe('outbox');
    expect(createMailer(ok({ ...production, SMTP_URL: 'smtp://127.0.0.1:2525' }), silent).kind).toBe('smtp');
  });
});

describe('mail links', () => {
  it('finds every link of a message, in order', () => {
    expect(
      linksIn('Ouvrez\nhttp://localhost:3000/api/auth/reset-password/abc?callbackURL=%2Fx\n\nou https://a.b/c.'),
    ).toEqual(['http://localhost:3000/api/auth/reset-password/abc?callbackURL=%2Fx', 'https://a.b/c']);
  });
});
