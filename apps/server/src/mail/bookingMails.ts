import { formatEuroCents, siteTimeFormatter } from '@smartlocker/domain';
import { localeOf } from '../accounts/locale';
import { icsCalendar } from './icsEvent';
import type { MailMessage } from './Mailer';

/** The booking mails (issue 5), in the person's language (`users.locale`, issue 12). */
export interface BookedSlot {
  bookingId: string;
  lockerName: string;
  siteName: string;
  startsAt: Date;
  endsAt: Date;
  amountCents: number;
  timeZone: string;
}

const SIGNATURE = '\n\n— SmartLocker';

function slotText(slot: BookedSlot, locale: 'fr' | 'en'): string {
  const time = siteTimeFormatter(slot.timeZone);
  const end = time.local(slot.endsAt).slice(-5);
  const on = locale === 'en' ? 'on' : 'le';
  return `${slot.lockerName} (${slot.siteName}), ${on} ${time.local(slot.startsAt)} – ${end}`;
}

export function bookingConfirmedMail(
  to: string,
  name: string,
  slot: BookedSlot,
  appUrl: string,
  now: Date,
  locale: unknown,
): MailMessage {
  const en = localeOf(locale) === 'en';
  return {
    to,
    subject: en ? `Booking confirmed: ${slot.lockerName}` : `Réservation confirmée : ${slot.lockerName}`,
    text: en
      ? `Hello ${name},\n\n` +
        `Your booking is confirmed: ${slotText(slot, 'en')}.\n` +
        `Amount paid: ${formatEuroCents(slot.amountCents)} EUR.\n\n` +
        'During this slot, open the locker from the app:\n\n' +
        `${appUrl}\n\n` +
        'The attached file adds the slot to your calendar. Ten minutes before the end, the app will offer to extend ' +
        'it by an hour.' +
        SIGNATURE
      : `Bonjour ${name},\n\n` +
        `Votre réservation est confirmée : ${slotText(slot, 'fr')}.\n` +
        `Montant payé : ${formatEuroCents(slot.amountCents)} EUR.\n\n` +
        "Pendant ce créneau, ouvrez le casier depuis l'application :\n\n" +
        `${appUrl}\n\n` +
        "Le fichier joint ajoute le créneau à votre agenda. Dix minutes avant la fin, l'application vous " +
        "proposera de prolonger d'une heure." +
        SIGNATURE,
    attachments: [
      {
        filename: en ? 'smartlocker-booking.ics' : 'reservation-smartlocker.ics',
        contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
        content: icsCalendar({
          uid: `${slot.bookingId}@smartlocker`,
          startsAt: slot.startsAt,
          endsAt: slot.endsAt,
          stampedAt: now,
          summary: en ? `Locker ${slot.lockerName}` : `Casier ${slot.lockerName}`,
          location: slot.siteName,
          description: en
            ? `SmartLocker booking. Open the locker: ${appUrl}`
            : `Réservation SmartLocker. Ouvrir le casier : ${appUrl}`,
          alarmMinutesBefore: 15,
        }),
      },
    ],
  };
}

export function bookingRefundedMail(
  to: string,
  name: string,
  slot: BookedSlot,
  reason: string,
  locale: unknown,
): MailMessage {
  if (localeOf(locale) === 'en') {
    return {
      to,
      subject: `Booking refunded: ${slot.lockerName}`,
      text:
        `Hello ${name},\n\n` +
        `Your booking ${slotText(slot, 'en')} cannot be honoured: ${reason}\n\n` +
        `We have refunded ${formatEuroCents(slot.amountCents)} EUR to the means of payment you used ` +
        '(how soon it shows depends on your bank). You have nothing to do.' +
        SIGNATURE,
    };
  }
  return {
    to,
    subject: `Réservation remboursée : ${slot.lockerName}`,
    text:
      `Bonjour ${name},\n\n` +
      `Votre réservation ${slotText(slot, 'fr')} ne peut pas être honorée : ${reason}\n\n` +
      `Nous vous avons remboursé ${formatEuroCents(slot.amountCents)} EUR sur le moyen de paiement utilisé ` +
      "(le délai d'apparition dépend de votre banque). Vous n'avez rien à faire." +
      SIGNATURE,
  };
}
