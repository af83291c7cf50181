/**
 * The pairing code of a deep link (`/p/<CODE>`, what a locker's QR code carries) kept across the
 * sign-in detour: a signed-out visitor signs in or up first — possibly through Google, which
 * leaves the page — and then lands on the pairing step with the code filled in. Session storage:
 * it lives as long as the tab, and never outlives it.
 */
const KEY = 'smartlocker.pendingPairing';

export function keepPendingPairing(code: string): void {
  try {
    sessionStorage.setItem(KEY, code);
  } catch (error) {
    console.info('pending pairing code not kept', error);
  }
}

export function pendingPairing(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function clearPendingPairing(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing was kept.
  }
}
