-- Issue 10: the audit trail is append-only. Rows are inserted, never changed or removed; the one
-- UPDATE allowed seals a row written before the hash chain existed (its chain columns only).
-- An insider who drops this trigger can still rewrite rows, but the chain and its signatures
-- then no longer verify (`npm run audit:verify`).
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_LEVEL = 'ROW' AND TG_OP = 'UPDATE' THEN
    IF OLD.hash IS NULL AND NEW.hash IS NOT NULL
      AND NEW.id = OLD.id AND NEW.at = OLD.at AND NEW.actor_kind = OLD.actor_kind
      AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.action = OLD.action
      AND NEW.locker_id IS NOT DISTINCT FROM OLD.locker_id
      AND NEW.subject_user_id IS NOT DISTINCT FROM OLD.subject_user_id
      AND NEW.device_seq IS NOT DISTINCT FROM OLD.device_seq AND NEW.data = OLD.data THEN
      RETURN NEW;
    END IF;
  END IF;
  RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
  FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
  FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();
--> statement-breakpoint
-- The chain starts here: its first row's previous hash is 64 zeros.
INSERT INTO audit_chain_heads (chain, seq, hash) VALUES ('audit', 0, repeat('0', 64)) ON CONFLICT DO NOTHING;
