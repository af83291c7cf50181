import type { EndReason } from '../../api/sessions';

/**
 * How sessions and history read in French: the running timer, durations, money, dates in the
 * site's zone and the way a session ended. Pure, so the unit tests pin them.
 */

const two = (n: number) => String(n).padStart(2, '0');

/** The running timer: "0:04:09", "27:03:00" (hours keep counting past a day). */
export function elapsedLabel(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  return `${hours}:${two(Math.floor((seconds % 3600) / 60))}:${two(seconds % 60)}`;
}

/** A total time: "0 min", "45 min", "3 h", "3 h 05 min". */
export function minutesLabel(minutes: number): string {
  const whole = Math.max(0, Math.round(minutes));
  const hours = Math.floor(whole / 60);
  const rest = whole % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${two(rest)} min`;
}

const EURO = new Intl.NumberFormat('fr-BE', { style: 'currency', currency: 'EUR' });

/** Integer cents as people read euros: "12,50 €". */
export function euroLabel(cents: number): string {
  return EURO.format(cents / 100);
}

export function endReasonLabel(reason: EndReason | null): string {
  switch (reason) {
    case 'user':
      return 'Terminée par vous';
    case 'expired':
      return 'Expirée';
    case 'admin':
      return 'Libérée par un administrateur';
    case 'lockdown':
      return 'Verrouillage de sécurité';
    case null:
      return 'En cours';
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** "12/01/2026 09:00" on the site's clock, whatever the browser's zone. */
export function siteDateTimeLabel(iso: string, timeZone: string): string {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('fr-BE', {
      timeZone,
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter.format(new Date(iso));
}
