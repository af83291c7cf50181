import { describe, expect, it } from 'vitest';
import { urlBase64ToUint8Array } from '../../src/api/push';
import { appPath, DEFAULT_PUSH_NOTICE, notificationTarget, parsePushPayload } from '../../src/pushPayload';

const ORIGIN = 'https://casiers.example';

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

describe('base64url to bytes (the VAPID application server key)', () => {
  it('decodes the RFC 4648 §10 vectors, with or without padding', () => {
    expect(urlBase64ToUint8Array('')).toEqual(bytes());
    expect(urlBase64ToUint8Array('Zg')).toEqual(bytes(0x66));
    expect(urlBase64ToUint8Array('Zg==')).toEqual(bytes(0x66));
    expect(urlBase64ToUint8Array('Zm8')).toEqual(bytes(0x66, 0x6f));
    expect(urlBase64ToUint8Array('Zm9v')).toEqual(bytes(0x66, 0x6f, 0x6f));
    expect(urlBase64ToUint8Array('Zm9vYmFy')).toEqual(new TextEncoder().encode('foobar'));
  });

  it('reads the URL-safe alphabet (- and _ stand for + and /)', () => {
    expect(urlBase64ToUint8Array('-_8')).toEqual(bytes(0xfb, 0xff));
    expect(urlBase64ToUint8Array('_-_-')).toEqual(bytes(0xff, 0xef, 0xfe));
  });

  it('turns a P-256 public key into its 65-byte uncompressed point', () => {
    // The public key of RFC 8292's example (§3).
    const key = urlBase64ToUint8Array(
      'BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs',
    );
    expect(key).toHaveLength(65);
    expect(Array.from(key.slice(0, 3))).toEqual([0x04, 0x0d, 0x47]);
    expect(key.buffer.byteLength).toBe(65);
  });

  it('refuses what is not base64url', () => {
    expect(() => urlBase64ToUint8Array('Zm9v+/')).toThrow(TypeError);
    expect(() => urlBase64ToUint8Array('Zm 9v')).toThrow(TypeError);
    expect(() => urlBase64ToUint8Array('Zm9vY')).toThrow(TypeError);
  });
});

describe('push payload', () => {
  const reminder = {
    title: 'Plus que 10 minutes',
    body: "Votre réservation du casier École A se termine à 12:00. Prolonger d'une heure ?",
    url: '/',
    tag: 'booking-reminder-42',
  };

  it('reads the booking reminder as the server sends it', () => {
    expect(parsePushPayload(JSON.stringify(reminder), ORIGIN)).toEqual(reminder);
  });

  it('shows the generic French notice for an empty, malformed or non-object payload', () => {
    for (const raw of [null, undefined, '', '{', 'plain text', '42', 'null', '[1,2]', '"Plus que 10 minutes"']) {
      expect(parsePushPayload(raw, ORIGIN)).toEqual(DEFAULT_PUSH_NOTICE);
    }
  });

  it('fills in each missing, empty or mistyped field on its own', () => {
    expect(parsePushPayload(JSON.stringify({ title: 'Plus que 10 minutes' }), ORIGIN)).toEqual({
      ...DEFAULT_PUSH_NOTICE,
      title: 'Plus que 10 minutes',
    });
    expect(parsePushPayload(JSON.stringify({ title: '   ', body: 12, url: null, tag: ['x'] }), ORIGIN)).toEqual(
      DEFAULT_PUSH_NOTICE,
    );
  });

  it('trims and bounds the texts', () => {
    const notice = parsePushPayload(JSON.stringify({ title: '  Rappel  ', body: 'x'.repeat(2_000) }), ORIGIN);
    expect(notice.title).toBe('Rappel');
    expect(notice.body).toHaveLength(500);
  });

  it('keeps the link on this site', () => {
    expect(appPath('/reserver?casier=A#fin', ORIGIN)).toBe('/reserver?casier=A#fin');
    expect(appPath(`${ORIGIN}/reglages`, ORIGIN)).toBe('/reglages');
    expect(appPath('reglages', ORIGIN)).toBe('/reglages');
    expect(appPath('https://evil.example/phish', ORIGIN)).toBe('/');
    expect(appPath('//evil.example/phish', ORIGIN)).toBe('/');
    expect(appPath('javascript:alert(1)', ORIGIN)).toBe('/');
    expect(appPath('http://[bad', ORIGIN)).toBe('/');
  });
});

describe('notification click target', () => {
  it('is the absolute URL of the path the push handler stored', () => {
    expect(notificationTarget({ url: '/reglages' }, ORIGIN)).toBe(`${ORIGIN}/reglages`);
  });

  it('falls back to the home page for missing or foreign data', () => {
    expect(notificationTarget(undefined, ORIGIN)).toBe(`${ORIGIN}/`);
    expect(notificationTarget({ url: 'https://evil.example/' }, ORIGIN)).toBe(`${ORIGIN}/`);
  });
});
