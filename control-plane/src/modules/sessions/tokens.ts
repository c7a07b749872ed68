/** Access/refresh token pairs for users and runtimes, in rotation families with reuse detection. */
import { and, eq, isNull } from "drizzle-orm";
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

export interface SessionSettings {
  accessPrefix: string;
  refreshPrefix: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
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
    const accessToken = newSecret(accessPrefix);
    const refreshToken = newSecret(refreshPrefix);
    const accessExpires = new Date(now + accessTokenTtlSeconds * 1000);
    const refreshExpires = new Date(now + refreshTokenTtlSeconds * 1000);
    const common = { familyId, tenantId: subject.tenantId, userId: subject.userId, runtimeId: subject.runtimeId };
    await q.insert(sessionTokens).values([
      { id: newId("tok"), ...common, kind: "access", tokenHash: hashSecret(accessToken), expiresAt: accessExpires },
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

  /** The subject behind a live access token, or undefined. */
  async resolveAccess(token: string): Promise<LiveAccess | undefined> {
    if (!token.startsWith(this.settings.accessPrefix)) return undefined;
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
