import { t } from "elysia";
import { CHANNEL_PATTERN } from "@edge/proto/release";

const Version = t.String({ minLength: 1, maxLength: 64, pattern: "^[0-9A-Za-z][0-9A-Za-z.+-]*$" });
const Channel = t.String({ minLength: 1, maxLength: 64, pattern: CHANNEL_PATTERN });
/** base64 ed25519 public key (32 bytes). */
const PublicKey = t.String({ minLength: 44, maxLength: 44, pattern: "^[A-Za-z0-9+/]{43}=$" });
const Sha256 = t.String({ pattern: "^[0-9a-fA-F]{64}$" });

export const PublishReleaseBody = t.Object({
  signedManifest: t.Object({
    /** The manifest as the exact JSON string that was signed; its schema is `ReleaseManifestSchema` (proto/release.ts). */
    manifest: t.String({ minLength: 2, maxLength: 200_000 }),
    signature: t.String({ minLength: 1, maxLength: 200 }),
    publicKey: PublicKey,
  }),
  /** Bodies of the manifest's scripts, by path. */
  scripts: t.Array(
    t.Object({ path: t.String({ minLength: 1, maxLength: 300 }), body: t.String({ maxLength: 1_000_000 }) }),
    {
      maxItems: 100,
    },
  ),
});

export const ReleaseKeyBody = t.Object({ name: t.String({ minLength: 1, maxLength: 200 }), publicKey: PublicKey });

export const CheckBody = t.Object({
  currentVersion: Version,
  channel: t.Optional(Channel),
  /** The key the agent pins: only releases signed with it are offered. */
  publicKey: t.Optional(PublicKey),
});

export const ApplyBody = t.Object({
  approved: t.Boolean(),
  grantToken: t.String({ minLength: 1, maxLength: 200 }),
  currentVersion: Version,
  channel: t.Optional(Channel),
  targetVersion: Version,
  publicKey: t.Optional(PublicKey),
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

/** A script of one release (`releaseId`, plus its `sha256`); `path` alone only while no two releases disagree. */
export const ScriptQuery = t.Object({
  path: t.String({ minLength: 1, maxLength: 300 }),
  releaseId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  sha256: t.Optional(Sha256),
});
export const ManifestQuery = t.Object({ channel: t.Optional(Channel), publicKey: t.Optional(PublicKey) });
export const ReleaseListQuery = t.Object({ channel: t.Optional(Channel) });
