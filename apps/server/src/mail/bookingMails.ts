import { formatEuroCents, siteTimeFormatter } from '@smartlocker/domain';
import { icsCalendar } from './icsEvent';
import type { MailMessage } from './Mailer';

/** The booking mails (issue 5), in French like the app. */
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

function slotText(slot: BookedSlot): string {
  const time = siteTimeFormatter(slot.timeZone);
  const end = time.local(slot.endsAt).slice(-5);
  return `${slot.lockerName} (${slot.siteName}), le ${time.local(slot.startsAt)} – ${end}`;
}

export function bookingConfirmedMail(
  to: string,
  name: string,
  slot: BookedSlot,
  appUrl: string,
  now: Date,
): MailMessage {
  return {
    to,
    subject: `Réservation confirmée : ${slot.lockerName}`,
    text:
      `Bonjour ${name},\n\n` +
      `Votre réservation est confirmée : ${slotText(slot)}.\n` +
      `Montant payé : ${formatEuroCents(slot.amountCents)} EUR.\n\n` +
      "Pendant ce créneau, ouvrez le casier depuis l'application :\n\n" +
      `${appUrl}\n\n` +
      "Le fichier joint ajoute le créneau à votre agenda. Dix minutes avant la fin, l'application vous " +
      "proposera de prolonger d'une heure." +
      SIGNATURE,
    attachments: [
      {
        filename: 'reservation-smartlocker.ics',
        contentType: 'text/calendar; charset=utf-8; method=PUBLISH',
        content: icsCalendar({
          uid: `${slot.bookingId}@smartlocker`,
          startsAt: slot.startsAt,
          endsAt: slot.endsAt,
          stampedAt: now,
          summary: `Casier ${slot.lockerName}`,
          location: slot.siteName,
          description: `Réservation SmartLocker. Ouvrir le casier : ${appUrl}`,
          alarmMinutesBefore: 15,
        }),
      },
    ],
  };
}

export function bookingRefundedMail(to: string, name: string, slot: BookedSlot, reason: string): MailMessage {
  return {
    to,
    subject: `Réservation remboursée : ${slot.lockerName}`,
    text:
      `Bonjour ${name},\n\n` +
      `Votre réservation ${slotText(slot)} ne peut pas être honorée : ${reason}\n\n` +
      `Nous vous avons remboursé ${formatEuroCents(slot.amountCents)} EUR sur le moyen de paiement utilisé ` +
      "(le délai d'apparition dépend de votre banque). Vous n'avez rien à faire." +
      SIGNATURE,
  };
}
