/** The runtime identity and its token pair, as issued by the control plane. Tokens never leave this file except to the API and broker. */
import type { Database } from "bun:sqlite";

export interface RuntimeIdentity {
  runtimeId: string;
  agentId: string;
  userId: string;
  tenantId: string;
  hostId: string;
}

export interface TokenPair {
  accessToken: string;
  /** Epoch ms. */
  accessTokenExpiresAt: number;
  refreshToken: string;
  refreshTokenExpiresAt: number;
  /** Local epoch ms at which the pair should be refreshed (~75% of the access token's lifetime). */
  refreshDueAt: number;
}

export type StoredIdentity = RuntimeIdentity & TokenPair;

interface Row {
  runtime_id: string;
  agent_id: string;
  user_id: string;
  tenant_id: string;
  host_id: string;
  access_token: string;
  access_token_expires_at: number;
  refresh_token: string;
  refresh_token_expires_at: number;
  refresh_due_at: number;
}

/** What the rest of the agent needs to read identity and tokens; tests substitute their own. */
export interface IdentitySource {
  load(): StoredIdentity | undefined;
  save(identity: StoredIdentity): void;
}

export class IdentityStore implements IdentitySource {
  constructor(private readonly db: Database) {}

  load(): StoredIdentity | undefined {
    const row = this.db.query("SELECT * FROM identity WHERE id = 1").get() as Row | null;
    if (!row) return undefined;
    return {
      runtimeId: row.runtime_id,
      agentId: row.agent_id,
      userId: row.user_id,
      tenantId: row.tenant_id,
      hostId: row.host_id,
      accessToken: row.access_token,
      accessTokenExpiresAt: row.access_token_expires_at,
      refreshToken: row.refresh_token,
      refreshTokenExpiresAt: row.refresh_token_expires_at,
      refreshDueAt: row.refresh_due_at,
    };
  }

  save(identity: StoredIdentity, now = Date.now()): void {
    this.db
      .query(
        `INSERT INTO identity (id, runtime_id, agent_id, user_id, tenant_id, host_id, access_token, access_token_expires_at,
           refresh_token, refresh_token_expires_at, refresh_due_at, updated_at)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET runtime_id = ?1, agent_id = ?2, user_id = ?3, tenant_id = ?4, host_id = ?5,
           access_token = ?6, access_token_expires_at = ?7, refresh_token = ?8, refresh_token_expires_at = ?9,
           refresh_due_at = ?10, updated_at = ?11`,
      )
      .run(
        identity.runtimeId,
        identity.agentId,
        identity.userId,
        identity.tenantId,
        identity.hostId,
        identity.accessToken,
        identity.accessTokenExpiresAt,
        identity.refreshToken,
        identity.refreshTokenExpiresAt,
        identity.refreshDueAt,
        now,
      );
  }
}
