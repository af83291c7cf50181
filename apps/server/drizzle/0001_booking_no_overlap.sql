-- SPEC §5 / seed: a slot is never double-booked. The database refuses two live holds of one
-- locker whose time ranges overlap, whatever the application does (issue: booking integrity).
-- Ranges are half-open [start, end), so 10:00-12:00 and 12:00-14:00 do not collide.
CREATE EXTENSION IF NOT EXISTS btree_gist;
--> statement-breakpoint
ALTER TABLE "bookings" ADD CONSTRAINT "bookings_no_overlap"
  EXCLUDE USING gist ("locker_id" WITH =, tstzrange("starts_at", "ends_at", '[)') WITH &&)
  WHERE ("status" IN ('pending', 'confirmed', 'active') AND "ends_at" IS NOT NULL);
