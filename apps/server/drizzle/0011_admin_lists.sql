-- Issue 11 (ADR 8): the administrators' user list stays fast with 100,000 people.
-- Search by pseudo or e-mail anywhere in the text, through trigram indexes; sort by name, date,
-- number of sessions or revenue, through btree indexes; the per-person totals are kept by
-- triggers in user_stats, so nothing is summed per request.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE INDEX users_name_trgm_idx ON users USING gin (lower(name) gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX users_email_trgm_idx ON users USING gin (lower(email) gin_trgm_ops);
--> statement-breakpoint
CREATE INDEX users_name_sort_idx ON users (lower(name), id);
--> statement-breakpoint
CREATE INDEX users_created_sort_idx ON users (created_at, id);
--> statement-breakpoint
-- A person's totals, recomputed from their own rows (indexed by user): history entries as the
-- history page counts them, and revenue as paid payments (a refunded one is no longer paid).
CREATE OR REPLACE FUNCTION refresh_user_stats(uid text) RETURNS void LANGUAGE sql AS $$
  UPDATE user_stats SET
    sessions = (
      SELECT count(*) FROM bookings b
      WHERE b.user_id = uid
        AND ((b.kind = 'sport_session' AND b.status IN ('active', 'completed'))
          OR (b.kind = 'school_booking' AND b.status IN ('active', 'completed', 'refunded')))
    ),
    revenue_cents = (
      SELECT coalesce(sum(p.amount_cents), 0) FROM payments p WHERE p.user_id = uid AND p.status = 'paid'
    )
  WHERE user_id = uid;
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION user_stats_follow_rows() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' AND OLD.user_id IS NOT NULL THEN
    PERFORM refresh_user_stats(OLD.user_id);
  END IF;
  IF TG_OP <> 'DELETE' AND NEW.user_id IS NOT NULL THEN
    PERFORM refresh_user_stats(NEW.user_id);
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER bookings_user_stats AFTER INSERT OR DELETE OR UPDATE OF status, kind, user_id ON bookings
  FOR EACH ROW EXECUTE FUNCTION user_stats_follow_rows();
--> statement-breakpoint
CREATE TRIGGER payments_user_stats AFTER INSERT OR DELETE OR UPDATE OF status, amount_cents, user_id ON payments
  FOR EACH ROW EXECUTE FUNCTION user_stats_follow_rows();
--> statement-breakpoint
CREATE OR REPLACE FUNCTION user_stats_for_new_user() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO user_stats (user_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER users_user_stats AFTER INSERT ON users FOR EACH ROW EXECUTE FUNCTION user_stats_for_new_user();
--> statement-breakpoint
-- Everyone who existed before.
INSERT INTO user_stats (user_id) SELECT id FROM users ON CONFLICT DO NOTHING;
--> statement-breakpoint
SELECT refresh_user_stats(id) FROM users;
--> statement-breakpoint
-- Refunds counted on the day money moved; before this column, the last update is the best known.
UPDATE payments SET refunded_at = updated_at WHERE status = 'refunded' AND refunded_at IS NULL;
