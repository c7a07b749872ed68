-- Row Level Security on every tenant-owned table (every table of the schema with a tenant_id column); see
-- control-plane/src/db/context.ts. A row is visible and writable only when the transaction's `app.tenant_id`
-- setting names its tenant, or is '*' (the control plane's explicit system context). Unset or empty: nothing.
-- FORCE: the tables' owner is subject to the policies too. The control plane's queries run as `edge_app`, a role
-- without BYPASSRLS (a superuser always bypasses RLS, so connecting as one must not be enough to see everything).
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'edge_app') THEN
    BEGIN
      CREATE ROLE edge_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
    EXCEPTION
      WHEN duplicate_object OR unique_violation THEN NULL; -- created meanwhile by another database's migration
      WHEN insufficient_privilege THEN RAISE NOTICE 'cannot create role edge_app: RLS applies to the connecting role (FORCE)';
    END;
  END IF;
  IF EXISTS (SELECT FROM pg_roles WHERE rolname = 'edge_app') AND NOT pg_has_role(current_user, 'edge_app', 'MEMBER') THEN
    BEGIN
      EXECUTE format('GRANT edge_app TO %I', current_user);
    EXCEPTION WHEN insufficient_privilege THEN NULL;
    END;
  END IF;
END $$;
--> statement-breakpoint
-- Idempotent; the control plane also calls it at every start (after the migrations), so a table added later with a
-- tenant_id column gets the same policy and grants.
CREATE OR REPLACE FUNCTION edge_enforce_tenant_rls() RETURNS void LANGUAGE plpgsql AS $fn$
DECLARE
  t record;
  has_role boolean := EXISTS (SELECT FROM pg_roles WHERE rolname = 'edge_app');
BEGIN
  FOR t IN
    SELECT c.oid, c.relname, c.relrowsecurity, c.relforcerowsecurity
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
      AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
  LOOP
    IF NOT t.relrowsecurity THEN
      EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.relname);
    END IF;
    IF NOT t.relforcerowsecurity THEN
      EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t.relname);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_policy p WHERE p.polrelid = t.oid AND p.polname = 'tenant_isolation') THEN
      EXECUTE format(
        'CREATE POLICY tenant_isolation ON %I '
        'USING (tenant_id = (SELECT current_setting(''app.tenant_id'', true)) '
        'OR (SELECT current_setting(''app.tenant_id'', true)) = ''*'') '
        'WITH CHECK (tenant_id = (SELECT current_setting(''app.tenant_id'', true)) '
        'OR (SELECT current_setting(''app.tenant_id'', true)) = ''*'')',
        t.relname);
    END IF;
  END LOOP;
  IF has_role THEN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO edge_app', current_schema());
    FOR t IN
      SELECT c.oid, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S')
    LOOP
      IF t.relkind = 'S' AND NOT has_sequence_privilege('edge_app', t.oid, 'USAGE') THEN
        EXECUTE format('GRANT USAGE, SELECT, UPDATE ON SEQUENCE %I TO edge_app', t.relname);
      ELSIF t.relkind <> 'S' AND NOT (has_table_privilege('edge_app', t.oid, 'SELECT')
          AND has_table_privilege('edge_app', t.oid, 'INSERT') AND has_table_privilege('edge_app', t.oid, 'UPDATE')
          AND has_table_privilege('edge_app', t.oid, 'DELETE')) THEN
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE %I TO edge_app', t.relname);
      END IF;
    END LOOP;
  END IF;
END
$fn$;
--> statement-breakpoint
SELECT edge_enforce_tenant_rls();
