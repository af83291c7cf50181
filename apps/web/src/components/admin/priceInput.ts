/**
 * A price typed in euros ("5", "5,50", "5.5") as integer cents; null when it is not a price
 * (money stays in cents everywhere else: STYLE.md).
 */
export function centsFromEuros(typed: string): number | null {
  const text = typed.trim().replace(/\s|€/g, '').replace(',', '.');
  if (!/^\d{1,6}(\.\d{1,2})?$/.test(text)) return null;
  const [whole = '0', fraction = ''] = text.split('.');
  return Number(whole) * 100 + Number(fraction.padEnd(2, '0'));
}

/** Cents as the field shows them: "5.50" (the user's decimal sign is accepted back). */
export function eurosFromCents(cents: number | null): string {
  if (cents === null) return '';
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
