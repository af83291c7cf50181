import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * The PostgreSQL extensions the migrations create (ADR 1, ADR 8): btree_gist backs the
 * no-overlapping-bookings constraint, pg_trgm the administrators' search among 100,000 people.
 * PGlite must be opened with them loaded; PostgreSQL ships both in its contrib package.
 */
export const PGLITE_EXTENSIONS = { btree_gist, pg_trgm };
