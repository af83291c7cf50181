-- The administrators' list sorts by sessions or revenue, ties broken by the person's id, and most
-- people share the same totals (0 sessions, 0 cents): an index on the total alone left the
-- database sorting every tie to find one page. With the id in the index, a page is an index walk.
DROP INDEX IF EXISTS "user_stats_sessions_idx";
--> statement-breakpoint
DROP INDEX IF EXISTS "user_stats_revenue_idx";
--> statement-breakpoint
CREATE INDEX "user_stats_sessions_idx" ON "user_stats" USING btree ("sessions","user_id");
--> statement-breakpoint
CREATE INDEX "user_stats_revenue_idx" ON "user_stats" USING btree ("revenue_cents","user_id");
