CREATE TABLE "user_stats" (
	"user_id" text PRIMARY KEY NOT NULL,
	"sessions" integer DEFAULT 0 NOT NULL,
	"revenue_cents" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "lockers" ADD COLUMN "location" text;--> statement-breakpoint
ALTER TABLE "lockers" ADD COLUMN "out_of_service_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "lockers" ADD COLUMN "out_of_service_reason" text;--> statement-breakpoint
ALTER TABLE "lockers" ADD COLUMN "decommissioned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "lockers" ADD COLUMN "opens_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "lockers" ADD COLUMN "relay_cycles" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "refunded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "address" text;--> statement-breakpoint
ALTER TABLE "sites" ADD COLUMN "decommissioned_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "user_stats" ADD CONSTRAINT "user_stats_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "user_stats_sessions_idx" ON "user_stats" USING btree ("sessions");--> statement-breakpoint
CREATE INDEX "user_stats_revenue_idx" ON "user_stats" USING btree ("revenue_cents");--> statement-breakpoint
CREATE INDEX "payments_paid_at_idx" ON "payments" USING btree ("paid_at");--> statement-breakpoint
CREATE INDEX "payments_refunded_at_idx" ON "payments" USING btree ("refunded_at");