-- Full-text search under Row Level Security (0012_tenant_rls). PostgreSQL uses an index for a condition only when
-- every function in it is LEAKPROOF or the condition may run before the tenant policy; a query's own conditions
-- never may. So the GIN expression indexes of 0021_search_fts (hosts/tasks/projects_search_idx) would never be used
-- by a tenant's search. The functions of those expressions and the match operator are pure (their errors depend on
-- no row's content beyond its length), so they are declared LEAKPROOF here. That takes a superuser (PGlite, tests and
-- the usual installation); otherwise search still works, reading the tenant's rows without the index.
DO $$
BEGIN
  ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF;
  ALTER FUNCTION to_tsvector(regconfig, text) LEAKPROOF;
  ALTER FUNCTION jsonb_to_tsvector(regconfig, jsonb, jsonb) LEAKPROOF;
  ALTER FUNCTION setweight(tsvector, "char") LEAKPROOF;
  ALTER FUNCTION tsvector_concat(tsvector, tsvector) LEAKPROOF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'not a superuser: search runs without its full-text indexes (functions cannot be made LEAKPROOF)';
END $$;
