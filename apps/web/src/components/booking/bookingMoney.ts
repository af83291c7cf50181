import type { BookingRules } from '../../api/bookings';
import { formatMoney } from '../../i18n/format';

/** 1000 → "10,00 €" / "€10.00" (French puts a no-break space before €). */
export function formatEuros(cents: number): string {
  return formatMoney(cents, 'EUR');
}

/** SPEC §5: the price per hour times the hours, in cents. */
export function bookingTotalCents(durationHours: number, rules: Pick<BookingRules, 'priceCentsPerHour'>): number {
  return durationHours * rules.priceCentsPerHour;
}
