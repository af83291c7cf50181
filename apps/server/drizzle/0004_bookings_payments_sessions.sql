ALTER TABLE "bookings" ADD COLUMN "hold_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "reminder_sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "status_reason" text;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "grace_open_used" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "bookings" ADD COLUMN "object_left_inside" boolean;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "checkout_url" text;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "extension_ends_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "paid_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "payments" ADD COLUMN "refund_id" text;--> statement-breakpoint
CREATE INDEX "bookings_status_ends_idx" ON "bookings" USING btree ("status","ends_at");--> statement-breakpoint
CREATE UNIQUE INDEX "bookings_one_session_per_locker" ON "bookings" USING btree ("locker_id") WHERE "bookings"."kind" = 'sport_session' AND "bookings"."status" = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "bookings_one_session_per_user" ON "bookings" USING btree ("user_id") WHERE "bookings"."kind" = 'sport_session' AND "bookings"."status" = 'active';