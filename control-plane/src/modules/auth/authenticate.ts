/** Turns an Authorization header into a principal, or a 401. */
import { Elysia } from "elysia";
import { forbidden, unauthenticated } from "../../lib/errors";
import type { ApiKeyService } from "./api-keys";
import { API_KEY_PREFIX, USER_ACCESS_PREFIX, bearerToken, type UserPrincipal } from "./principal";
import { eq } from "drizzle-orm";
import type { Db } from "../../db/connect";
import { users } from "../../db/schema";
import type { SessionTokenService } from "../sessions/tokens";

export class Authenticator {
  constructor(
    private readonly db: Db,
    private readonly apiKeys: ApiKeyService,
    private readonly userSessions: SessionTokenService,
  ) {}

  async user(authorization: string | undefined): Promise<UserPrincipal> {
    const token = bearerToken(authorization);
    if (!token) throw unauthenticated("missing bearer token");
    let via: UserPrincipal["via"];
    let user: typeof users.$inferSelect | undefined;
    if (token.startsWith(API_KEY_PREFIX)) {
      via = "api_key";
      user = await this.apiKeys.resolve(token);
    } else if (token.startsWith(USER_ACCESS_PREFIX)) {
      via = "access_token";
      const access = await this.userSessions.resolveAccess(token);
      if (access?.subject.userId)
        [user] = await this.db.select().from(users).where(eq(users.id, access.subject.userId));
    } else {
      throw unauthenticated("unsupported credential");
    }
    if (!user) throw unauthenticated("invalid, expired or revoked credential");
    return {
      kind: "user",
      tenantId: user.tenantId,
      userId: user.id,
      role: user.role,
      isSuperadmin: user.isSuperadmin,
      via,
    };
  }
}

/**
 * Plugin for controllers whose every route needs a user: adds `principal` to the context.
 * Runs before body validation, so a caller without a credential learns nothing about the payload rules.
 */
export const requireUser = (auth: Authenticator) =>
  new Elysia().derive({ as: "scoped" }, async ({ headers }) => ({
    principal: await auth.user(headers.authorization),
  }));

/** Like requireUser, for `/api/admin/*`: the tenant's admins only (403 otherwise). */
export const requireAdmin = (auth: Authenticator) =>
  new Elysia().derive({ as: "scoped" }, async ({ headers }) => {
    const principal = await auth.user(headers.authorization);
    if (principal.role !== "admin" && !principal.isSuperadmin) throw forbidden("admin role required");
    return { principal };
  });
