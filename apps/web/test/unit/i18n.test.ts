import { afterEach, describe, expect, it } from 'vitest';
import { bookingMessageFor, hasMessage, messageFor, messageForError } from '../../src/api/errorMessages';
import { dayLongLabel, slotLabel } from '../../src/components/booking/bookingLabels';
import { formatEuros } from '../../src/components/booking/bookingMoney';
import { bookingCountdown } from '../../src/components/booking/countdown';
import { siteDateTimeLabel } from '../../src/components/session/sessionFormat';
import { currentLocale, matchLocale, setLocale } from '../../src/i18n/locale';
import { definedCatalogs, defineMessages } from '../../src/i18n/messages';

afterEach(() => setLocale('fr'));

describe('choosing the language', () => {
  it('takes the first supported language of the browser, French otherwise', () => {
    expect(matchLocale(['en-US', 'fr'])).toBe('en');
    expect(matchLocale(['de-DE', 'fr-BE', 'en'])).toBe('fr');
    expect(matchLocale(['nl-BE', 'EN_gb'])).toBe('en');
    expect(matchLocale(['de', 'es'])).toBe('fr');
    expect(matchLocale([])).toBe('fr');
  });

  it('switches every catalog at once', () => {
    const text = defineMessages({
      fr: { hello: 'Bonjour', count: (n: number) => `${n} casiers` },
      en: { hello: 'Hello', count: (n: number) => `${n} lockers` },
    });
    expect(text().hello).toBe('Bonjour');
    setLocale('en');
    expect(currentLocale()).toBe('en');
    expect(text().hello).toBe('Hello');
    expect(text().count(3)).toBe('3 lockers');
    expect(text.in('fr').count(2)).toBe('2 casiers');
  });
});

describe('server error codes in both languages', () => {
  it('maps a known code to a message a person understands', () => {
    expect(messageFor('slot_taken')).toMatch(/réservé par quelqu'un d'autre/);
    setLocale('en');
    expect(messageFor('slot_taken')).toBe('Someone else has just booked this slot. Choose another one.');
    expect(bookingMessageFor('not_found')).toBe('This booking cannot be found.');
    expect(messageForError({ code: 'rate_limited', status: 429, retryAfterSeconds: 90 })).toBe(
      'Too many attempts. Try again in 2 min.',
    );
  });

  it('keeps the code of an unknown error for support, in the current language', () => {
    expect(hasMessage('teapot')).toBe(false);
    expect(messageFor('teapot')).toBe('Une erreur est survenue (teapot). Réessayez.');
    setLocale('en');
    expect(messageFor('teapot')).toBe('Something went wrong (teapot). Try again.');
  });
});

describe('dates, times and money through Intl', () => {
  it('formats euros the way each language reads them', () => {
    expect(formatEuros(1250)).toMatch(/^12,50\s€$/);
    setLocale('en');
    expect(formatEuros(1250)).toBe('€12.50');
  });

  it('shows instants on the site clock, whatever the browser zone', () => {
    // 09:00 UTC is 10:00 in Brussels in winter and 18:00 in Tokyo.
    expect(siteDateTimeLabel('2026-01-12T09:00:00Z', 'Europe/Brussels')).toBe('12/01/2026 10:00');
    expect(slotLabel('2026-01-12T09:00:00Z', '2026-01-12T11:00:00Z', 'Asia/Tokyo')).toMatch(/18:00–20:00$/);
    setLocale('en');
    expect(siteDateTimeLabel('2026-01-12T09:00:00Z', 'Europe/Brussels')).toBe('12/01/2026, 10:00');
    expect(dayLongLabel('2026-03-11')).toBe('Wednesday 11 March');
  });

  it('counts down in the current language', () => {
    const start = '2026-03-12T09:00:00.000Z';
    const end = '2026-03-12T11:00:00.000Z';
    setLocale('en');
    expect(bookingCountdown(start, end, Date.parse(start) - 25 * 60_000).text).toBe('Starts in 25 min');
  });
});

describe('catalogs', () => {
  it('have no empty message in either language', async () => {
    // Importing the screens registers their catalogs (most load on demand in the app).
    await Promise.all([
      import('../../src/App'),
      import('../../src/screens/SettingsScreen'),
      import('../../src/screens/HistoryScreen'),
      import('../../src/screens/booking/BookingScreen'),
      import('../../src/screens/booking/CheckoutReturnScreen'),
      import('../../src/screens/AdminHomeScreen'),
      import('../../src/screens/WorkbenchScreen'),
      import('../../src/screens/DevOutboxScreen'),
      import('../../src/screens/ForgotPasswordScreen'),
      import('../../src/screens/ResetPasswordScreen'),
      import('../../src/pairing/QrScanner'),
    ]);
    const empty: string[] = [];
    for (const catalog of definedCatalogs()) {
      for (const side of [catalog.fr, catalog.en]) {
        for (const [key, value] of Object.entries(side)) {
          const shown = typeof value === 'function' ? value('x', 1, 1, 1, 'x') : value;
          if (!shown.trim()) empty.push(key);
        }
      }
    }
    expect(definedCatalogs().length).toBeGreaterThan(40);
    expect(empty).toEqual([]);
  });
});
