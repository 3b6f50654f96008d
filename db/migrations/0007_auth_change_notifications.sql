-- Every change that can end or narrow someone's access tells the API instances at once, whatever
-- code path made it (api/auth/credential-cache.ts). Touches of last_seen_at/last_used_at do not.
CREATE OR REPLACE FUNCTION restore_drill_auth_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('restore_drill_auth', TG_TABLE_NAME);
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER sessions_auth_changed AFTER UPDATE OF revoked_at, expires_at, user_id OR DELETE ON sessions FOR EACH STATEMENT EXECUTE FUNCTION restore_drill_auth_changed();
--> statement-breakpoint
CREATE TRIGGER api_tokens_auth_changed AFTER UPDATE OF revoked_at, expires_at, user_id OR DELETE ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION restore_drill_auth_changed();
--> statement-breakpoint
CREATE TRIGGER users_auth_changed AFTER UPDATE OF disabled_at, role, email OR DELETE ON users FOR EACH STATEMENT EXECUTE FUNCTION restore_drill_auth_changed();
