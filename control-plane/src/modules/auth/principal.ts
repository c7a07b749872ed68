/** Who is calling: resolved from the bearer credential on every protected request. */
export interface UserPrincipal {
  kind: "user";
  tenantId: string;
  userId: string;
  role: "admin" | "member";
  isSuperadmin: boolean;
  /** The credential type that authenticated this request. */
  via: "api_key" | "access_token" | "external_id_token";
  /** The session (token family) of an access token: "other sessions" are all but this one. */
  familyId?: string;
  /** When the access token expires (access tokens only): long-lived streams end then. */
  expiresAt?: Date;
}

export const API_KEY_PREFIX = "roz_sk_";
export const USER_ACCESS_PREFIX = "roz_at_";
export const USER_REFRESH_PREFIX = "roz_rt_";

/** The token of an `Authorization: Bearer <token>` header, if well-formed. */
export function bearerToken(header: string | undefined | null): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}
