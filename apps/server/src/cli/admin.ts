import { runAdminCli } from './adminCommands';

// `npm run admin -- <command>` (issue 11): see ADMIN_USAGE in adminCommands.ts.
runAdminCli(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
}).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`admin failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
