import { describe, expect, it } from 'vitest';
import { bookingCountdown, durationLabel, holdLabel } from '../../src/components/booking/countdown';

const MINUTE = 60_000;

describe('durations told to a person', () => {
  it('reads hours and minutes, minutes rounded up', () => {
    expect(durationLabel(72 * MINUTE)).toBe('1 h 12 min');
    expect(durationLabel(71 * MINUTE + 1)).toBe('1 h 12 min');
    expect(durationLabel(45 * MINUTE)).toBe('45 min');
    expect(durationLabel(120 * MINUTE)).toBe('2 h');
  });

  it('never says 0 min while time is left', () => {
    expect(durationLabel(1_000)).toBe('1 min');
    expect(durationLabel(0)).toBe('1 min');
  });

  it('counts in days and hours beyond a day', () => {
    expect(durationLabel((3 * 24 + 4) * 60 * MINUTE)).toBe('3 j 4 h');
    expect(durationLabel(24 * 60 * MINUTE)).toBe('1 j');
  });
});

describe('booking countdown', () => {
  const startsAt = '2025-03-12T09:00:00.000Z';
  const endsAt = '2025-03-12T11:00:00.000Z';

  it('counts down to the start, then to the end', () => {
    expect(bookingCountdown(startsAt, endsAt, Date.parse(startsAt) - 25 * MINUTE)).toEqual({
      phase: 'upcoming',
      text: 'Commence dans 25 min',
    });
    expect(bookingCountdown(startsAt, endsAt, Date.parse(endsAt) - 72 * MINUTE)).toEqual({
      phase: 'running',
      text: 'Se termine dans 1 h 12 min',
    });
  });

  it('says the slot is over at its end', () => {
    expect(bookingCountdown(startsAt, endsAt, Date.parse(endsAt)).phase).toBe('ended');
  });

  it('tells how long a pending booking holds its slot', () => {
    const hold = '2025-03-12T08:15:00.000Z';
    expect(holdLabel(hold, Date.parse(hold) - 12 * MINUTE)).toBe('Créneau retenu encore 12 min');
    expect(holdLabel(hold, Date.parse(hold) + 1)).toBe('Délai de paiement dépassé');
    expect(holdLabel(null, 0)).toBeNull();
  });
});
