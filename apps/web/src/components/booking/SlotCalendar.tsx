import type { CalendarDay } from '../../api/bookings';
import { defineMessages } from '../../i18n/messages';
import { freeHourCount, inSelection, type SlotStart, slotStateAt } from './bookingCalendar';
import { dayLongLabel, dayShortLabel, dayTitle, hourLabel, slotStateLabel } from './bookingLabels';

const text = defineMessages({
  fr: {
    jump: 'Aller au jour',
    full: 'complet',
    freeHours: (hours: number) => `${hours} h libres`,
    span: (from: string, to: string) => `${from} à ${to}`,
    chosen: 'Choisi',
  },
  en: {
    jump: 'Go to day',
    full: 'full',
    freeHours: (hours: number) => `${hours} h free`,
    span: (from: string, to: string) => `${from} to ${to}`,
    chosen: 'Chosen',
  },
});

interface SlotCalendarProps {
  days: readonly CalendarDay[];
  /** Server time, ms. */
  nowMs: number;
  start: SlotStart | null;
  durationHours: number;
  onPick(start: SlotStart): void;
}

function dayId(date: string): string {
  return `jour-${date}`;
}

function reducedMotion(): boolean {
  return window.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;
}

/** Scrolls to a day and moves the focus to its title, so keyboards and screen readers follow. */
function jumpTo(date: string) {
  const title = document.getElementById(`${dayId(date)}-titre`);
  if (!title) return;
  title.scrollIntoView({ behavior: reducedMotion() ? 'auto' : 'smooth', block: 'start' });
  title.focus({ preventScroll: true });
}

/**
 * The next 15 days, one section per day, every hour a cell; a strip at the top jumps to a day.
 * Every cell stays in the page (no hidden tabs): a phone scrolls, and every slot has an address.
 */
export function SlotCalendar({ days, nowMs, start, durationHours, onPick }: SlotCalendarProps) {
  const t = text();
  return (
    <div class="slot-calendar">
      <nav class="day-strip" aria-label={t.jump}>
        {days.map((day) => {
          const free = freeHourCount(day, nowMs);
          return (
            <button
              type="button"
              key={day.date}
              class={`day-strip__day ${free === 0 ? 'day-strip__day--full' : ''}`}
              data-testid="day-jump"
              data-date={day.date}
              onClick={() => jumpTo(day.date)}
            >
              {/* The visible words are part of the name (WCAG 2.5.3); the full date is read before them. */}
              <span class="visually-hidden">{dayLongLabel(day.date)} : </span>
              <span class="day-strip__name">{dayShortLabel(day.date)}</span>{' '}
              <span class="day-strip__free">{free === 0 ? t.full : `${free} h`}</span>
            </button>
          );
        })}
      </nav>

      {days.map((day, index) => {
        const titleId = `${dayId(day.date)}-titre`;
        return (
          <section class="booking-day" key={day.date} id={dayId(day.date)} aria-labelledby={titleId}>
            <h2 class="booking-day__title" id={titleId} tabIndex={-1}>
              {dayTitle(day.date, index)}
            </h2>
            <div class="booking-day__grid">
              {day.hours.map((hour) => {
                const state = slotStateAt(hour, nowMs);
                const selected = state === 'free' && inSelection(start, durationHours, day.date, hour.hour);
                const isStart = selected && start?.hour === hour.hour;
                const span = t.span(hourLabel(hour.hour), hourLabel(hour.hour + 1));
                return (
                  <button
                    type="button"
                    key={hour.hour}
                    class={`slot slot--${state} ${selected ? 'slot--selected' : ''} ${isStart ? 'slot--start' : ''}`}
                    data-testid="slot"
                    data-date={day.date}
                    data-hour={hour.hour}
                    data-state={state}
                    data-selected={selected ? 'true' : undefined}
                    aria-pressed={state === 'free' ? isStart : undefined}
                    disabled={state !== 'free'}
                    onClick={() => onPick({ date: day.date, hour: hour.hour })}
                  >
                    <span class="slot__hour">{hourLabel(hour.hour)}</span>
                    <span class="visually-hidden">{span.slice(hourLabel(hour.hour).length)} : </span>
                    <span class="slot__state">{selected ? t.chosen : slotStateLabel(state)}</span>
                  </button>
                );
              })}
            </div>
          </section>
        );
      })}
    </div>
  );
}
