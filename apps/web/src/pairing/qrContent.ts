/**
 * What a locker's QR code says (docs/pairing.md): the URL `${PUBLIC_URL}/p/<PAIRING_CODE>`, e.g.
 * `https://lockers.example.org/p/SL-ECOLE-01`, so a phone's own camera app opens SmartLocker on
 * the pairing step; the app's scanner reads the code out of it. A bare code (`SL-ECOLE-01`, as
 * printed under the QR) is accepted too. Any host: the server decides whether the code is known.
 */
const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The pairing code in a scanned text, upper-cased; null when the text is not a locker's QR. */
export function pairingCodeFromQr(raw: string): string | null {
  const text = raw.trim();
  if (CODE.test(text) && /-/.test(text)) return text.toUpperCase();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const match = /^\/p\/([^/]+)\/?$/.exec(url.pathname);
  const code = match?.[1] ? decodeURIComponent(match[1]) : null;
  return code && CODE.test(code) ? code.toUpperCase() : null;
}

/** The URL a sticker's QR code carries for `code` (the lead's sticker generator prints the same). */
export function pairingUrl(publicUrl: string, code: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/p/${encodeURIComponent(code)}`;
}
