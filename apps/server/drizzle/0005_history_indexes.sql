DROP INDEX "bookings_user_idx";--> statement-breakpoint
CREATE INDEX "bookings_user_history_idx" ON "bookings" USING btree ("user_id","starts_at","id");--> statement-breakpoint
CREATE INDEX "bookings_history_idx" ON "bookings" USING btree ("starts_at","id");