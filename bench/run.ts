/**
 * `npm run bench` (issue 13): the scenarios of bench/scenarios/, on loopback, on PGlite or on
 * PostgreSQL (`--db postgres`, BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 *
 *   open     1. an open: HTTP → relay on → `unlocked` on the member's stream, with its stages
 *   state    2. a door change → the `locker` event on 1,000 members' event streams
 *   fleet    3. 10,000 simulated lockers at the seed's telemetry rates, server in its own process
 *   race     4. 200 members asking for one slot at once through HTTP
 *   seed     5. the seed's open flow (a poller reading pending commands every 1 s), modelled
 *   admin       the administrators' list of people over 100,000 accounts (issue 11)
 *   startup     start-up, cold and warm DATA_DIR (what `npm start` runs; PGlite)
 *   booking     hold + Checkout, and pay → `confirmed` on the stream (PGlite)
 *
 * `--quick` shrinks every scenario (about a minute); `--only <name>[,<name>]` runs some of them.
 * Prints a table with each target and whether it was met, and writes bench/results/latest.json;
 * nothing else is written in the repository (every server runs in a temporary DATA_DIR).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type DatabaseBackend, EMBEDDED_DATABASE } from '../test-support/backends';
import { buildReport, formatTable, reportRows, type ScenarioResults } from './report';
import { bookingRace } from './scenarios/bookingRace';
import { fleet } from './scenarios/fleet';
import { adminUsers, bookingFlow, startUp } from './scenarios/legacy';
import { openLatency } from './scenarios/openLatency';
import { seedBaseline } from './scenarios/seedBaseline';
import { stateToBrowser } from './scenarios/stateToBrowser';

const SCENARIOS = ['open', 'state', 'fleet', 'race', 'seed', 'admin', 'startup', 'booking'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Options {
  quick: boolean;
  database: DatabaseBackend;
  only: Set<Scenario> | null;
}

function parseArguments(argv: string[]): Options {
  let quick = false;
  let db = 'pglite';
  let only: Set<Scenario> | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? (arg.split('=', 2) as [string, string]) : [arg, undefined];
    const value = () => inline ?? argv[++i] ?? '';
    if (flag === '--quick') quick = true;
    else if (flag === '--db') db = value();
    else if (flag === '--only') {
      const names = value().split(',').filter(Boolean);
      const unknown = names.filter((n) => !(SCENARIOS as readonly string[]).includes(n));
      if (names.length === 0 || unknown.length > 0) {
        throw new Error(`--only takes scenario names among ${SCENARIOS.join(', ')}; got ${JSON.stringify(names)}`);
      }
      only = new Set(names as Scenario[]);
    } else throw new Error(`unknown argument ${arg}: use --quick, --db postgres, --only <scenario>`);
  }
  if (db !== 'pglite' && db !== 'postgres') throw new Error(`--db is pglite or postgres, not ${db}`);
  const database: DatabaseBackend =
    db === 'postgres'
      ? { name: 'postgres', url: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test' }
      : EMBEDDED_DATABASE;
  return { quick, database, only };
}

async function main(): Promise<void> {
  const options = parseArguments(process.argv.slice(2));
  const { quick, database } = options;
  const results: ScenarioResults = {};
  const errors: Record<string, string> = {};
  const plan: [Scenario, string, () => Promise<void>][] = [
    [
      'open',
      `open latency on ${database.name}`,
      async () => {
        results.open = await openLatency({ database, quick });
      },
    ],
    [
      'state',
      `door change → ${quick ? 100 : 1_000} event streams on ${database.name}`,
      async () => {
        results.state = await stateToBrowser({ database, clients: quick ? 100 : 1_000, opens: quick ? 2 : 5 });
      },
    ],
    [
      'fleet',
      `fleet of ${quick ? 500 : 10_000} lockers on ${database.name}`,
      async () => {
        results.fleet = await fleet({ database, lockers: quick ? 500 : 10_000, windowS: quick ? 20 : 60 });
      },
    ],
    [
      'race',
      `booking race on ${database.name}`,
      async () => {
        results.race = await bookingRace({ database, contenders: quick ? 50 : 200 });
      },
    ],
    [
      'seed',
      "the seed's polling design (model)",
      async () => {
        results.seed = await seedBaseline({ samples: quick ? 10 : 40 });
      },
    ],
    [
      'admin',
      `admin list of ${quick ? 10_000 : 100_000} people on ${database.name}`,
      async () => {
        results.admin = await adminUsers({ database, people: quick ? 10_000 : 100_000, pages: quick ? 10 : 40 });
      },
    ],
    [
      'startup',
      'start-up (npm start, PGlite)',
      async () => {
        results.startup = await startUp(quick ? 1 : 3);
      },
    ],
    [
      'booking',
      'booking flow (PGlite)',
      async () => {
        results.booking = await bookingFlow(quick ? 3 : 10);
      },
    ],
  ];
  for (const [name, label, run] of plan) {
    if (options.only && !options.only.has(name)) continue;
    console.error(`measuring ${label}…`);
    const started = performance.now();
    try {
      await run();
      console.error(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (error) {
      errors[name] = (error as Error).message;
      console.error(`  ${name} failed:`, error);
    }
  }
  const report = buildReport(results, { database: database.name, quick, errors });
  console.log(formatTable(reportRows(report, results)));
  const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(`${resultsDir}latest.json`, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`written to bench/results/latest.json`);
  // Missed targets are findings, printed above; only a scenario that could not run fails the command.
  process.exitCode = Object.keys(errors).length > 0 ? 1 : 0;
}

await main();
