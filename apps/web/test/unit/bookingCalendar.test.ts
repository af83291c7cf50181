import { describe, expect, it } from 'vitest';
import {
  allDurations,
  availableDurations,
  fitDuration,
  freeHourCount,
  inSelection,
  slotStateAt,
  startStillFree,
} from '../../src/components/booking/bookingCalendar';
import { bookingTotalCents, formatEuros } from '../../src/components/booking/bookingMoney';
import { at, day, plain, RULES } from './bookingFixtures';

const DATE = '2025-03-12';

describe('calendar cells', () => {
  it('shows a free hour as past once it has begun (the hour in progress is not sold)', () => {
    const hours = day(DATE).hours;
    const ten = hours.find((hour) => hour.hour === 10);
    if (!ten) throw new Error('no 10:00 cell');
    expect(slotStateAt(ten, at(9, 59))).toBe('free');
    expect(slotStateAt(ten, at(10))).toBe('past');
    expect(slotStateAt({ ...ten, state: 'taken' }, at(11))).toBe('taken');
    expect(slotStateAt({ ...ten, state: 'mine' }, at(11))).toBe('mine');
  });

  it('counts the free hours of a day at a given time', () => {
    expect(freeHourCount(day(DATE, { 12: 'taken', 13: 'mine' }), at(7))).toBe(12);
    expect(freeHourCount(day(DATE), at(20, 30))).toBe(1);
  });
});

describe('durations', () => {
  it('offers 1 to 6 h when the whole day is free', () => {
    expect(availableDurations(day(DATE), 8, RULES, at(7))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('stops before the first hour that is not free', () => {
    expect(availableDurations(day(DATE, { 12: 'taken' }), 10, RULES, at(7))).toEqual([1, 2]);
    expect(availableDurations(day(DATE, { 11: 'mine' }), 10, RULES, at(7))).toEqual([1]);
  });

  it('never ends after closing time (22:00)', () => {
    expect(availableDurations(day(DATE), 19, RULES, at(7))).toEqual([1, 2, 3]);
    expect(availableDurations(day(DATE), 21, RULES, at(7))).toEqual([1]);
  });

  it('offers nothing for a start that is taken or has begun', () => {
    expect(availableDurations(day(DATE, { 10: 'taken' }), 10, RULES, at(7))).toEqual([]);
    expect(availableDurations(day(DATE), 10, RULES, at(10, 5))).toEqual([]);
  });

  it('lists every allowed duration when no start is chosen', () => {
    expect(allDurations(RULES)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keeps the wanted duration when possible, else the longest that fits', () => {
    expect(fitDuration(2, [1, 2, 3])).toBe(2);
    expect(fitDuration(5, [1, 2])).toBe(2);
    expect(fitDuration(3, [])).toBeNull();
  });
});

describe('selection', () => {
  it('covers the start hour and the hours after it, on its own day', () => {
    const start = { date: DATE, hour: 10 };
    expect(inSelection(start, 2, DATE, 10)).toBe(true);
    expect(inSelection(start, 2, DATE, 11)).toBe(true);
    expect(inSelection(start, 2, DATE, 12)).toBe(false);
    expect(inSelection(start, 2, '2025-03-13', 10)).toBe(false);
    expect(inSelection(null, 2, DATE, 10)).toBe(false);
  });

  it('notices when a refresh took the chosen start', () => {
    const start = { date: DATE, hour: 10 };
    expect(startStillFree([day(DATE)], start, at(7))).toBe(true);
    expect(startStillFree([day(DATE, { 10: 'taken' })], start, at(7))).toBe(false);
    expect(startStillFree([day('2025-03-13')], start, at(7))).toBe(false);
  });
});

describe('price', () => {
  it('is 5,00 € per hour, in integer cents', () => {
    expect(bookingTotalCents(2, RULES)).toBe(1000);
    expect(bookingTotalCents(6, RULES)).toBe(3000);
  });

  it('reads as Belgian French euros', () => {
    expect(plain(formatEuros(1000))).toBe('10,00 €');
    expect(plain(formatEuros(500))).toBe('5,00 €');
    expect(plain(formatEuros(199_999))).toBe('1 999,99 €');
  });
});
