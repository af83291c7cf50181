import type { EndReason } from '../../api/sessions';
import { formatDateTime, formatMoney } from '../../i18n/format';
import { defineMessages } from '../../i18n/messages';

/**
 * How sessions and history read: the running timer, durations, money, dates in the site's zone
 * and the way a session ended. Pure, so the unit tests pin them.
 */
const text = defineMessages({
  fr: {
    user: 'Terminée par vous',
    expired: 'Expirée',
    admin: 'Libérée par un administrateur',
    lockdown: 'Verrouillage de sécurité',
    running: 'En cours',
  },
  en: {
    user: 'Ended by you',
    expired: 'Expired',
    admin: 'Freed by an administrator',
    lockdown: 'Security lockdown',
    running: 'Going on',
  },
});

const two = (n: number) => String(n).padStart(2, '0');

/** The running timer: "0:04:09", "27:03:00" (hours keep counting past a day). */
export function elapsedLabel(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(seconds / 3600);
  return `${hours}:${two(Math.floor((seconds % 3600) / 60))}:${two(seconds % 60)}`;
}

/** A total time: "0 min", "45 min", "3 h", "3 h 05 min" (the same in both languages). */
export function minutesLabel(minutes: number): string {
  const whole = Math.max(0, Math.round(minutes));
  const hours = Math.floor(whole / 60);
  const rest = whole % 60;
  if (hours === 0) return `${rest} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${two(rest)} min`;
}

/** Integer cents as people read euros: "12,50 €" / "€12.50". */
export function euroLabel(cents: number): string {
  return formatMoney(cents, 'EUR');
}

export function endReasonLabel(reason: EndReason | null): string {
  return text()[reason ?? 'running'];
}

/** "12/01/2026 09:00" on the site's clock, whatever the browser's zone. */
export function siteDateTimeLabel(iso: string, timeZone: string): string {
  return formatDateTime(iso, timeZone);
}
