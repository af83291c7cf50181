import { intlTag } from './locale';

/**
 * Dates, times, durations and money through `Intl`, in the current language. Instants are shown
 * on the site's clock when its zone is known (`timeZone`), else on the browser's. Money is
 * integer cents everywhere else (STYLE.md); only these functions turn it into euros.
 */

const numberFormats = new Map<string, Intl.NumberFormat>();
const dateFormats = new Map<string, Intl.DateTimeFormat>();
const pluralRules = new Map<string, Intl.PluralRules>();

function dateFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const tag = intlTag();
  const key = `${tag}|${JSON.stringify(options)}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(tag, options);
    dateFormats.set(key, format);
  }
  return format;
}

function zone(timeZone: string | undefined): Intl.DateTimeFormatOptions {
  return timeZone ? { timeZone } : {};
}

function instant(iso: string | Date): Date | null {
  const date = iso instanceof Date ? iso : new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** 1250 → "12,50 €" / "€12.50". */
export function formatMoney(cents: number, currency = 'EUR'): string {
  const tag = intlTag();
  const key = `${tag}|${currency}`;
  let format = numberFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(tag, { style: 'currency', currency });
    numberFormats.set(key, format);
  }
  return format.format(cents / 100);
}

/** "12:03:04". */
export function formatClock(at: string | Date, timeZone?: string): string {
  const date = instant(at);
  if (!date) return '';
  return dateFormat({
    ...zone(timeZone),
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}

/** "10:42". */
export function formatTime(at: string | Date, timeZone?: string): string {
  const date = instant(at);
  if (!date) return '';
  return dateFormat({ ...zone(timeZone), hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
}

/** "12/01/2026 09:00". */
export function formatDateTime(at: string | Date, timeZone?: string): string {
  const date = instant(at);
  if (!date) return '';
  return dateFormat({
    ...zone(timeZone),
    day: '2-digit',
    month: '2-digit',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}

/** "mer. 12 mars" / "Wed 12 Mar". */
export function formatShortDay(at: string | Date, timeZone?: string): string {
  const date = instant(at);
  if (!date) return '';
  return dateFormat({ ...zone(timeZone), weekday: 'short', day: 'numeric', month: 'short' }).format(date);
}

/**
 * A calendar date (`YYYY-MM-DD`, already the site's) without any time zone shift: it is read and
 * written as UTC midnight.
 */
export function formatCalendarDate(date: string, options: Intl.DateTimeFormatOptions): string {
  const [year, month, day] = date.split('-').map(Number);
  if (!year || !month || !day) return date;
  return dateFormat({ ...options, timeZone: 'UTC' }).format(new Date(Date.UTC(year, month - 1, day)));
}

/** The plural category of `count` in the current language (`one`, `other`…). */
export function pluralOf(count: number): Intl.LDMLPluralRule {
  const tag = intlTag();
  let rules = pluralRules.get(tag);
  if (!rules) {
    rules = new Intl.PluralRules(tag);
    pluralRules.set(tag, rules);
  }
  return rules.select(count);
}

/** `one` when the language says so for `count`, else `other`. */
export function plural(count: number, forms: { one: string; other: string }): string {
  return pluralOf(count) === 'one' ? forms.one : forms.other;
}
