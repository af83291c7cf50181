/**
 * The shape of bench/results/latest.json (issue 13) and the table printed beside it. Each
 * scenario's figures are optional: `--only` runs one, and a scenario that failed is reported
 * under `errors` instead of stopping the others.
 */
import { cpus, totalmem } from 'node:os';
import type { BookingRaceResult } from './scenarios/bookingRace';
import type { FleetResult } from './scenarios/fleet';
import type { Summary } from './scenarios/legacy';
import type { OpenLatencyResult } from './scenarios/openLatency';
import type { SeedBaselineResult } from './scenarios/seedBaseline';
import type { StateToBrowserResult } from './scenarios/stateToBrowser';
import type { Quantiles } from './scenarios/stats';

export interface ScenarioResults {
  open?: OpenLatencyResult;
  state?: StateToBrowserResult;
  fleet?: FleetResult;
  race?: BookingRaceResult;
  admin?: Summary & { p99: number; people: number };
  seed?: SeedBaselineResult;
  startup?: { cold: Summary; warm: Summary };
  booking?: { book: Summary; confirm: Summary };
}

export interface BenchReport {
  open_latency_ms: Quantiles | null;
  open_stages_ms: Record<string, Quantiles> | null;
  state_to_browser_ms: Quantiles | null;
  /** The fleet keys, as the fleet scenario measured them. */
  fleet: Pick<
    FleetResult,
    | 'lockers'
    | 'connected'
    | 'connect_s'
    | 'server_rss_mb'
    | 'server_cpu_cores'
    | 'msgs_per_s'
    | 'lost_messages'
    | 'duplicated_messages'
    | 'db_writes_per_s'
  > | null;
  booking_race: { contenders: number; winners: number; p99_ms: number } | null;
  admin_users_page_ms: { p99: number } | null;
  seed_baseline: { open_latency_ms: Quantiles } | null;
  machine: { cores: number; memory: number; node: string };
  database: 'pglite' | 'postgres';
  /** Figures beyond the keys: sample sizes, the measures kept from before issue 13, the run's mode. */
  extra: Record<string, unknown>;
  errors: Record<string, string>;
}

export function buildReport(
  results: ScenarioResults,
  run: { database: 'pglite' | 'postgres'; quick: boolean; errors: Record<string, string> },
): BenchReport {
  const { open, state, fleet, race, admin, seed, startup, booking } = results;
  return {
    open_latency_ms: open?.open_latency_ms ?? null,
    open_stages_ms: open?.open_stages_ms ?? null,
    state_to_browser_ms: state?.state_to_browser_ms ?? null,
    fleet: fleet
      ? {
          lockers: fleet.lockers,
          connected: fleet.connected,
          connect_s: fleet.connect_s,
          server_rss_mb: fleet.server_rss_mb,
          server_cpu_cores: fleet.server_cpu_cores,
          msgs_per_s: fleet.msgs_per_s,
          lost_messages: fleet.lost_messages,
          duplicated_messages: fleet.duplicated_messages,
          db_writes_per_s: fleet.db_writes_per_s,
        }
      : null,
    booking_race: race ? { contenders: race.contenders, winners: race.winners, p99_ms: race.p99_ms } : null,
    admin_users_page_ms: admin ? { p99: admin.p99 } : null,
    seed_baseline: seed ? { open_latency_ms: seed.open_latency_ms } : null,
    machine: { cores: cpus().length, memory: Math.round(totalmem() / 2 ** 20), node: process.version },
    database: run.database,
    extra: {
      quick: run.quick,
      generated_at: new Date().toISOString(),
      units: 'ms, MB (2^20 bytes), cores; machine.memory in MB',
      ...(open ? { open_to_sse_ms: open.open_to_sse_ms, open_samples: open.samples } : {}),
      ...(state ? { state_to_browser: state } : {}),
      ...(fleet ? { fleet } : {}),
      ...(race ? { booking_race: race } : {}),
      ...(admin ? { admin_users_page_ms: admin } : {}),
      ...(seed ? { seed_baseline: seed } : {}),
      ...(startup ? { start_cold_ms: startup.cold, start_warm_ms: startup.warm } : {}),
      ...(booking ? { booking_hold_and_checkout_ms: booking.book, pay_to_confirmed_on_sse_ms: booking.confirm } : {}),
    },
    errors: run.errors,
  };
}

type Verdict = 'met' | 'MISSED' | '';
interface Row {
  measure: string;
  value: string;
  target: string;
  verdict: Verdict;
}

const fmt = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits);
const check = (ok: boolean | null): Verdict => (ok === null ? '' : ok ? 'met' : 'MISSED');

/** Every figure of the report with its target (issue 13) and whether it was met. */
export function reportRows(report: BenchReport, results: ScenarioResults): Row[] {
  const rows: Row[] = [];
  const add = (measure: string, value: string, target = '', verdict: Verdict = '') =>
    rows.push({ measure, value, target, verdict });
  if (report.open_latency_ms) {
    add(
      'open: click → relay on, p50 / p99 (ms)',
      `${fmt(report.open_latency_ms.p50)} / ${fmt(report.open_latency_ms.p99)}`,
    );
    for (const [stage, q] of Object.entries(report.open_stages_ms ?? {})) {
      add(`  stage ${stage} p50 / p99 (ms)`, `${fmt(q.p50)} / ${fmt(q.p99)}`);
    }
  }
  if (report.state_to_browser_ms && results.state) {
    const p99 = report.state_to_browser_ms.p99;
    add(
      `door change → SSE, ${results.state.clients} clients, p50 / p99 (ms)`,
      `${fmt(report.state_to_browser_ms.p50)} / ${fmt(p99)}`,
      'p99 ≤ 30 ms',
      check(p99 <= 30),
    );
    add('  deliveries missed', String(results.state.missed), '0', check(results.state.missed === 0));
  }
  const f = results.fleet;
  if (f) {
    add(`fleet: lockers connected`, `${f.connected} / ${f.lockers}`, 'all', check(f.connected === f.lockers));
    add('  time to connect all (s)', fmt(f.connect_s));
    add(
      '  server CPU, average over the window (cores)',
      fmt(f.server_cpu_cores, 2),
      '≤ 1 core',
      check(f.server_cpu_cores <= 1),
    );
    add('  server RSS, peak (MB)', fmt(f.server_rss_mb, 0), '≤ 1024 MB', check(f.server_rss_mb <= 1024));
    add('  messages received / s (sent / s)', `${fmt(f.msgs_per_s, 0)} (${fmt(f.sent_per_s, 0)})`);
    add('  lost messages', String(f.lost_messages), '0', check(f.lost_messages === 0));
    add('  duplicated messages', String(f.duplicated_messages), '0', check(f.duplicated_messages === 0));
    add(
      '  backlog when telemetry stopped (msgs, drain ms)',
      `${f.backlog_at_stop} (${f.drain_ms})`,
      'drained ≤ 1 s',
      check(f.drain_ms <= 1_000),
    );
    if (f.db_writes_per_s === null)
      add('  database rows written / s', 'n/a on PGlite (inside the server; use --db postgres)');
    else {
      const perMessage = f.msgs_per_s > 0 ? f.db_writes_per_s / f.msgs_per_s : Number.NaN;
      add(
        '  database rows written / s (per message)',
        `${fmt(f.db_writes_per_s, 0)} (${fmt(perMessage, 2)}); commits/s ${fmt(f.db_commits_per_s, 0)}`,
        'no write per message (< 1 row / msg)',
        check(perMessage < 1),
      );
    }
  }
  const race = results.race;
  if (race) {
    add(`booking race: winners of ${race.contenders}`, String(race.winners), 'exactly 1', check(race.winners === 1));
    add(
      '  request time p50 / p99 (ms)',
      `${fmt(race.p50_ms)} / ${fmt(race.p99_ms)}`,
      'p99 ≤ 200 ms',
      check(race.p99_ms <= 200),
    );
    add('  unexpected answers', String(race.unexpected_answers), '0', check(race.unexpected_answers === 0));
  }
  if (results.admin) {
    const a = results.admin;
    add(`admin people page, ${a.people} people, median / p99 (ms)`, `${fmt(a.median)} / ${fmt(a.p99)}`);
  }
  if (report.seed_baseline) {
    const seed = report.seed_baseline.open_latency_ms;
    add('seed model: click → relay on, p50 / p99 (ms)', `${fmt(seed.p50)} / ${fmt(seed.p99)}`);
    if (report.open_latency_ms) {
      add(
        '  seed / SmartLocker, p50 and p99',
        `×${fmt(seed.p50 / report.open_latency_ms.p50)} / ×${fmt(seed.p99 / report.open_latency_ms.p99)}`,
      );
    }
  }
  if (results.startup) {
    const { cold, warm } = results.startup;
    add(
      'start-up, cold DATA_DIR, median / max (ms)',
      `${fmt(cold.median, 0)} / ${fmt(cold.max, 0)}`,
      '< 5 s',
      check(cold.max < 5_000),
    );
    add('start-up, warm DATA_DIR, median / max (ms)', `${fmt(warm.median, 0)} / ${fmt(warm.max, 0)}`);
  }
  if (results.booking) {
    add(
      'book: hold + Checkout, median / p90 (ms)',
      `${fmt(results.booking.book.median)} / ${fmt(results.booking.book.p90)}`,
    );
    add(
      'pay → confirmed on SSE, median / p90 (ms)',
      `${fmt(results.booking.confirm.median)} / ${fmt(results.booking.confirm.p90)}`,
    );
  }
  for (const [scenario, message] of Object.entries(report.errors))
    add(`${scenario}: FAILED`, message.slice(0, 60), '', 'MISSED');
  return rows;
}

export function formatTable(rows: Row[]): string {
  const widths = [0, 0, 0].map((_, i) =>
    Math.max(
      ...rows.map((r) => [r.measure, r.value, r.target][i]?.length ?? 0),
      ['measure', 'value', 'target'][i]?.length ?? 0,
    ),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 3 ? c.padEnd(widths[i] ?? 0) : c))
      .join('  ')
      .trimEnd();
  return [
    line(['measure', 'value', 'target', 'verdict']),
    line(widths.map((w) => '-'.repeat(w)).concat('-------')),
    ...rows.map((r) => line([r.measure, r.value, r.target, r.verdict])),
  ].join('\n');
}
