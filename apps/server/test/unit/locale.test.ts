import { describe, expect, it } from 'vitest';
import { localeFromAcceptLanguage, localeOf } from '../../src/accounts/locale';
import { passwordResetMail } from '../../src/mail/accountMails';
import { bookingConfirmedMail } from '../../src/mail/bookingMails';

describe('the person’s language on the server (issue 12)', () => {
  it('reads Accept-Language by quality, then order, primary subtag only', () => {
    expect(localeFromAcceptLanguage('en-US,en;q=0.9,fr;q=0.8')).toBe('en');
    expect(localeFromAcceptLanguage('de-DE, fr-BE;q=0.7, en;q=0.9')).toBe('en');
    expect(localeFromAcceptLanguage('nl-BE, fr;q=0.5')).toBe('fr');
    expect(localeFromAcceptLanguage('en;q=0, de')).toBe('fr');
    expect(localeFromAcceptLanguage(undefined)).toBe('fr');
    expect(localeFromAcceptLanguage('*')).toBe('fr');
  });

  it('reads an unexpected stored value as French', () => {
    expect(localeOf('en')).toBe('en');
    expect(localeOf('EN')).toBe('fr');
    expect(localeOf(null)).toBe('fr');
  });

  it('writes e-mails in the account’s language', () => {
    const fr = passwordResetMail('a@example.org', 'Léa', 'http://x/r', 30, 'fr');
    const en = passwordResetMail('a@example.org', 'Léa', 'http://x/r', 30, 'en');
    expect(fr.subject).toBe('Réinitialisation de votre mot de passe SmartLocker');
    expect(en.subject).toBe('Reset your SmartLocker password');
    expect(en.text).toContain('valid for 30 minutes');
    const slot = {
      bookingId: 'b1',
      lockerName: 'Casier A',
      siteName: 'École',
      startsAt: new Date('2026-12-01T09:00:00Z'),
      endsAt: new Date('2026-12-01T11:00:00Z'),
      amountCents: 1000,
      timeZone: 'Europe/Brussels',
    };
    const confirmed = bookingConfirmedMail('a@example.org', 'Léa', slot, 'http://x/', new Date(), 'en');
    expect(confirmed.subject).toBe('Booking confirmed: Casier A');
    expect(confirmed.text).toContain('on 01/12/2026 10:00 – 12:00');
    expect(confirmed.text).toContain('Amount paid: 10.00 EUR');
    expect(confirmed.attachments?.[0]?.filename).toBe('smartlocker-booking.ics');
  });
});
