import { afterEach, describe, expect, it } from 'vitest';
import { ALERT_KINDS, type AlarmView, mergeAlarm, readAlarm } from '../../src/api/alerts';
import { messageForError } from '../../src/api/errorMessages';
import { alertKindName, alertSentence } from '../../src/i18n/alertLabels';
import { setLocale } from '../../src/i18n/locale';
import { lockerIdFromPath, routeFromPath } from '../../src/router';

afterEach(() => setLocale('fr'));

const alarm = (overrides: Partial<AlarmView> = {}): AlarmView => ({
  id: 'a1',
  lockerId: 'SPORT_01',
  lockerName: 'Casier sport 1',
  kind: 'intrusion',
  severity: 'critical',
  state: 'active',
  data: { count: 1 },
  raisedAt: '2026-12-01T10:00:00.000Z',
  acknowledgedAt: null,
  acknowledgedBy: null,
  acknowledgedNote: null,
  clearedAt: null,
  clearedReason: null,
  clearedNote: null,
  ...overrides,
});

describe('alarms as the admin screens read them (issue 10)', () => {
  it('reads an alarm from the stream, and refuses anything malformed', () => {
    expect(readAlarm(alarm())).toEqual(alarm());
    expect(readAlarm({ ...alarm(), kind: 'made_up' })).toBeUndefined();
    expect(readAlarm({ ...alarm(), state: 'sleeping' })).toBeUndefined();
    expect(readAlarm({ ...alarm(), acknowledgedNote: 42 })).toBeUndefined();
    expect(readAlarm('not an object')).toBeUndefined();
    expect(readAlarm({ ...alarm(), data: 'x' })?.data).toEqual({});
  });

  it('keeps the open ones, newest first, and drops one once it is over', () => {
    const older = alarm({ id: 'old', raisedAt: '2026-12-01T09:00:00.000Z' });
    const newer = alarm({ id: 'new', raisedAt: '2026-12-01T11:00:00.000Z' });
    let list = mergeAlarm([], older);
    list = mergeAlarm(list, newer);
    expect(list.map((a) => a.id)).toEqual(['new', 'old']);
    list = mergeAlarm(list, { ...older, state: 'acknowledged' });
    expect(list.map((a) => `${a.id}:${a.state}`)).toEqual(['new:active', 'old:acknowledged']);
    list = mergeAlarm(list, { ...newer, state: 'cleared' });
    expect(list.map((a) => a.id)).toEqual(['old']);
  });

  it('names every kind and says every banner, in both languages', () => {
    for (const locale of ['fr', 'en'] as const) {
      setLocale(locale);
      for (const kind of ALERT_KINDS) {
        expect(alertKindName(kind), `${locale} ${kind}`).not.toBe('');
        expect(alertSentence(kind), `${locale} ${kind}`).not.toBe('');
      }
    }
  });

  it('says until when a lockdown lasts', () => {
    const until = '2026-12-01T10:05:00.000Z';
    expect(alertSentence('lockdown', { until })).toMatch(/jusqu’à \d{2}:\d{2}/);
    expect(messageForError({ code: 'lockdown', status: 409, retryAfterSeconds: null, details: { until } })).toMatch(
      /ouverture possible à \d{2}:\d{2}/,
    );
    setLocale('en');
    expect(messageForError({ code: 'lockdown', status: 409, retryAfterSeconds: null, details: { until } })).toMatch(
      /opens again at \d{2}:\d{2}/,
    );
  });

  it('routes /casier/<ID> to the locker’s page', () => {
    expect(lockerIdFromPath('/casier/SPORT_01')).toBe('SPORT_01');
    expect(lockerIdFromPath('/casier/sport_01')).toBeNull();
    expect(lockerIdFromPath('/casier/')).toBeNull();
    expect(routeFromPath('/casier/ECOLE_01')).toBe('locker');
    expect(routeFromPath('/casier')).toBeNull();
  });
});
