import type { Locale } from '../accounts/locale';
import type { BusEvents } from '../eventBus';
import type { PushMessage } from './PushService';

/** The "10 minutes left" push (issue 5), in the person's language (issue 12). */
export function bookingReminderMessage(reminder: BusEvents['booking.reminder'], locale: Locale): PushMessage {
  const { lockerName, endsAtLocal, extensionOffered } = reminder;
  const fr = locale === 'fr';
  const body = fr
    ? `Votre réservation du ${lockerName} se termine à ${endsAtLocal}.${extensionOffered ? " Prolonger d'une heure ?" : ''}`
    : `Your booking of ${lockerName} ends at ${endsAtLocal}.${extensionOffered ? ' Extend by an hour?' : ''}`;
  return {
    title: fr ? 'Plus que 10 minutes' : '10 minutes left',
    body,
    url: '/',
    tag: `booking-reminder-${reminder.bookingId}`,
  };
}
