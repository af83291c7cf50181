/**
 * Scenario 4 of `npm run bench` (issue 13): `contenders` members, each signed in and paired to
 * the school locker, ask for the same slot at the same instant through HTTP. The exclusion
 * constraint on bookings must leave exactly one winner; every request is timed from the
 * member's side. (apps/server/test/integration/bookings.test.ts asserts the same race.)
 */
import { ManualClock } from '../../apps/server/src/index';
import { type DatabaseBackend, EMBEDDED_BROKER } from '../../test-support/backends';
import { startTestSystem } from '../../test-support/system';
import { createSignedInMembers, pairAll, waitForLockersOnline } from '../support/members';
import { percentile } from './stats';

export interface BookingRaceResult {
  contenders: number;
  winners: number;
  p99_ms: number;
  p50_ms: number;
  /** Answers other than 201 (won) and 409 slot_taken (lost fairly). */
  unexpected_answers: number;
}

export async function bookingRace(options: {
  database: DatabaseBackend;
  contenders: number;
}): Promise<BookingRaceResult> {
  // 07:30 in Brussels on a fixed day, so every hour of the days after is bookable.
  const clock = new ManualClock(new Date('2026-12-01T06:30:00Z'));
  const system = await startTestSystem(options.database, EMBEDDED_BROKER, { BOOKING_TICK_S: '60' }, { clock });
  try {
    const members = await createSignedInMembers({
      database: system.database,
      baseUrl: system.url,
      dataDir: system.dataDirPath,
      count: options.contenders,
      tag: 'race',
    });
    await waitForLockersOnline(system, 2);
    await pairAll(members, system.codes.school);
    const slot = { date: '2026-12-12', startHour: 12, durationHours: 2 };
    const answers = await Promise.all(
      members.map(async (member) => {
        const sent = performance.now();
        const answer = await member.json<{ error?: { code?: string } }>('POST', '/api/bookings', slot);
        return { status: answer.status, code: answer.body?.error?.code, ms: performance.now() - sent };
      }),
    );
    const times = answers.map((a) => a.ms);
    return {
      contenders: options.contenders,
      winners: answers.filter((a) => a.status === 201).length,
      p99_ms: round(percentile(times, 0.99)),
      p50_ms: round(percentile(times, 0.5)),
      unexpected_answers: answers.filter((a) => a.status !== 201 && !(a.status === 409 && a.code === 'slot_taken'))
        .length,
    };
  } finally {
    await system.dispose();
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;
