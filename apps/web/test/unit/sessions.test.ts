import { describe, expect, it } from 'vitest';
import { createSessionsApi, historyCsvUrl, historyQuery, NO_FILTERS, parseSessionEvent } from '../../src/api/sessions';
import {
  elapsedLabel,
  endReasonLabel,
  euroLabel,
  minutesLabel,
  siteDateTimeLabel,
} from '../../src/components/session/sessionFormat';

const session = { id: 's1', lockerId: 'SPORT_01', startedAt: '2026-03-29T08:00:00.000Z', graceOpenUsed: false };
const stats = { sessions: 3, minutes: 125, spentCents: 1500 };

describe('SSE session payloads', () => {
  it('reads a running session with the totals, and none', () => {
    expect(parseSessionEvent(JSON.stringify({ session, stats }))).toEqual({ session, stats });
    expect(parseSessionEvent(JSON.stringify({ session: null, stats }))).toEqual({ session: null, stats });
  });

  it('rejects malformed payloads instead of throwing', () => {
    expect(parseSessionEvent('{')).toBeUndefined();
    expect(parseSessionEvent(JSON.stringify({ session }))).toBeUndefined();
    expect(parseSessionEvent(JSON.stringify({ session: { ...session, startedAt: 'soon' }, stats }))).toBeUndefined();
    expect(parseSessionEvent(JSON.stringify({ session: null, stats: { ...stats, minutes: -1 } }))).toBeUndefined();
  });
});

describe('history requests', () => {
  it('leaves empty filters out of the query, and keeps the page', () => {
    expect(historyQuery(NO_FILTERS)).toBe('');
    expect(historyQuery({ from: '2026-01-01', to: '', type: 'sport' }, { page: 2, pageSize: 20 })).toBe(
      '?from=2026-01-01&type=sport&page=2&pageSize=20',
    );
    expect(historyCsvUrl({ from: '2026-01-01', to: '2026-01-31', type: '' })).toBe(
      '/api/history.csv?from=2026-01-01&to=2026-01-31',
    );
  });

  it('sends the session calls to their routes', async () => {
    const calls: string[] = [];
    const api = createSessionsApi(async (input, init) => {
      calls.push(`${init.method} ${input} ${init.body ?? ''}`.trim());
      return new Response(JSON.stringify({ session, commandId: 'c1', graceOpen: false }), { status: 200 });
    });
    await api.start('SPORT_01');
    await api.open();
    await api.end(true);
    expect(calls).toEqual([
      'POST /api/sessions {"lockerId":"SPORT_01"}',
      'POST /api/sessions/current/open',
      'POST /api/sessions/current/end {"objectLeftConfirmed":true}',
    ]);
  });
});

describe('session wording', () => {
  it.each([
    [0, '0:00:00'],
    [59_999, '0:00:59'],
    [4 * 60_000 + 9_000, '0:04:09'],
    [27 * 3_600_000 + 3 * 60_000, '27:03:00'],
    [-5_000, '0:00:00'],
  ])('shows %i ms as %s on the timer', (ms, label) => {
    expect(elapsedLabel(ms)).toBe(label);
  });

  it.each([
    [0, '0 min'],
    [45, '45 min'],
    [180, '3 h'],
    [185, '3 h 05 min'],
  ])('totals %i minutes as %s', (minutes, label) => {
    expect(minutesLabel(minutes)).toBe(label);
  });

  it('reads money in euros, and times on the site clock', () => {
    expect(euroLabel(1250).replace(/\s/g, ' ')).toBe('12,50 €');
    expect(siteDateTimeLabel('2026-01-12T08:00:00.000Z', 'Europe/Brussels')).toBe('12/01/2026 09:00');
    expect(endReasonLabel('admin')).toBe('Libérée par un administrateur');
    expect(endReasonLabel(null)).toBe('En cours');
  });
});
