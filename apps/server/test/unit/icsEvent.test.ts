import { describe, expect, it } from 'vitest';
import { icsCalendar } from '../../src/mail/icsEvent';

const event = {
  uid: 'b7d1@smartlocker',
  startsAt: new Date('2026-12-02T09:00:00Z'),
  endsAt: new Date('2026-12-02T11:00:00Z'),
  stampedAt: new Date('2026-12-01T06:31:12.345Z'),
  summary: 'Casier École 01',
  location: 'Campus; bâtiment A, rez',
  description: 'Ouvrir le casier : https://lockers.example.org\nBonne journée',
  alarmMinutesBefore: 15,
};

describe('the booking calendar file', () => {
  it('is one VEVENT in UTC with CRLF line ends', () => {
    const ics = icsCalendar(event);
    expect(ics.startsWith('BEGIN:VCALENDAR\r\nVERSION:2.0\r\n')).toBe(true);
    expect(ics.endsWith('END:VCALENDAR\r\n')).toBe(true);
    expect(ics).not.toMatch(/[^\r]\n/);
    expect(ics).toContain('\r\nDTSTART:20261202T090000Z\r\n');
    expect(ics).toContain('\r\nDTEND:20261202T110000Z\r\n');
    expect(ics).toContain('\r\nDTSTAMP:20261201T063112Z\r\n');
    expect(ics).toContain('\r\nTRIGGER:-PT15M\r\n');
    expect(ics.match(/BEGIN:VEVENT/g)).toHaveLength(1);
  });

  it('escapes separators and newlines in text values', () => {
    const ics = icsCalendar(event);
    expect(ics).toContain('LOCATION:Campus\\; bâtiment A\\, rez');
    expect(ics.replace(/\r\n /g, '')).toContain(
      'DESCRIPTION:Ouvrir le casier : https://lockers.example.org\\nBonne journée',
    );
  });

  it('folds lines longer than 75 octets without splitting a character', () => {
    const ics = icsCalendar({ ...event, summary: 'Réservé '.repeat(20), alarmMinutesBefore: null });
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line, 'utf8')).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, '');
    expect(unfolded).toContain(`SUMMARY:${'Réservé '.repeat(20)}`);
    expect(ics).not.toContain('VALARM');
  });
});
