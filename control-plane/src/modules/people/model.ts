/** Response schemas of the people routes (profile, personal access tokens, developers). */
import { t } from "elysia";
import { Obj, OptionalTimestamp, Resource, Timestamp } from "../../http/responses";

/** A user as the API shows it (`publicUser`): never the password hash or TOTP secret. */
export const UserView = Resource("a person of the tenant", {
  name: t.String(),
  username: t.Nullable(t.String()),
  email: t.Nullable(t.String()),
  role: t.String(),
  isSuperadmin: t.Boolean(),
  gitName: t.Nullable(t.String()),
  gitEmail: t.Nullable(t.String()),
  totpEnabled: t.Boolean(),
  hasPassword: t.Boolean(),
  disabled: t.Boolean(),
  createdAt: Timestamp,
});

/** A developer as project pages list them. */
export const DeveloperSummary = Resource("a developer of the tenant", {
  name: t.String(),
  gitEmail: t.Nullable(t.String()),
  role: t.String(),
});

export const PasswordChanged = Obj({ ok: t.Boolean(), revokedSessions: t.Integer() });
export const TotpSetupView = Obj({ secret: t.String(), otpauthUri: t.String(), qrCodeSvg: t.String() });
export const TotpState = Obj({ totpEnabled: t.Boolean() });

/** An API key (a personal access token) as listed: never its secret. */
export const ApiKeyView = Resource("an API key (personal access token)", {
  name: t.String(),
  prefix: t.String(),
  createdAt: Timestamp,
  lastUsedAt: OptionalTimestamp,
  expiresAt: OptionalTimestamp,
  revokedAt: OptionalTimestamp,
});

/** A new personal access token: `token` (also `key`) is shown once. */
export const NewPersonalToken = Resource("a new personal access token; `token` is shown once", {
  name: t.String(),
  prefix: t.String(),
  token: t.String(),
  key: t.String(),
  expiresAt: OptionalTimestamp,
});
