CREATE TABLE "pty_channels" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"task_id" text NOT NULL,
	"host_id" text NOT NULL,
	"user_id" text NOT NULL,
	"kind" text NOT NULL,
	"port" integer,
	"tunnel_id" text,
	"operator_token_hash" text,
	"operator_expires_at" timestamp with time zone NOT NULL,
	"operator_used_at" timestamp with time zone,
	"worker_token_hash" text,
	"worker_expires_at" timestamp with time zone,
	"worker_used_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "workspace_tunnels" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"task_id" text NOT NULL,
	"host_id" text NOT NULL,
	"user_id" text NOT NULL,
	"port" integer NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"connections" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "pty_channels" ADD CONSTRAINT "pty_channels_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pty_channels" ADD CONSTRAINT "pty_channels_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "pty_channels" ADD CONSTRAINT "pty_channels_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_tunnels" ADD CONSTRAINT "workspace_tunnels_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_tunnels" ADD CONSTRAINT "workspace_tunnels_task_id_tasks_id_fk" FOREIGN KEY ("task_id") REFERENCES "public"."tasks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "workspace_tunnels" ADD CONSTRAINT "workspace_tunnels_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "pty_channels_operator_token_idx" ON "pty_channels" USING btree ("operator_token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "pty_channels_worker_token_idx" ON "pty_channels" USING btree ("worker_token_hash");--> statement-breakpoint
CREATE INDEX "pty_channels_task_idx" ON "pty_channels" USING btree ("task_id","created_at");--> statement-breakpoint
CREATE INDEX "pty_channels_expiry_idx" ON "pty_channels" USING btree ("operator_expires_at");--> statement-breakpoint
CREATE UNIQUE INDEX "workspace_tunnels_active_idx" ON "workspace_tunnels" USING btree ("task_id","port") WHERE "workspace_tunnels"."status" = 'active';