/** `1250, 'eur'` → `12.50 EUR`: the currency's own minor unit (ISO 4217), neither French nor English style. */
export function formatAmount(amount: number, currency: string): string {
  const code = currency.toUpperCase();
  let digits = 2;
  try {
    digits =
      new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    // An unknown currency code: keep two decimals, as Stripe does for most currencies.
  }
  return `${(amount / 10 ** digits).toFixed(digits)} ${code}`;
}
