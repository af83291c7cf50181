import { fileURLToPath } from 'node:url';

/** The drizzle-kit migration files; the same ones serve PGlite and PostgreSQL. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));
