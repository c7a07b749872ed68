CREATE TABLE "app_manifests" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"app" text NOT NULL,
	"version" integer NOT NULL,
	"manifest" text NOT NULL,
	"sha256" text NOT NULL,
	"apps" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "rollout_hosts" ADD COLUMN "previous" jsonb;--> statement-breakpoint
ALTER TABLE "rollout_hosts" ADD COLUMN "rollback" text;--> statement-breakpoint
ALTER TABLE "rollout_hosts" ADD COLUMN "rollback_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rollouts" ADD COLUMN "rollback" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "app_manifests" ADD CONSTRAINT "app_manifests_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "app_manifests_version_idx" ON "app_manifests" USING btree ("tenant_id","app","version");