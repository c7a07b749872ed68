-- Every change that can end or alter what an API key authenticates as (a key revoked, expired, deleted or moved; a
-- user disabled, deleted, or given another role or tenant) is announced on the channel `edge_credentials` at commit:
-- each control plane then drops the API-key identities it caches (modules/auth/authenticate.ts). A trigger, so no
-- code path (and no manual SQL) can change them unannounced. The key's own `last_used_at` bookkeeping is not a change.
CREATE OR REPLACE FUNCTION edge_notify_credential_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  PERFORM pg_notify('edge_credentials', TG_TABLE_NAME);
  RETURN NULL;
END
$fn$;
--> statement-breakpoint
DROP TRIGGER IF EXISTS api_keys_credential_change ON api_keys;
--> statement-breakpoint
CREATE TRIGGER api_keys_credential_change AFTER UPDATE OF revoked_at, expires_at, key_hash, user_id, tenant_id OR DELETE
  ON api_keys FOR EACH STATEMENT EXECUTE FUNCTION edge_notify_credential_change();
--> statement-breakpoint
DROP TRIGGER IF EXISTS users_credential_change ON users;
--> statement-breakpoint
CREATE TRIGGER users_credential_change AFTER UPDATE OR DELETE
  ON users FOR EACH STATEMENT EXECUTE FUNCTION edge_notify_credential_change();
