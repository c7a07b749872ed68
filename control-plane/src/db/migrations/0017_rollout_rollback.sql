ALTER TABLE "rollout_hosts" ADD COLUMN "previous" jsonb;--> statement-breakpoint
ALTER TABLE "rollout_hosts" ADD COLUMN "rollback" text;--> statement-breakpoint
ALTER TABLE "rollout_hosts" ADD COLUMN "rollback_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rollouts" ADD COLUMN "rollback" boolean DEFAULT false NOT NULL;