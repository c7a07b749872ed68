/** Access/refresh token pairs for users and runtimes, in rotation families with reuse detection. */
import { and, eq, inArray, isNull, ne } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { sessionTokens } from "../../db/schema";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret } from "../../lib/secrets";
import { unauthenticated } from "../../lib/errors";

/** Whose session: a user or a runtime identity, always within a tenant. */
export type Subject =
  | { tenantId: string; userId: string; runtimeId?: undefined }
  | { tenantId: string; runtimeId: string; userId?: undefined };

export interface TokenPair {
  tokenType: "Bearer";
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
  refreshTokenExpiresAt: string;
}

/** Signs access tokens as JWTs (user sessions); without it access tokens are random secrets with `accessPrefix`. */
export interface AccessTokenSigner {
  sign(claims: { sub: string; tenantId: string; jti: string; sid: string }, expiresAt: Date): Promise<string>;
  /** True when the token's signature, issuer and expiry check out. */
  verify(token: string): Promise<unknown>;
  /** Is this token of the signer's format (checked before `verify`)? */
  owns(token: string): boolean;
}

export interface SessionSettings {
  accessPrefix: string;
  refreshPrefix: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  signer?: AccessTokenSigner;
}

export interface LiveAccess {
  subject: Subject;
  familyId: string;
  expiresAt: Date;
}

export class SessionTokenService {
  constructor(
    private readonly db: Db,
    private readonly settings: SessionSettings,
    /** Told after a family's revocation commits, so live connections using its tokens can be dropped. */
    private readonly onFamilyRevoked: (subject: Subject, familyId: string) => void = () => {},
  ) {}

  /** Issues a new access/refresh pair; a new login starts a new family. */
  async issue(q: Queryable, subject: Subject, familyId = newId("fam")): Promise<TokenPair> {
    const now = Date.now();
    const { accessPrefix, refreshPrefix, accessTokenTtlSeconds, refreshTokenTtlSeconds } = this.settings;
    const refreshToken = newSecret(refreshPrefix);
    const accessExpires = new Date(now + accessTokenTtlSeconds * 1000);
    const refreshExpires = new Date(now + refreshTokenTtlSeconds * 1000);
    const accessId = newId("tok");
    const { signer } = this.settings;
    const accessToken =
      signer && subject.userId
        ? await signer.sign(
            { sub: subject.userId, tenantId: subject.tenantId, jti: accessId, sid: familyId },
            accessExpires,
          )
        : newSecret(accessPrefix);
    const common = { familyId, tenantId: subject.tenantId, userId: subject.userId, runtimeId: subject.runtimeId };
    await q.insert(sessionTokens).values([
      { id: accessId, ...common, kind: "access", tokenHash: hashSecret(accessToken), expiresAt: accessExpires },
      { id: newId("tok"), ...common, kind: "refresh", tokenHash: hashSecret(refreshToken), expiresAt: refreshExpires },
    ]);
    return {
      tokenType: "Bearer",
      accessToken,
      accessTokenExpiresAt: accessExpires.toISOString(),
      refreshToken,
      refreshTokenExpiresAt: refreshExpires.toISOString(),
    };
  }

  /** Rotates a refresh token. Presenting an already-rotated token revokes its whole family. */
  async refresh(refreshToken: string): Promise<{ pair: TokenPair; subject: Subject }> {
    if (!refreshToken.startsWith(this.settings.refreshPrefix)) throw unauthenticated("invalid refresh token");
    const outcome = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(sessionTokens)
        .where(and(eq(sessionTokens.tokenHash, hashSecret(refreshToken)), eq(sessionTokens.kind, "refresh")))
        .for("update");
      if (!row || row.revokedAt) return { error: "invalid refresh token" } as const;
      if (row.usedAt) {
        await revokeFamily(tx, row.familyId);
        return {
          error: "refresh token reuse detected; the session has been revoked",
          revoked: { subject: subjectOf(row), familyId: row.familyId },
        } as const;
      }
      if (row.expiresAt.getTime() <= Date.now()) return { error: "refresh token expired" } as const;
      await tx.update(sessionTokens).set({ usedAt: new Date() }).where(eq(sessionTokens.id, row.id));
      const subject = subjectOf(row);
      return { pair: await this.issue(tx, subject, row.familyId), subject } as const;
    });
    // The family revocation above is committed before the 401 is raised.
    if ("error" in outcome) {
      if ("revoked" in outcome && outcome.revoked)
        this.onFamilyRevoked(outcome.revoked.subject, outcome.revoked.familyId);
      throw unauthenticated(outcome.error);
    }
    return outcome;
  }

  /** Revokes the session a refresh token belongs to; unknown tokens are fine (idempotent). */
  async revokeByRefreshToken(refreshToken: string): Promise<Subject | undefined> {
    if (!refreshToken.startsWith(this.settings.refreshPrefix)) return undefined;
    const [row] = await this.db
      .select()
      .from(sessionTokens)
      .where(and(eq(sessionTokens.tokenHash, hashSecret(refreshToken)), eq(sessionTokens.kind, "refresh")));
    if (!row) return undefined;
    await revokeFamily(this.db, row.familyId);
    this.onFamilyRevoked(subjectOf(row), row.familyId);
    return subjectOf(row);
  }

  /** Revokes every session of a user but `keepFamilyId` (e.g. after a password change); returns how many. */
  async revokeUserSessions(tenantId: string, userId: string, keepFamilyId?: string): Promise<number> {
    const conditions = [eq(sessionTokens.userId, userId), isNull(sessionTokens.revokedAt)];
    if (keepFamilyId) conditions.push(ne(sessionTokens.familyId, keepFamilyId));
    const rows = await this.db
      .update(sessionTokens)
      .set({ revokedAt: new Date() })
      .where(and(...conditions))
      .returning({ familyId: sessionTokens.familyId });
    const families = [...new Set(rows.map((row) => row.familyId))];
    for (const familyId of families) this.onFamilyRevoked({ tenantId, userId }, familyId);
    return families.length;
  }

  /**
   * Revokes every session token of a runtime identity, in the caller's transaction (the identity is being revoked
   * or re-enrolled: its agent's live connections are ended by the caller's revocation announcement).
   */
  async revokeRuntimeTokens(q: Queryable, runtimeId: string): Promise<void> {
    await q
      .update(sessionTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(sessionTokens.runtimeId, runtimeId), isNull(sessionTokens.revokedAt)));
  }

  /**
   * `resolveAccess` for many tokens: the opaque ones (this service's prefix) in one statement, those of the signer's
   * format one by one (their signature is checked first). The live ones, by token.
   */
  async resolveAccessMany(tokens: string[]): Promise<Map<string, LiveAccess>> {
    const { signer, accessPrefix } = this.settings;
    const out = new Map<string, LiveAccess>();
    const opaque = tokens.filter((t) => t.startsWith(accessPrefix) && !signer?.owns(t));
    for (const token of tokens.filter((t) => signer?.owns(t))) {
      const access = await this.resolveAccess(token);
      if (access) out.set(token, access);
    }
    if (opaque.length === 0) return out;
    const byHash = new Map(opaque.map((t) => [hashSecret(t), t]));
    const rows = await this.db
      .select()
      .from(sessionTokens)
      .where(
        and(
          inArray(sessionTokens.tokenHash, [...byHash.keys()]),
          eq(sessionTokens.kind, "access"),
          isNull(sessionTokens.revokedAt),
        ),
      );
    const now = Date.now();
    for (const row of rows) {
      if (row.expiresAt.getTime() <= now) continue;
      out.set(byHash.get(row.tokenHash)!, {
        subject: subjectOf(row),
        familyId: row.familyId,
        expiresAt: row.expiresAt,
      });
    }
    return out;
  }

  /** The subject behind a live access token, or undefined. */
  async resolveAccess(token: string): Promise<LiveAccess | undefined> {
    const { signer, accessPrefix } = this.settings;
    if (signer?.owns(token)) {
      // A valid signature is not enough: the session must still be live (revocation is immediate).
      if (!(await signer.verify(token))) return undefined;
    } else if (!token.startsWith(accessPrefix)) return undefined;
    const [row] = await this.db
      .select()
      .from(sessionTokens)
      .where(
        and(
          eq(sessionTokens.tokenHash, hashSecret(token)),
          eq(sessionTokens.kind, "access"),
          isNull(sessionTokens.revokedAt),
        ),
      );
    if (!row || row.expiresAt.getTime() <= Date.now()) return undefined;
    return { subject: subjectOf(row), familyId: row.familyId, expiresAt: row.expiresAt };
  }
}

function subjectOf(row: typeof sessionTokens.$inferSelect): Subject {
  return row.userId
    ? { tenantId: row.tenantId, userId: row.userId }
    : { tenantId: row.tenantId, runtimeId: row.runtimeId! };
}

async function revokeFamily(q: Queryable, familyId: string): Promise<void> {
  await q
    .update(sessionTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(sessionTokens.familyId, familyId), isNull(sessionTokens.revokedAt)));
}
