import { isAbsolute, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { formatSimulatorTable, type RunningSimulator, runSimulator, SimulatorError } from './simulator';

const USAGE = `npm run sim -- --lockers N [options]

Runs N simulated lockers (SIM_001…) against a running SmartLocker server (npm start): each is
provisioned through the administrators' API with its own broker credential, its agent config is
written to DATA_DIR/sim/<id>/agent.json, and its agent runs in this process. Ctrl-C stops them.

Options:
  -n, --lockers <N>    how many lockers (1–999), default 3
      --url <url>      the server, default http://localhost:3000
      --data-dir <dir> the server's DATA_DIR (demo-accounts.json), default $DATA_DIR or ./data
      --prefix <P>     locker id prefix, default SIM
      --mqtt-url <url> the broker as the agents reach it, default the server's own
      --log-level <l>  agent log level, default warn
  -h, --help
`;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
type LogLevel = (typeof LOG_LEVELS)[number];

async function main(): Promise<number> {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse().values;
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const lockers = Number(values.lockers ?? '3');
  const logLevel = (values['log-level'] ?? 'warn') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    process.stderr.write(`--log-level: one of ${LOG_LEVELS.join(', ')}\n`);
    return 2;
  }
  const rawDataDir = values['data-dir'] ?? process.env.DATA_DIR ?? './data';
  const dataDir = isAbsolute(rawDataDir) ? rawDataDir : resolve(process.cwd(), rawDataDir);
  const url = values.url ?? 'http://localhost:3000';

  let simulator: RunningSimulator;
  try {
    simulator = await runSimulator({
      url,
      lockers,
      dataDir,
      ...(values.prefix ? { prefix: values.prefix } : {}),
      ...(values['mqtt-url'] ? { mqttUrl: values['mqtt-url'] } : {}),
      agentLogLevel: logLevel,
    });
  } catch (error) {
    if (error instanceof SimulatorError) {
      process.stderr.write(`sim: ${error.message}\n`);
      return 1;
    }
    throw error;
  }

  process.stdout.write(`\n${formatSimulatorTable(simulator.rows)}\n\n`);
  process.stdout.write(`${simulator.rows.length} casier(s) simulé(s) sur ${url}. Ctrl-C pour arrêter.\n`);

  await new Promise<void>((done) => {
    const shutdown = () => {
      process.stdout.write('\nArrêt des casiers simulés…\n');
      void simulator.stop().finally(done);
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });
  return 0;
}

function parse() {
  return parseArgs({
    options: {
      lockers: { type: 'string', short: 'n' },
      url: { type: 'string' },
      'data-dir': { type: 'string' },
      prefix: { type: 'string' },
      'mqtt-url': { type: 'string' },
      'log-level': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sim: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
