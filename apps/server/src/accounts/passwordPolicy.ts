import commonPasswords from 'fxa-common-password-list';

/** Lengths of docs/security.md: long enough to resist guessing, short enough to bound hashing. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export type PasswordProblem = 'PASSWORD_TOO_COMMON' | 'PASSWORD_MATCHES_ACCOUNT';

/**
 * NIST SP 800-63B §3.1.1.2: refuse passwords found in breach corpora and context-specific words,
 * with no composition rules. The list is Mozilla's (fxa-common-password-list, from SecLists'
 * 10-million corpus), shipped in the package; it is lower-case, so the check is too.
 * Length is checked by better-auth (minPasswordLength / maxPasswordLength).
 */
export function passwordProblem(password: string, context: { email?: string } = {}): PasswordProblem | null {
  const lower = password.toLowerCase();
  if (commonPasswords.test(lower) || commonPasswords.test(password)) return 'PASSWORD_TOO_COMMON';
  const words = ['smartlocker'];
  if (context.email) {
    const email = context.email.toLowerCase();
    words.push(email);
    const local = email.split('@')[0] ?? '';
    if (local.length >= 4) words.push(local);
  }
  // The product's name or the person's own address, alone or with a few digits or symbols.
  const stripped = lower.replace(/[^a-z@.]+$/g, '').replace(/^[^a-z]+/g, '');
  if (words.includes(lower) || words.includes(stripped)) return 'PASSWORD_MATCHES_ACCOUNT';
  return null;
}

export const PASSWORD_MESSAGES: Record<PasswordProblem, string> = {
  PASSWORD_TOO_COMMON: 'This password is among the most common ones; choose another.',
  PASSWORD_MATCHES_ACCOUNT: 'The password must not be your e-mail address or the name of the service.',
};
