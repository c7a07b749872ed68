/** User sessions: access/refresh pairs in rotation families, with reuse detection. */
import { and, eq, isNull } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { userTokens, users } from "../../db/schema";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret } from "../../lib/secrets";
import { unauthorized } from "../../http/errors";
import { USER_ACCESS_PREFIX, USER_REFRESH_PREFIX } from "./principal";

export interface TokenPair {
  tokenType: "Bearer";
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
  userId: string;
}

export interface TokenTtls {
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
}

export class UserTokenService {
  constructor(
    private readonly db: Db,
    private readonly ttl: TokenTtls,
  ) {}

  /** Issues a new access/refresh pair; a new login starts a new family. */
  async issue(q: Queryable, user: { id: string; tenantId: string }, familyId = newId("fam")): Promise<TokenPair> {
    const now = Date.now();
    const accessToken = newSecret(USER_ACCESS_PREFIX);
    const refreshToken = newSecret(USER_REFRESH_PREFIX);
    const accessExpires = new Date(now + this.ttl.accessTokenTtlSeconds * 1000);
    const refreshExpires = new Date(now + this.ttl.refreshTokenTtlSeconds * 1000);
    const common = { familyId, tenantId: user.tenantId, userId: user.id };
    await q.insert(userTokens).values([
      { id: newId("tok"), ...common, kind: "access", tokenHash: hashSecret(accessToken), expiresAt: accessExpires },
      { id: newId("tok"), ...common, kind: "refresh", tokenHash: hashSecret(refreshToken), expiresAt: refreshExpires },
    ]);
    return {
      tokenType: "Bearer",
      accessToken,
      accessTokenExpiresAt: accessExpires.toISOString(),
      refreshToken,
      refreshTokenExpiresAt: refreshExpires.toISOString(),
      userId: user.id,
    };
  }

  /** Rotates a refresh token. Presenting an already-rotated token revokes its whole family. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const outcome = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(userTokens)
        .where(and(eq(userTokens.tokenHash, hashSecret(refreshToken)), eq(userTokens.kind, "refresh")))
        .for("update");
      if (!row || row.revokedAt) return { error: "invalid refresh token" } as const;
      if (row.usedAt) {
        await revokeFamily(tx, row.familyId);
        return { error: "refresh token reuse detected; the session has been revoked" } as const;
      }
      if (row.expiresAt.getTime() <= Date.now()) return { error: "refresh token expired" } as const;
      await tx.update(userTokens).set({ usedAt: new Date() }).where(eq(userTokens.id, row.id));
      return { pair: await this.issue(tx, { id: row.userId, tenantId: row.tenantId }, row.familyId) } as const;
    });
    // The family revocation above is committed before the 401 is raised.
    if ("error" in outcome) throw unauthorized(outcome.error);
    return outcome.pair;
  }

  /** Revokes the session a refresh token belongs to. Unknown tokens are fine: logout is idempotent. */
  async logout(refreshToken: string): Promise<void> {
    const [row] = await this.db
      .select({ familyId: userTokens.familyId })
      .from(userTokens)
      .where(and(eq(userTokens.tokenHash, hashSecret(refreshToken)), eq(userTokens.kind, "refresh")));
    if (row) await revokeFamily(this.db, row.familyId);
  }

  /** The user behind a live access token, or undefined. */
  async resolveAccessToken(token: string) {
    const [row] = await this.db
      .select({ user: users, expiresAt: userTokens.expiresAt })
      .from(userTokens)
      .innerJoin(users, eq(users.id, userTokens.userId))
      .where(
        and(eq(userTokens.tokenHash, hashSecret(token)), eq(userTokens.kind, "access"), isNull(userTokens.revokedAt)),
      );
    if (!row || row.expiresAt.getTime() <= Date.now()) return undefined;
    return row.user;
  }
}

async function revokeFamily(q: Queryable, familyId: string): Promise<void> {
  await q
    .update(userTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(userTokens.familyId, familyId), isNull(userTokens.revokedAt)));
}
