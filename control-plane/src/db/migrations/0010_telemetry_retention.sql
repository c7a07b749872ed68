DROP INDEX "telemetry_host_name_at_idx";--> statement-breakpoint
ALTER TABLE "tenants" ADD COLUMN "telemetry_retention_days" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
CREATE INDEX "telemetry_host_name_seq_idx" ON "telemetry_points" USING btree ("host_id","name","seq");--> statement-breakpoint
CREATE INDEX "telemetry_tenant_at_idx" ON "telemetry_points" USING btree ("tenant_id","at");