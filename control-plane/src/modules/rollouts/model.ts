import { t } from "elysia";
import { APP_NAME_PATTERN } from "@edge/proto/runtime/manifest";
import { oneOf } from "../../http/params";
import { Items, Obj, OptionalTimestamp, Page, Resource, Timestamp } from "../../http/responses";
import { ROLLOUT_HOST_STATUSES, ROLLOUT_STATUSES } from "../../db/schema";

/** A count of hosts (1, 5) or a percentage of them ("25%"). */
const Amount = t.Union([t.Integer({ minimum: 0, maximum: 1_000_000 }), t.String({ pattern: "^[0-9]{1,3}%$" })]);

const TimeWindow = t.Object(
  {
    days: t.Optional(t.Array(t.Integer({ minimum: 0, maximum: 6 }), { maxItems: 7 })),
    start: t.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" }),
    end: t.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$" }),
    timezone: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const RolloutStrategyBody = t.Object(
  {
    /** Batch sizes in order (the last repeats), or one batch per value of a label (`byLabel: "site"`). */
    batches: t.Optional(
      t.Object(
        {
          sizes: t.Optional(t.Array(Amount, { minItems: 1, maxItems: 100 })),
          byLabel: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
        },
        { additionalProperties: false },
      ),
    ),
    maxUnavailable: t.Optional(Amount),
    minAvailable: t.Optional(Amount),
    groupBy: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 100 }), { maxItems: 8 })),
    successThresholdPercent: t.Optional(t.Integer({ minimum: 0, maximum: 100 })),
    failureThreshold: t.Optional(Amount),
    healthWaitSeconds: t.Optional(t.Integer({ minimum: 0, maximum: 86_400 })),
    hostTimeoutSeconds: t.Optional(t.Integer({ minimum: 10, maximum: 7 * 86_400 })),
    maintenanceWindows: t.Optional(t.Array(TimeWindow, { maxItems: 32 })),
    requireApproval: t.Optional(t.Boolean()),
  },
  { additionalProperties: false },
);

const Id = t.String({ minLength: 1, maxLength: 100 });

/**
 * What to roll out: a signed release, a set of safety policies (assigned to each host beside its environment's),
 * or an app manifest version (shaped for the app runtime; refused with 400 until agents have one).
 */
export const RolloutTargetBody = t.Union([
  t.Object({ kind: t.Literal("release"), releaseId: Id }, { additionalProperties: false }),
  t.Object(
    { kind: t.Literal("policy_set"), policyIds: t.Array(Id, { minItems: 1, maxItems: 32 }) },
    { additionalProperties: false },
  ),
  t.Object(
    {
      kind: t.Literal("app"),
      app: t.String({ pattern: APP_NAME_PATTERN, maxLength: 63 }),
      /** A stored version (POST /api/v1/app-manifests). */
      version: t.Integer({ minimum: 1, maximum: 1_000_000_000 }),
    },
    { additionalProperties: false },
  ),
]);

export const RolloutCreateBody = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 200 }),
    fleetId: t.String({ minLength: 1, maxLength: 100 }),
    target: RolloutTargetBody,
    strategy: t.Optional(RolloutStrategyBody),
  },
  { additionalProperties: false },
);

export const RolloutListQuery = t.Object({
  status: t.Optional(oneOf(ROLLOUT_STATUSES)),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
  cursor: t.Optional(t.String({ maxLength: 200 })),
});

export const RolloutHostsQuery = t.Object({
  status: t.Optional(oneOf(ROLLOUT_HOST_STATUSES)),
  batch: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000 })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
  /** The last host id of the previous page. */
  cursor: t.Optional(t.String({ maxLength: 200 })),
});

export const RolloutEventsQuery = t.Object({
  /** Events after this seq. */
  after: t.Optional(t.Integer({ minimum: 0 })),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
});

export const RolloutAbortBody = t.Optional(
  t.Object(
    {
      reason: t.Optional(t.String({ maxLength: 500 })),
      /** Hosts already changed get back what they had before (policy sets; not releases). */
      rollback: t.Optional(t.Boolean()),
    },
    { additionalProperties: false },
  ),
);

export const RolloutActionBody = t.Optional(
  t.Object({ reason: t.Optional(t.String({ maxLength: 500 })) }, { additionalProperties: false }),
);

// ---------------------------------------------------------------- responses

const Counts = Obj({
  total: t.Integer(),
  pending: t.Integer(),
  updating: t.Integer(),
  succeeded: t.Integer(),
  failed: t.Integer(),
  skipped: t.Integer(),
});

export const RolloutView = Resource("a rollout of a target to a fleet", {
  fleetId: t.String(),
  name: t.String(),
  target: Obj(
    { kind: t.String() },
    { description: "release {releaseId, channel, version} or policy_set {policyIds, names}" },
  ),
  strategy: Obj({}, { description: "the strategy with its defaults filled in" }),
  status: t.String(),
  waiting: t.Nullable(t.String()),
  reason: t.Nullable(t.String()),
  currentBatch: t.Integer(),
  batchCount: t.Integer(),
  awaitingApproval: t.Boolean(),
  failuresAccepted: t.Integer(),
  rollback: t.Boolean({ description: "aborted with rollback: changed hosts get back what they had" }),
  createdBy: t.String(),
  createdAt: Timestamp,
  startedAt: OptionalTimestamp,
  finishedAt: OptionalTimestamp,
});

export const RolloutDetail = Resource("a rollout with its host counts, overall and per batch", {
  ...RolloutView.properties,
  hosts: Counts,
  batches: t.Array(Counts),
});

export const RolloutHostsPage = Page(
  Obj(
    {
      hostId: t.String(),
      hostName: t.String(),
      hostStatus: t.String(),
      agentVersion: t.Nullable(t.String()),
      batch: t.Integer(),
      budgetGroup: t.String(),
      status: t.String(),
      commandId: t.Nullable(t.String()),
      attempts: t.Integer(),
      error: t.Nullable(t.String()),
      startedAt: OptionalTimestamp,
      finishedAt: OptionalTimestamp,
      rollback: t.Nullable(t.String({ description: "after an abort with rollback: applying, done or failed" })),
    },
    { description: "one host's progress in the rollout" },
  ),
);

export const RolloutEvents = Items(
  Obj(
    {
      seq: t.Integer(),
      type: t.String(),
      hostId: t.Nullable(t.String()),
      batch: t.Nullable(t.Integer()),
      message: t.String(),
      actor: t.Nullable(t.String()),
      createdAt: Timestamp,
    },
    { description: "a rollout event" },
  ),
);
