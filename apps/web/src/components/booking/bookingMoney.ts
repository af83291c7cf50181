import type { BookingRules } from '../../api/bookings';

/** Money is integer cents everywhere (STYLE.md); only the display turns it into euros. */
const EUROS = new Intl.NumberFormat('fr-BE', { style: 'currency', currency: 'EUR' });

/** 1000 → "10,00 €" (the separator before € is a no-break space). */
export function formatEuros(cents: number): string {
  return EUROS.format(cents / 100);
}

/** SPEC §5: the price per hour times the hours, in cents. */
export function bookingTotalCents(durationHours: number, rules: Pick<BookingRules, 'priceCentsPerHour'>): number {
  return durationHours * rules.priceCentsPerHour;
}
