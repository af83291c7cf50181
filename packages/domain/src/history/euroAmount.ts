/**
 * Integer cents to a EUR amount with two decimals, by string slicing: no division, so no float
 * surprises (1999 → "19.99", 5 → "0.05", -150 → "-1.50").
 */
export function formatEuroCents(cents: number): string {
  if (!Number.isSafeInteger(cents)) throw new RangeError(`Amount must be a whole number of cents, got ${cents}`);
  const digits = String(Math.abs(cents)).padStart(3, '0');
  const sign = cents < 0 ? '-' : '';
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}
