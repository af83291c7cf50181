import { defineMessages } from '../../i18n/messages';

/**
 * Countdowns told to a person, in whole minutes. Minutes are rounded up, so "1 min" is shown for
 * the last minute and "0 min" never is; an aria-live region then changes once a minute, not once
 * a second.
 */
const text = defineMessages({
  fr: {
    days: (days: number, hours: number) => (hours > 0 ? `${days} j ${hours} h` : `${days} j`),
    startsIn: (left: string) => `Commence dans ${left}`,
    endsIn: (left: string) => `Se termine dans ${left}`,
    ended: 'Créneau terminé',
    heldFor: (left: string) => `Créneau retenu encore ${left}`,
    holdOver: 'Délai de paiement dépassé',
  },
  en: {
    days: (days: number, hours: number) => (hours > 0 ? `${days} d ${hours} h` : `${days} d`),
    startsIn: (left: string) => `Starts in ${left}`,
    endsIn: (left: string) => `Ends in ${left}`,
    ended: 'Slot over',
    heldFor: (left: string) => `Slot held for ${left} more`,
    holdOver: 'Payment time is over',
  },
});

const MINUTE_MS = 60_000;
const MINUTES_PER_DAY = 24 * 60;

/** "1 h 12 min", "45 min", "2 h", "3 j 4 h" (beyond a day, minutes no longer matter). */
export function durationLabel(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / MINUTE_MS));
  if (minutes >= MINUTES_PER_DAY) {
    const days = Math.floor(minutes / MINUTES_PER_DAY);
    const hours = Math.floor((minutes % MINUTES_PER_DAY) / 60);
    return text().days(days, hours);
  }
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${rest} min`;
  return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
}

export type CountdownPhase = 'upcoming' | 'running' | 'ended';

export interface Countdown {
  phase: CountdownPhase;
  text: string;
}

/** Where a booking stands at `nowMs` (server time): before it, during it, or after it. */
export function bookingCountdown(startsAt: string, endsAt: string, nowMs: number): Countdown {
  const start = Date.parse(startsAt);
  const end = Date.parse(endsAt);
  if (nowMs < start) return { phase: 'upcoming', text: text().startsIn(durationLabel(start - nowMs)) };
  if (nowMs < end) return { phase: 'running', text: text().endsIn(durationLabel(end - nowMs)) };
  return { phase: 'ended', text: text().ended };
}

/** While a booking waits for its payment: how long the slot stays held. */
export function holdLabel(holdExpiresAt: string | null, nowMs: number): string | null {
  if (!holdExpiresAt) return null;
  const left = Date.parse(holdExpiresAt) - nowMs;
  if (Number.isNaN(left)) return null;
  return left > 0 ? text().heldFor(durationLabel(left)) : text().holdOver;
}
