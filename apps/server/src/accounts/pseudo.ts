/** SPEC §3: the pseudo shown in the app, 2 to 40 characters once trimmed. */
export const PSEUDO_MIN = 2;
export const PSEUDO_MAX = 40;

/** Trims and collapses white space; null when the result is not an acceptable pseudo. */
export function normalisePseudo(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  // Control and format characters (bidi overrides, zero-width) would let a pseudo impersonate another.
  if (/[\p{Cc}\p{Cf}]/u.test(raw.replace(/[\t\n\r]/g, ' '))) return null;
  const pseudo = raw.normalize('NFC').replace(/\s+/g, ' ').trim();
  const length = [...pseudo].length;
  return length >= PSEUDO_MIN && length <= PSEUDO_MAX ? pseudo : null;
}

/** A pseudo for a first Google sign-in: the profile's name, else the address's local part. */
export function pseudoFromProfile(name: unknown, email: string): string {
  const fromName = typeof name === 'string' ? normalisePseudo([...name].slice(0, PSEUDO_MAX).join('')) : null;
  if (fromName) return fromName;
  const local = (email.split('@')[0] ?? '').replace(/[^\p{L}\p{N}._-]+/gu, ' ');
  return normalisePseudo([...local].slice(0, PSEUDO_MAX).join('')) ?? 'Membre';
}
