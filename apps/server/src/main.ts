import { loadConfig } from './config';
import { DataDirLockedError } from './db/lockfile';
import { rebuildWebIfStale } from './webBuild';

/** `npm start`: validate the configuration, start everything, stop cleanly on Ctrl-C. */
const started = performance.now();
const result = loadConfig(process.env);
if (!result.ok) {
  process.stderr.write(`SmartLocker cannot start: the configuration has ${result.problems.length} problem(s):\n`);
  for (const problem of result.problems) process.stderr.write(`  - ${problem}\n`);
  process.stderr.write('See the configuration table in README.md.\n');
  process.exit(2);
}
const config = result.config;

try {
  // Loaded only once the configuration is known good: a bad one is reported in a blink, without
  // first loading the whole server (better-auth, sharp, the broker…).
  const { startSystem } = await import('./system');
  const [system] = await Promise.all([
    startSystem(config),
    config.env === 'production' ? Promise.resolve('fresh') : rebuildWebIfStale(),
  ]);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const lines = [
    '',
    `  SmartLocker is running on ${system.url}  (ready in ${seconds} s)`,
    `  database: ${system.database.kind}   broker: ${system.brokerUrl}   health: ${system.url}/healthz`,
  ];
  if (system.agents.length > 0) {
    lines.push(
      `  simulated lockers: ${system.agents.map((a) => a.lockerId).join(', ')} (codes SL-ECOLE-01, SL-SPORT-01)`,
    );
  }
  if (system.demoAccounts.length > 0) {
    // Printed on the console for the developer, never written to the logs.
    lines.push('  demo accounts (kept in DATA_DIR/demo-accounts.json):');
    for (const account of system.demoAccounts) {
      lines.push(`    ${account.role.padEnd(8)} ${account.email.padEnd(28)} ${account.password}`);
    }
  }
  if (system.demoBadgeUid) lines.push(`  demo administrator badge UID: ${system.demoBadgeUid}`);
  if (system.stripeEmulator) {
    lines.push(
      `  payments: local Stripe emulator, checkout pages on ${system.stripeEmulator.checkoutBaseUrl} — test card 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined`,
    );
  }
  lines.push('  Ctrl-C to stop.', '');
  process.stdout.write(`${lines.join('\n')}\n`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    system.logger.info({ signal }, 'shutting down');
    // The grace period for requests in flight, then 10 s for the broker and the database.
    const limitMs = config.shutdownGraceMs + 10_000;
    const force = setTimeout(() => {
      system.logger.error({ limitMs }, 'shutdown took too long, exiting');
      process.exit(1);
    }, limitMs);
    force.unref();
    system.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        system.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  if (error instanceof DataDirLockedError) {
    process.stderr.write(`SmartLocker cannot start: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`SmartLocker failed to start: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
