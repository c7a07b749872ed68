/** Turns an Authorization header into a principal, or a 401. */
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { Elysia } from "elysia";
import { asSystem } from "../../db/context";
import { unauthenticated } from "../../lib/errors";
import type { PeopleService, User } from "../people/service";
import type { SessionTokenService } from "../sessions/tokens";
import type { ApiKeyService } from "./api-keys";
import { API_KEY_PREFIX, bearerToken, type UserPrincipal } from "./principal";
import type { Database } from "../../db/connect";
import { CREDENTIALS_CHANNEL, type CredentialChanges } from "../../lib/credential-changes";
import { hashSecret } from "../../lib/secrets";

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
  /** What API keys authenticate as (see ApiKeyCache). */
  private readonly keys = new ApiKeyCache();
  private stopListening?: () => Promise<void>;

  constructor(
    private readonly people: PeopleService,
    private readonly apiKeys: ApiKeyService,
    private readonly userSessions: SessionTokenService,
    private readonly external?: ExternalIdentitySettings,
    changes?: CredentialChanges,
  ) {
    changes?.subscribe(() => this.keys.clear());
    if (external)
      this.externalKeys = createRemoteJWKSet(new URL(external.jwksUrl), {
        timeoutDuration: 5000,
        cooldownDuration: 30_000,
      });
  }

  /**
   * Drops the cached API-key identities whenever any replica changes a key or a user (migration 0020's trigger
   * notifies at commit); the replica making the change drops them itself before answering (CredentialChanges).
   */
  async listen(database: Pick<Database, "listen">): Promise<void> {
    this.stopListening = await database.listen(CREDENTIALS_CHANNEL, () => this.keys.clear());
  }

  async stop(): Promise<void> {
    await this.stopListening?.();
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
    if (token.startsWith(API_KEY_PREFIX)) return this.apiKeyUser(token);
    let via: UserPrincipal["via"];
    let user: User | undefined;
    let familyId: string | undefined;
    let expiresAt: Date | undefined;
    if (this.external && isExternalToken(token, this.external.issuer)) {
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
    return principalOf(user, via, familyId, expiresAt);
  }

  /**
   * An API key's user, from memory when this replica resolved the key before and nothing changed since (no
   * statement; its use is still recorded once a minute). Never cached: unknown, revoked or expired keys, disabled
   * users; a cached key is dropped when it expires.
   */
  private async apiKeyUser(token: string): Promise<UserPrincipal> {
    const hash = hashSecret(token);
    const hit = this.keys.get(hash);
    if (hit) {
      if (Date.now() - hit.lastUsedAt > 60_000) {
        hit.lastUsedAt = Date.now();
        this.apiKeys.touch(hit.keyId, null).catch(() => {});
      }
      return hit.principal;
    }
    const epoch = this.keys.epoch;
    const key = await this.apiKeys.resolve(token);
    const user = key ? await this.people.byId(key.userId) : undefined;
    if (!key || !user || user.disabledAt) throw unauthenticated("invalid, expired or revoked credential");
    const principal = principalOf(user, "api_key", undefined, key.expiresAt ?? undefined);
    this.keys.set(epoch, hash, {
      principal,
      keyId: key.keyId,
      expiresAt: key.expiresAt?.getTime() ?? null,
      lastUsedAt: Date.now(),
    });
    return principal;
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

function principalOf(
  user: User,
  via: UserPrincipal["via"],
  familyId: string | undefined,
  expiresAt: Date | undefined,
): UserPrincipal {
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

/** Most API keys remembered; beyond it the cache starts again (a key resolves with two statements). */
const MAX_CACHED_KEYS = 10_000;

interface CachedKey {
  principal: UserPrincipal;
  keyId: string;
  /** ms; null: never. */
  expiresAt: number | null;
  /** When this replica last recorded a use (ms). */
  lastUsedAt: number;
}

/**
 * Resolved API keys by secret hash. Dropped whole on any credential change (rare: a key revoked, a user changed);
 * an answer read before a change is not stored after it (the epoch moved on).
 */
class ApiKeyCache {
  private readonly byHash = new Map<string, CachedKey>();
  epoch = 0;

  get(hash: string): CachedKey | undefined {
    const entry = this.byHash.get(hash);
    if (entry?.expiresAt != null && entry.expiresAt <= Date.now()) {
      this.byHash.delete(hash);
      return undefined;
    }
    return entry;
  }

  set(epoch: number, hash: string, entry: CachedKey): void {
    if (epoch !== this.epoch) return;
    if (this.byHash.size >= MAX_CACHED_KEYS) this.byHash.clear();
    this.byHash.set(hash, entry);
  }

  clear(): void {
    this.epoch++;
    this.byHash.clear();
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
