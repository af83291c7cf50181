import { describe, expect, it } from 'vitest';
import { buildReport } from '../../../../bench/report';
import { bookingRace } from '../../../../bench/scenarios/bookingRace';
import { fleet } from '../../../../bench/scenarios/fleet';
import { seedBaseline } from '../../../../bench/scenarios/seedBaseline';
import { stateToBrowser } from '../../../../bench/scenarios/stateToBrowser';
import { EMBEDDED_DATABASE } from '../../../../test-support/backends';

/**
 * A smoke run of `npm run bench` (issue 13): the tiny versions of scenarios 2–5 through the same
 * modules, so the harness keeps working as the server changes. Structure only — the figures are
 * the bench's business, never asserted here.
 */
describe('the bench harness', () => {
  it('runs scenarios 2 to 5 in small and reports every key', { timeout: 120_000 }, async () => {
    const state = await stateToBrowser({ database: EMBEDDED_DATABASE, clients: 10, opens: 1 });
    expect(state.door_changes).toBe(2);
    expect(state.missed).toBe(0);

    const fleetResult = await fleet({ database: EMBEDDED_DATABASE, lockers: 20, windowS: 3 });
    expect(fleetResult.connected).toBe(20);
    expect(fleetResult.lost_messages).toBe(0);
    expect(fleetResult.duplicated_messages).toBe(0);
    expect(fleetResult.rejected_messages).toBe(0);

    const race = await bookingRace({ database: EMBEDDED_DATABASE, contenders: 10 });
    expect(race.winners).toBe(1);
    expect(race.unexpected_answers).toBe(0);

    const seed = await seedBaseline({ samples: 3 });
    expect(seed.samples).toBe(3);

    const report = buildReport(
      { state, fleet: fleetResult, race, seed },
      { database: 'pglite', quick: true, errors: {} },
    );
    expect(Object.keys(report)).toEqual([
      'open_latency_ms',
      'open_stages_ms',
      'state_to_browser_ms',
      'fleet',
      'booking_race',
      'admin_users_page_ms',
      'seed_baseline',
      'machine',
      'database',
      'extra',
      'errors',
    ]);
    expect(Object.keys(report.fleet ?? {})).toEqual([
      'lockers',
      'connected',
      'connect_s',
      'server_rss_mb',
      'server_cpu_cores',
      'msgs_per_s',
      'lost_messages',
      'duplicated_messages',
      'db_writes_per_s',
    ]);
    const finite = [
      report.state_to_browser_ms?.p50,
      report.state_to_browser_ms?.p99,
      report.fleet?.connect_s,
      report.fleet?.server_rss_mb,
      report.fleet?.server_cpu_cores,
      report.fleet?.msgs_per_s,
      report.booking_race?.p99_ms,
      report.seed_baseline?.open_latency_ms.p50,
      report.seed_baseline?.open_latency_ms.p99,
      report.machine.cores,
      report.machine.memory,
    ];
    for (const value of finite) expect(Number.isFinite(value)).toBe(true);
    expect(report.booking_race).toEqual({ contenders: 10, winners: 1, p99_ms: race.p99_ms });
    expect(report.database).toBe('pglite');
  });
});
