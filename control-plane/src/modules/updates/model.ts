import { t } from "elysia";

const Version = t.String({ minLength: 1, maxLength: 64, pattern: "^[0-9A-Za-z][0-9A-Za-z.+-]*$" });
const Channel = t.String({ minLength: 1, maxLength: 64, pattern: "^[a-z0-9][a-z0-9_-]*$" });

export const PublishReleaseBody = t.Object({
  signedManifest: t.Object({
    manifest: t.String({ minLength: 2, maxLength: 200_000 }),
    signature: t.String({ minLength: 1, maxLength: 200 }),
    publicKey: t.String({ minLength: 1, maxLength: 200 }),
  }),
  /** Bodies of the manifest's scripts, by path. */
  scripts: t.Array(t.Object({ path: t.String({ minLength: 1, maxLength: 500 }), body: t.String({ maxLength: 1_000_000 }) }), {
    maxItems: 100,
  }),
});

export const CheckBody = t.Object({ currentVersion: Version, channel: t.Optional(Channel) });

export const ApplyBody = t.Object({
  approved: t.Boolean(),
  grantToken: t.String({ minLength: 1, maxLength: 200 }),
  currentVersion: Version,
  channel: t.Optional(Channel),
  targetVersion: Version,
});

export const ReportBody = t.Object({
  channel: t.Optional(Channel),
  fromVersion: Version,
  toVersion: Version,
  status: t.Union([t.Literal("applied"), t.Literal("failed"), t.Literal("rejected")]),
  reason: t.Optional(t.String({ maxLength: 5000 })),
});

export const GrantBody = t.Optional(
  t.Object({
    channel: t.Optional(Channel),
    targetVersion: t.Optional(Version),
    ttlSeconds: t.Optional(t.Integer({ minimum: 1, maximum: 3600 })),
    /** Also send the agent a `runtime.update` command carrying the grant. */
    deliver: t.Optional(t.Boolean()),
  }),
);

export const ScriptQuery = t.Object({ path: t.String({ minLength: 1, maxLength: 500 }) });
export const ManifestQuery = t.Object({ channel: t.Optional(Channel) });
