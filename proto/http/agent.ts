/**
 * The HTTP contract between an edge agent and the control plane: request and response schemas (TypeBox) of every
 * route the agent calls — bootstrap exchange, token refresh, worker enrollment and recovery, the runtime update flow.
 * The control plane declares its routes with them (Elysia validates requests and answers against them); the agent
 * checks the answers it receives with the same schemas. Answers are open objects: a schema names the fields the
 * agent relies on, an answer may carry more.
 */
import { type Static, Type } from "@sinclair/typebox";
import { CHANNEL_PATTERN } from "../release";

const Version = Type.String({ minLength: 1, maxLength: 64, pattern: "^[0-9A-Za-z][0-9A-Za-z.+-]*$" });
const Channel = Type.String({ minLength: 1, maxLength: 64, pattern: CHANNEL_PATTERN });
/** base64 ed25519 public key (32 bytes). */
export const PublicKey = Type.String({ minLength: 44, maxLength: 44, pattern: "^[A-Za-z0-9+/]{43}=$" });
const Sha256 = Type.String({ pattern: "^[0-9a-fA-F]{64}$" });
const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
/** An answer: an open object (the schema names what the agent relies on; the control plane may send more). */
const OPEN = { additionalProperties: true } as const;

// ---------------------------------------------------------------- runtime tokens

/** POST /api/runtime/bootstrap/exchange: a new identity's one-time bootstrap token for its first token pair. */
export const ExchangeBody = Type.Object({
  runtimeId: Type.String({ minLength: 1, maxLength: 100 }),
  bootstrapToken: Type.String({ minLength: 1, maxLength: 500 }),
  runtimeVersion: Type.Optional(Type.String({ maxLength: 100 })),
  /** The host's own labels (the agent's --label): stored on the host; labels an operator set win. */
  labels: Type.Optional(
    Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 500 }), { maxProperties: 32 }),
  ),
});
export type ExchangeBody = Static<typeof ExchangeBody>;

/** POST /api/runtime/auth/refresh, /api/runtime/auth/revoke, /api/workers/refresh-token. */
export const RuntimeRefreshBody = Type.Object({ refreshToken: Type.String({ minLength: 1, maxLength: 500 }) });
export type RuntimeRefreshBody = Static<typeof RuntimeRefreshBody>;

/** The answer of exchange, refresh and recovery: the runtime's identity and a new token pair. */
export const RuntimeTokenResponse = Type.Object(
  {
    tokenType: Type.Literal("Bearer"),
    runtimeId: Type.String({ minLength: 1 }),
    agentId: Type.String({ minLength: 1 }),
    userId: Type.String({ minLength: 1 }),
    runtimeVersion: Type.Optional(Nullable(Type.String())),
    accessToken: Type.String({ minLength: 1 }),
    accessTokenExpiresAt: Type.String({ minLength: 1 }),
    refreshToken: Type.String({ minLength: 1 }),
    refreshTokenExpiresAt: Type.String({ minLength: 1 }),
    tenantId: Type.String({ minLength: 1 }),
    hostId: Type.String({ minLength: 1 }),
  },
  { ...OPEN, description: "a runtime's identity and its new token pair (access token + rotating refresh token)" },
);
export type RuntimeTokenResponse = Static<typeof RuntimeTokenResponse>;

// ---------------------------------------------------------------- worker enrollment

/** POST /api/workers/register: enrollment with a one-time worker token. */
export const WorkerRegisterBody = Type.Object({
  /** The worker's own stable id (e.g. its hostname or /etc/machine-id): registering again links the same machine. */
  machineId: Type.String({ minLength: 1, maxLength: 200, pattern: "^[A-Za-z0-9][A-Za-z0-9._:-]*$" }),
  token: Type.String({ minLength: 1, maxLength: 200 }),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  capabilities: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 })),
  labels: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 500 }))),
  hardware: Type.Optional(
    Type.Record(
      Type.String({ maxLength: 100 }),
      Type.Union([Type.String({ maxLength: 500 }), Type.Number(), Type.Boolean()]),
    ),
  ),
  maxConcurrentTasks: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })),
  runtimeVersion: Type.Optional(Type.String({ maxLength: 100 })),
});
export type WorkerRegisterBody = Static<typeof WorkerRegisterBody>;

/** POST /api/workers/recover: re-issues the pair from the worker's recovery secret (which rotates). */
export const WorkerRecoverBody = Type.Object({
  runtimeId: Type.String({ minLength: 1, maxLength: 100 }),
  recoverySecret: Type.String({ minLength: 1, maxLength: 500 }),
});
export type WorkerRecoverBody = Static<typeof WorkerRecoverBody>;

/** The answer of enrollment and recovery: tokens plus the (new) one-time recovery secret. */
export const WorkerTokenResponse = Type.Composite(
  [
    RuntimeTokenResponse,
    Type.Object({
      recoverySecret: Type.String({ minLength: 1, description: "shown once: keep it to recover lost tokens" }),
    }),
  ],
  { ...OPEN, description: "a worker's identity, token pair and one-time recovery secret" },
);
export type WorkerTokenResponse = Static<typeof WorkerTokenResponse>;

/** The answer of enrollment: also the machine (host) it created or linked. */
export const WorkerRegistered = Type.Composite(
  [WorkerTokenResponse, Type.Object({ machineId: Type.String(), workerMachineId: Type.String() })],
  { ...OPEN, description: "an enrolled worker: the machine it is, its tokens and one-time recovery secret" },
);
export type WorkerRegistered = Static<typeof WorkerRegistered>;

// ---------------------------------------------------------------- runtime updates (bearer: the runtime's access token)

/** POST /api/runtime/updates/check. */
export const UpdateCheckBody = Type.Object({
  currentVersion: Version,
  channel: Type.Optional(Channel),
  /** The key the agent pins: only releases signed with it are offered. */
  publicKey: Type.Optional(PublicKey),
});
export type UpdateCheckBody = Static<typeof UpdateCheckBody>;

/** POST /api/runtime/updates/apply: redeems a one-time grant for the release the agent verified. */
export const UpdateApplyBody = Type.Object({
  approved: Type.Boolean(),
  grantToken: Type.String({ minLength: 1, maxLength: 200 }),
  currentVersion: Version,
  channel: Type.Optional(Channel),
  targetVersion: Version,
  publicKey: Type.Optional(PublicKey),
});
export type UpdateApplyBody = Static<typeof UpdateApplyBody>;

export const UPDATE_REPORT_STATUSES = ["applied", "failed", "rejected"] as const;
export type UpdateReportStatus = (typeof UPDATE_REPORT_STATUSES)[number];

/** POST /api/runtime/updates/report: what became of an applied update. */
export const UpdateReportBody = Type.Object({
  channel: Type.Optional(Channel),
  fromVersion: Version,
  toVersion: Version,
  status: Type.Union(UPDATE_REPORT_STATUSES.map((s) => Type.Literal(s))),
  reason: Type.Optional(Type.String({ maxLength: 5000 })),
});
export type UpdateReportBody = Static<typeof UpdateReportBody>;

/** GET /api/runtime/updates/scripts: a script of one release (`releaseId`, plus its `sha256`). */
export const UpdateScriptQuery = Type.Object({
  path: Type.String({ minLength: 1, maxLength: 300 }),
  releaseId: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  sha256: Type.Optional(Sha256),
});
export type UpdateScriptQuery = Static<typeof UpdateScriptQuery>;

/** GET /api/runtime/updates/manifest. */
export const UpdateManifestQuery = Type.Object({
  channel: Type.Optional(Channel),
  publicKey: Type.Optional(PublicKey),
});

/** A release manifest as signed: the exact JSON string, its ed25519 signature and the signing key (base64). */
export const SignedManifestView = Type.Object(
  { manifest: Type.String(), signature: Type.String(), publicKey: Type.String() },
  OPEN,
);

/** The answer of check and apply: the update decision for this runtime, and the signed manifest to verify. */
export const UpdateAnswer = Type.Object(
  {
    channel: Type.String(),
    currentVersion: Type.String(),
    /** The offered release: scripts are downloaded from it, not from whichever release last used a path. */
    releaseId: Type.Optional(Nullable(Type.String())),
    targetVersion: Type.String(),
    updateAvailable: Type.Boolean(),
    requiresApproval: Type.Optional(Type.Boolean()),
    notes: Type.Optional(Nullable(Type.String())),
    signedManifest: Type.Union([SignedManifestView, Type.Null()]),
    approved: Type.Optional(Type.Boolean()),
    canExecuteRemoteScripts: Type.Optional(Type.Boolean()),
  },
  { ...OPEN, description: "the update decision for this runtime" },
);
export type UpdateAnswer = Static<typeof UpdateAnswer>;

/** The answer of GET /api/runtime/updates/manifest: the channel's newest release the agent could accept. */
export const UpdateManifestAnswer = Type.Object(
  {
    ok: Type.Boolean(),
    channel: Type.String(),
    releaseId: Type.String(),
    version: Type.String(),
    notes: Type.String(),
    publishedAt: Type.Unknown({ description: "when the release was published (ISO 8601 date-time)" }),
    signedManifest: SignedManifestView,
  },
  OPEN,
);

/** `{ ok: true }`: the acknowledgement of report and revoke. */
export const Acknowledged = Type.Object({ ok: Type.Boolean() }, OPEN);
