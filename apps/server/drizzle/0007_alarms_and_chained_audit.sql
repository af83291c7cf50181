CREATE TYPE "public"."alert_state" AS ENUM('active', 'acknowledged', 'cleared');--> statement-breakpoint
CREATE TABLE "alert_mutes" (
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "alert_mutes_user_id_kind_pk" PRIMARY KEY("user_id","kind")
);
--> statement-breakpoint
CREATE TABLE "audit_chain_heads" (
	"chain" text PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "device_seq" bigint;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "state" "alert_state" DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "acknowledged_note" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "cleared_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "cleared_by" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "cleared_reason" text;--> statement-breakpoint
ALTER TABLE "alerts" ADD COLUMN "cleared_note" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "chain_seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "hash" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "sig" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "key_id" text;--> statement-breakpoint
ALTER TABLE "lockers" ADD COLUMN "offline_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "alert_mutes" ADD CONSTRAINT "alert_mutes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_cleared_by_users_id_fk" FOREIGN KEY ("cleared_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_device_message" ON "alerts" USING btree ("locker_id","device_seq") WHERE "alerts"."device_seq" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "alerts_open_idx" ON "alerts" USING btree ("created_at") WHERE "alerts"."state" <> 'cleared';--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_one_open_offline" ON "alerts" USING btree ("locker_id") WHERE "alerts"."type" = 'locker_offline' AND "alerts"."state" <> 'cleared';--> statement-breakpoint
CREATE UNIQUE INDEX "audit_events_chain_seq" ON "audit_events" USING btree ("chain_seq");--> statement-breakpoint
CREATE INDEX "audit_events_action_idx" ON "audit_events" USING btree ("action","chain_seq");--> statement-breakpoint
-- Alerts recorded before alarms had a state were messages only: none of them is an open alarm.
UPDATE "alerts" SET "state" = 'cleared', "cleared_at" = "created_at", "cleared_reason" = 'migrated';
