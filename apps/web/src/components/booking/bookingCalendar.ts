import type { BookingRules, CalendarDay, CalendarHour, SlotState } from '../../api/bookings';

/**
 * The booking calendar's rules on the client: what a cell shows now and which durations a start
 * allows. The server decides for real (and answers `slot_taken` when someone was faster); this
 * only keeps the user from choosing what would be refused.
 */

/** A start the user picked: a site-local date and hour. */
export interface SlotStart {
  date: string;
  hour: number;
}

/**
 * What a cell shows at `nowMs` (server time). A cell the server sent as free is past once its hour
 * has begun: the hour in progress is not sold (it would be charged in full, SPEC §5).
 */
export function slotStateAt(hour: CalendarHour, nowMs: number): SlotState {
  if (hour.state === 'free' && Date.parse(hour.startsAt) <= nowMs) return 'past';
  return hour.state;
}

/**
 * The durations (hours) a booking starting at `startHour` may have: every hour of it free, ending
 * no later than closing time, within the rules' minimum and maximum. Empty when the start itself
 * is not free.
 */
export function availableDurations(day: CalendarDay, startHour: number, rules: BookingRules, nowMs: number): number[] {
  const byHour = new Map(day.hours.map((hour) => [hour.hour, hour]));
  const durations: number[] = [];
  for (let hours = 1; hours <= rules.maxDurationHours; hours += 1) {
    if (startHour + hours > rules.closingHour) break;
    const cell = byHour.get(startHour + hours - 1);
    if (!cell || slotStateAt(cell, nowMs) !== 'free') break;
    if (hours >= rules.minDurationHours) durations.push(hours);
  }
  return durations;
}

/** Every duration the rules allow, for when no start is chosen yet. */
export function allDurations(rules: BookingRules): number[] {
  const durations: number[] = [];
  for (let hours = rules.minDurationHours; hours <= rules.maxDurationHours; hours += 1) durations.push(hours);
  return durations;
}

/** The duration to use: the one asked for when it is possible, else the longest one that is. */
export function fitDuration(wanted: number, durations: readonly number[]): number | null {
  if (durations.includes(wanted)) return wanted;
  const shorter = durations.filter((hours) => hours < wanted);
  return shorter.at(-1) ?? durations[0] ?? null;
}

/** Whether the cell at `date`/`hour` is part of the chosen booking. */
export function inSelection(start: SlotStart | null, durationHours: number, date: string, hour: number): boolean {
  return start !== null && start.date === date && hour >= start.hour && hour < start.hour + durationHours;
}

/** The day and cell of a start, when the calendar still has it. */
export function findSlot(
  days: readonly CalendarDay[],
  start: SlotStart,
): { day: CalendarDay; hour: CalendarHour } | null {
  const day = days.find((candidate) => candidate.date === start.date);
  const hour = day?.hours.find((candidate) => candidate.hour === start.hour);
  return day && hour ? { day, hour } : null;
}

/** Whether a chosen start can still be booked at `nowMs` (a refresh or the clock may have taken it). */
export function startStillFree(days: readonly CalendarDay[], start: SlotStart, nowMs: number): boolean {
  const found = findSlot(days, start);
  return found !== null && slotStateAt(found.hour, nowMs) === 'free';
}

/** How many hours of a day are still free at `nowMs` (shown on the day strip). */
export function freeHourCount(day: CalendarDay, nowMs: number): number {
  return day.hours.filter((hour) => slotStateAt(hour, nowMs) === 'free').length;
}
