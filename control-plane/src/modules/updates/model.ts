import { t } from "elysia";
import { CHANNEL_PATTERN } from "@edge/proto/release";

const Version = t.String({ minLength: 1, maxLength: 64, pattern: "^[0-9A-Za-z][0-9A-Za-z.+-]*$" });
const Channel = t.String({ minLength: 1, maxLength: 64, pattern: CHANNEL_PATTERN });
/** base64 ed25519 public key (32 bytes). */
const PublicKey = t.String({ minLength: 44, maxLength: 44, pattern: "^[A-Za-z0-9+/]{43}=$" });

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

export const GrantBody = t.Optional(
  t.Object({
    channel: t.Optional(Channel),
    targetVersion: t.Optional(Version),
    ttlSeconds: t.Optional(t.Integer({ minimum: 1, maximum: 3600 })),
    /** Also send the agent a `runtime.update` command carrying the grant. */
    deliver: t.Optional(t.Boolean()),
  }),
);

export const ReleaseListQuery = t.Object({ channel: t.Optional(Channel) });

/** The agent-facing bodies and queries are contracts shared with the agent (proto/http/agent.ts). */
export {
  UpdateApplyBody as ApplyBody,
  UpdateCheckBody as CheckBody,
  UpdateManifestQuery as ManifestQuery,
  UpdateReportBody as ReportBody,
  UpdateScriptQuery as ScriptQuery,
} from "@edge/proto/http/agent";
