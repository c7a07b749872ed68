CREATE TABLE "host_policies" (
	"host_id" text NOT NULL,
	"policy_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"assigned_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "host_policies_host_id_policy_id_pk" PRIMARY KEY("host_id","policy_id")
);
--> statement-breakpoint
CREATE TABLE "task_batches" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"fleet_id" text,
	"selector" jsonb NOT NULL,
	"template" jsonb NOT NULL,
	"host_count" integer NOT NULL,
	"skipped" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" text NOT NULL,
	"cancelled_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "hosts" ADD COLUMN "agent_labels" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "batch_id" text;--> statement-breakpoint
ALTER TABLE "host_policies" ADD CONSTRAINT "host_policies_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "host_policies" ADD CONSTRAINT "host_policies_policy_id_safety_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."safety_policies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "host_policies" ADD CONSTRAINT "host_policies_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_batches" ADD CONSTRAINT "task_batches_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "task_batches" ADD CONSTRAINT "task_batches_fleet_id_fleets_id_fk" FOREIGN KEY ("fleet_id") REFERENCES "public"."fleets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "host_policies_policy_idx" ON "host_policies" USING btree ("policy_id");--> statement-breakpoint
CREATE INDEX "task_batches_tenant_created_idx" ON "task_batches" USING btree ("tenant_id","created_at","id");--> statement-breakpoint
CREATE INDEX "tasks_batch_idx" ON "tasks" USING btree ("batch_id","status") WHERE "tasks"."batch_id" is not null;