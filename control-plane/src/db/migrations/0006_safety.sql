CREATE TABLE "host_safety" (
	"host_id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"estop_generation" bigint DEFAULT 0 NOT NULL,
	"estop_engaged" boolean DEFAULT false NOT NULL,
	"estop_reason" text,
	"estop_requested_by" text,
	"estop_requested_at" timestamp with time zone,
	"ack_generation" bigint,
	"ack_remote_engaged" boolean,
	"ack_local_engaged" boolean,
	"ack_local_reason" text,
	"ack_killed" integer,
	"ack_at" timestamp with time zone,
	"ack_latency_ms" integer,
	"policy_fingerprint" text,
	"policy_desired" integer DEFAULT 0 NOT NULL,
	"policy_desired_at" timestamp with time zone,
	"policy_enforced" integer,
	"policy_enforced_at" timestamp with time zone,
	"policy_lagging" boolean DEFAULT false NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policy_proposals" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"policy_id" text NOT NULL,
	"action" text NOT NULL,
	"changes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"loosenings" jsonb NOT NULL,
	"base_version" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"proposed_by" text NOT NULL,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "commands" ADD COLUMN "not_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "commands" ADD COLUMN "policy_version" jsonb;--> statement-breakpoint
ALTER TABLE "host_safety" ADD CONSTRAINT "host_safety_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "host_safety" ADD CONSTRAINT "host_safety_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_proposals" ADD CONSTRAINT "policy_proposals_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policy_proposals" ADD CONSTRAINT "policy_proposals_policy_id_safety_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."safety_policies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "policy_proposals_tenant_status_idx" ON "policy_proposals" USING btree ("tenant_id","status");--> statement-breakpoint
CREATE INDEX "commands_pending_deadline_idx" ON "commands" USING btree ("not_after") WHERE "commands"."status" = 'pending' and "commands"."not_after" is not null;