import { defineConfig } from 'drizzle-kit';

// `drizzle-kit generate` only: migrations are applied at start-up by the runtime migrator,
// because drizzle-kit migrate cannot load PGlite extensions (btree_gist).
export default defineConfig({
  dialect: 'postgresql',
  schema: './apps/server/src/db/schema.ts',
  out: './apps/server/drizzle',
});
