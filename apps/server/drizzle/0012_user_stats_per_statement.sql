-- The per-person totals of 0011 were refreshed by row-level triggers: each inserted or changed
-- booking recounted all of its owner's bookings, so a statement writing n rows for one person
-- cost n recounts of up to n rows (quadratic: 100,000 rows took many minutes). Statement-level
-- triggers see every changed row at once through transition tables and refresh each person
-- concerned once per statement. PostgreSQL allows a transition table only on a trigger with one
-- event and no column list, hence one trigger per event; updates are filtered in the function.
DROP TRIGGER IF EXISTS bookings_user_stats ON bookings;
--> statement-breakpoint
DROP TRIGGER IF EXISTS payments_user_stats ON payments;
--> statement-breakpoint
DROP FUNCTION IF EXISTS user_stats_follow_rows();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION user_stats_follow_bookings() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM refresh_user_stats(u.user_id) FROM (SELECT DISTINCT user_id FROM new_rows WHERE user_id IS NOT NULL) u;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM refresh_user_stats(u.user_id) FROM (SELECT DISTINCT user_id FROM old_rows WHERE user_id IS NOT NULL) u;
  ELSE
    -- Only what the totals depend on: who, which kind, which status.
    PERFORM refresh_user_stats(u.user_id) FROM (
      SELECT n.user_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.user_id, n.kind, n.status) IS DISTINCT FROM (o.user_id, o.kind, o.status)
      UNION
      SELECT o.user_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.user_id, n.kind, n.status) IS DISTINCT FROM (o.user_id, o.kind, o.status)
    ) u WHERE u.user_id IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION user_stats_follow_payments() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM refresh_user_stats(u.user_id) FROM (SELECT DISTINCT user_id FROM new_rows WHERE user_id IS NOT NULL) u;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM refresh_user_stats(u.user_id) FROM (SELECT DISTINCT user_id FROM old_rows WHERE user_id IS NOT NULL) u;
  ELSE
    PERFORM refresh_user_stats(u.user_id) FROM (
      SELECT n.user_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.user_id, n.status, n.amount_cents) IS DISTINCT FROM (o.user_id, o.status, o.amount_cents)
      UNION
      SELECT o.user_id FROM new_rows n JOIN old_rows o ON o.id = n.id
        WHERE (n.user_id, n.status, n.amount_cents) IS DISTINCT FROM (o.user_id, o.status, o.amount_cents)
    ) u WHERE u.user_id IS NOT NULL;
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER bookings_user_stats_insert AFTER INSERT ON bookings
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_stats_follow_bookings();
--> statement-breakpoint
CREATE TRIGGER bookings_user_stats_update AFTER UPDATE ON bookings
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_stats_follow_bookings();
--> statement-breakpoint
CREATE TRIGGER bookings_user_stats_delete AFTER DELETE ON bookings
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_stats_follow_bookings();
--> statement-breakpoint
CREATE TRIGGER payments_user_stats_insert AFTER INSERT ON payments
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_stats_follow_payments();
--> statement-breakpoint
CREATE TRIGGER payments_user_stats_update AFTER UPDATE ON payments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION user_stats_follow_payments();
--> statement-breakpoint
CREATE TRIGGER payments_user_stats_delete AFTER DELETE ON payments
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION user_stats_follow_payments();
