-- Telemetry partitioned by week of the point's timestamp (`at`), on PostgreSQL and PGlite alike. Hand-written:
-- drizzle-kit cannot express partitions (schema.ts declares the same columns, indexes and key). Weeks start on
-- Monday 00:00 UTC; partition `telemetry_points_wYYYYMMDD` holds [that Monday, the next); a point outside every
-- week (too old, or ahead of the weeks made so far) goes to `telemetry_points_default` until its week is made.
-- A partitioned table's unique key must hold the partition key: (host_id, seq, at).
SELECT set_config('app.tenant_id', '*', true); -- FORCE'd row security: the copy below sees every tenant's points
--> statement-breakpoint
ALTER TABLE "telemetry_points" RENAME TO "telemetry_points_unpartitioned";
--> statement-breakpoint
DROP INDEX "telemetry_host_name_seq_idx";
--> statement-breakpoint
DROP INDEX "telemetry_tenant_at_idx";
--> statement-breakpoint
CREATE TABLE "telemetry_points" (
	"tenant_id" text NOT NULL,
	"host_id" text NOT NULL,
	"seq" bigint NOT NULL,
	"name" text NOT NULL,
	"value" double precision NOT NULL,
	"tags" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "telemetry_points_host_id_seq_at_pk" PRIMARY KEY("host_id","seq","at")
) PARTITION BY RANGE ("at");
--> statement-breakpoint
ALTER TABLE "telemetry_points" ADD CONSTRAINT "telemetry_points_tenant_id_tenants_id_fk" FOREIGN KEY ("tenant_id") REFERENCES "public"."tenants"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
ALTER TABLE "telemetry_points" ADD CONSTRAINT "telemetry_points_host_id_hosts_id_fk" FOREIGN KEY ("host_id") REFERENCES "public"."hosts"("id") ON DELETE cascade ON UPDATE no action;
--> statement-breakpoint
CREATE INDEX "telemetry_host_name_seq_idx" ON "telemetry_points" USING btree ("host_id","name","seq");
--> statement-breakpoint
CREATE INDEX "telemetry_tenant_at_idx" ON "telemetry_points" USING btree ("tenant_id","at");
--> statement-breakpoint
CREATE TABLE "telemetry_points_default" PARTITION OF "telemetry_points" DEFAULT;
--> statement-breakpoint
-- Makes the missing weeks from `from_at`'s through `through_at`'s; returns how many. A week's points that went to the
-- default partition meanwhile are moved into it (the new table is filled, then attached). SECURITY DEFINER: the
-- control plane's role (edge_app) does not own the table; the job calls it under its advisory lock.
CREATE OR REPLACE FUNCTION edge_telemetry_make_weeks(from_at timestamptz, through_at timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET lock_timeout = '2s' AS $fn$
DECLARE
  week timestamptz := date_trunc('week', from_at, 'UTC');
  part text;
  made integer := 0;
BEGIN
  WHILE week <= through_at LOOP
    part := 'telemetry_points_w' || to_char(week AT TIME ZONE 'UTC', 'YYYYMMDD');
    IF to_regclass(part) IS NULL THEN
      EXECUTE format('CREATE TABLE %I (LIKE telemetry_points INCLUDING DEFAULTS)', part);
      EXECUTE format(
        'WITH moved AS (DELETE FROM telemetry_points_default WHERE at >= $1 AND at < $2 RETURNING *) '
        'INSERT INTO %I SELECT * FROM moved', part) USING week, week + interval '7 days';
      EXECUTE format('ALTER TABLE telemetry_points ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        part, week, week + interval '7 days');
      made := made + 1;
    END IF;
    week := week + interval '7 days';
  END LOOP;
  RETURN made;
END
$fn$;
--> statement-breakpoint
-- Drops the weeks that end at or before `before` (every point in them is older); returns how many.
CREATE OR REPLACE FUNCTION edge_telemetry_drop_weeks(before timestamptz) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT SET lock_timeout = '2s' AS $fn$
DECLARE
  part text;
  dropped integer := 0;
BEGIN
  FOR part IN
    SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'telemetry_points'::regclass AND c.relname ~ '^telemetry_points_w[0-9]{8}$'
      AND (to_date(substr(c.relname, 19), 'YYYYMMDD')::timestamp AT TIME ZONE 'UTC') + interval '7 days' <= before
    ORDER BY c.relname
  LOOP
    EXECUTE format('DROP TABLE %I', part);
    dropped := dropped + 1;
  END LOOP;
  RETURN dropped;
END
$fn$;
--> statement-breakpoint
-- Deletes at most `max_rows` of a tenant's points older than `before`, partition by partition: a row is found by its
-- ctid (the index range on (tenant_id, at), then a TID scan), and a ctid is only unique within one partition.
CREATE OR REPLACE FUNCTION edge_telemetry_delete_before(tenant text, before timestamptz, max_rows integer)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $fn$
DECLARE
  part regclass;
  n integer;
  deleted integer := 0;
BEGIN
  FOR part IN SELECT i.inhrelid::regclass FROM pg_inherits i WHERE i.inhparent = 'telemetry_points'::regclass LOOP
    EXIT WHEN deleted >= max_rows;
    EXECUTE format('DELETE FROM %s WHERE ctid = ANY(ARRAY('
      'SELECT ctid FROM %s WHERE tenant_id = $1 AND at < $2 LIMIT $3))', part, part)
      USING tenant, before, max_rows - deleted;
    GET DIAGNOSTICS n = ROW_COUNT;
    deleted := deleted + n;
  END LOOP;
  RETURN deleted;
END
$fn$;
--> statement-breakpoint
SELECT edge_telemetry_make_weeks(now() - interval '7 days', now() + interval '8 days');
--> statement-breakpoint
INSERT INTO "telemetry_points" ("tenant_id", "host_id", "seq", "name", "value", "tags", "at", "received_at")
  SELECT "tenant_id", "host_id", "seq", "name", "value", "tags", "at", "received_at" FROM "telemetry_points_unpartitioned";
--> statement-breakpoint
DROP TABLE "telemetry_points_unpartitioned";
--> statement-breakpoint
SELECT edge_enforce_tenant_rls();
--> statement-breakpoint
SELECT set_config('app.tenant_id', '', true);
