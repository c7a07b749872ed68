/** Turns an Authorization header into a principal, or a 401. */
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { Elysia } from "elysia";
import { asSystem } from "../../db/context";
import { unauthenticated } from "../../lib/errors";
import type { PeopleService, User } from "../people/service";
import type { SessionTokenService } from "../sessions/tokens";
import type { ApiKeyService } from "./api-keys";
import { API_KEY_PREFIX, bearerToken, type UserPrincipal } from "./principal";

/** ID tokens of an external OpenID Connect issuer accepted as user bearer tokens. */
export interface ExternalIdentitySettings {
  issuer: string;
  jwksUrl: string;
  audience: string;
}

export class Authenticator {
  /** One authentication per request, shared by the permission guard and the controllers. */
  private readonly perRequest = new WeakMap<Request, Promise<UserPrincipal>>();
  private readonly externalKeys?: ReturnType<typeof createRemoteJWKSet>;

  constructor(
    private readonly people: PeopleService,
    private readonly apiKeys: ApiKeyService,
    private readonly userSessions: SessionTokenService,
    private readonly external?: ExternalIdentitySettings,
  ) {
    if (external)
      this.externalKeys = createRemoteJWKSet(new URL(external.jwksUrl), {
        timeoutDuration: 5000,
        cooldownDuration: 30_000,
      });
  }

  /** The principal of a request, authenticated once however often it is asked for. */
  forRequest(request: Request): Promise<UserPrincipal> {
    let principal = this.perRequest.get(request);
    if (!principal) {
      principal = this.user(request.headers.get("authorization") ?? undefined);
      this.perRequest.set(request, principal);
    }
    return principal;
  }

  /** A bearer credential's user. The lookup spans tenants (the secret names its tenant once found): system context. */
  user(authorization: string | undefined): Promise<UserPrincipal> {
    return asSystem("credential lookup by secret", () => this.resolveUser(authorization));
  }

  private async resolveUser(authorization: string | undefined): Promise<UserPrincipal> {
    const token = bearerToken(authorization);
    if (!token) throw unauthenticated("missing bearer token");
    let via: UserPrincipal["via"];
    let user: User | undefined;
    let familyId: string | undefined;
    let expiresAt: Date | undefined;
    if (token.startsWith(API_KEY_PREFIX)) {
      via = "api_key";
      const key = await this.apiKeys.resolve(token);
      user = key ? await this.people.byId(key.userId) : undefined;
    } else if (this.external && isExternalToken(token, this.external.issuer)) {
      via = "external_id_token";
      user = await this.externalUser(token);
    } else {
      via = "access_token";
      const access = await this.userSessions.resolveAccess(token);
      if (access?.subject.userId) {
        user = await this.people.byId(access.subject.userId);
        familyId = access.familyId;
        expiresAt = access.expiresAt;
      }
    }
    if (!user || user.disabledAt) throw unauthenticated("invalid, expired or revoked credential");
    return {
      kind: "user",
      tenantId: user.tenantId,
      userId: user.id,
      role: user.role,
      isSuperadmin: user.isSuperadmin,
      via,
      familyId,
      ...(expiresAt ? { expiresAt } : {}),
    };
  }

  /** An external ID token: signature (issuer's JWKS), issuer, audience, expiry; mapped by subject, then e-mail. */
  private async externalUser(token: string): Promise<User | undefined> {
    const { issuer, audience } = this.external!;
    try {
      const { payload } = await jwtVerify(token, this.externalKeys!, { issuer, audience, clockTolerance: 5 });
      if (!payload.sub) return undefined;
      const email = typeof payload.email === "string" && payload.email_verified === true ? payload.email : undefined;
      return await this.people.byExternalSubject(`${issuer}|${payload.sub}`, email);
    } catch {
      return undefined;
    }
  }
}

function isExternalToken(token: string, issuer: string): boolean {
  try {
    return decodeJwt(token).iss === issuer;
  } catch {
    return false;
  }
}

/**
 * Plugin for controllers whose every route needs a user: adds `principal` to the context.
 * Runs before body validation, so a caller without a credential learns nothing about the payload rules.
 * What the user may do is decided by the permission guard (modules/access).
 */
export const requireUser = (auth: Authenticator) =>
  new Elysia().derive({ as: "scoped" }, async ({ request }) => ({
    principal: await auth.forRequest(request),
  }));

/** Kept for the admin controllers: the permission table decides; this only authenticates. */
export const requireAdmin = requireUser;
