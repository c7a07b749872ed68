import { t } from "elysia";
import { oneOf } from "../../http/params";
import { Obj, OptionalTimestamp, Page, Resource, Timestamp } from "../../http/responses";
import { HOST_STATUSES } from "../../db/schema";
import { COMMAND_STATUSES, TASK_STATUSES } from "../../lib/lifecycle";
import { SELECTOR_OPERATORS } from "./selector";

export const LabelSelectorSchema = t.Object(
  {
    matchLabels: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 500 }))),
    matchExpressions: t.Optional(
      t.Array(
        t.Object(
          {
            key: t.String({ minLength: 1, maxLength: 100 }),
            operator: oneOf(SELECTOR_OPERATORS),
            values: t.Optional(t.Array(t.String({ maxLength: 500 }), { maxItems: 100 })),
          },
          { additionalProperties: false },
        ),
        { maxItems: 32 },
      ),
    ),
  },
  { additionalProperties: false },
);

export const FleetCreateBody = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 200 }),
    description: t.Optional(t.String({ maxLength: 2000 })),
    selector: LabelSelectorSchema,
  },
  { additionalProperties: false },
);

export const FleetUpdateBody = t.Object(
  {
    name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
    description: t.Optional(t.String({ maxLength: 2000 })),
    selector: t.Optional(LabelSelectorSchema),
  },
  { additionalProperties: false },
);

export const FleetHostsQuery = t.Object({
  status: t.Optional(oneOf(HOST_STATUSES)),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
  /** The last host name of the previous page. */
  cursor: t.Optional(t.String({ maxLength: 200 })),
});

const commandFields = {
  kind: t.String({ minLength: 1, maxLength: 100, pattern: "^[a-z][a-z0-9_.-]*$" }),
  params: t.Optional(t.Record(t.String(), t.Unknown())),
  timeoutMs: t.Optional(t.Integer({ minimum: 1, maximum: 86_400_000 })),
  ttlSeconds: t.Optional(t.Integer({ minimum: 1, maximum: 30 * 86_400 })),
};

export const FleetCommandBody = t.Object(commandFields, { additionalProperties: false });

/** A batch over hosts chosen by a selector in the request (no fleet needed). */
export const CommandBatchCreateBody = t.Object(
  { ...commandFields, selector: LabelSelectorSchema },
  { additionalProperties: false },
);

export const BatchCommandsQuery = t.Object({
  status: t.Optional(oneOf(COMMAND_STATUSES)),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
  cursor: t.Optional(t.String({ maxLength: 200 })),
});

const taskFields = {
  /** The work to do, as the agent's prompt (every host gets the same task). */
  prompt: t.String({ minLength: 1, maxLength: 20_000 }),
  /** Run this project's pipeline instead of the default one-stage `agent` pipeline. */
  projectKey: t.Optional(t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z][A-Za-z0-9_-]*$" })),
  config: t.Optional(t.Record(t.String(), t.Unknown())),
  priority: t.Optional(t.Integer({ minimum: -1000, maximum: 1000 })),
};

/** `POST /api/v1/fleets/:id/tasks`: one task per member host, pinned to it. */
export const FleetTaskBody = t.Object(taskFields, { additionalProperties: false });

/** A task batch over hosts chosen by a selector in the request (no fleet needed). */
export const TaskBatchCreateBody = t.Object(
  { ...taskFields, selector: LabelSelectorSchema },
  { additionalProperties: false },
);

export const BatchTasksQuery = t.Object({
  status: t.Optional(oneOf(TASK_STATUSES)),
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
  cursor: t.Optional(t.String({ maxLength: 200 })),
});

// ---------------------------------------------------------------- responses

const Selector = Obj({}, { description: "a label selector: matchLabels and matchExpressions" });

export const FleetView = Resource("a fleet: a named label selector", {
  name: t.String(),
  description: t.String(),
  selector: Selector,
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

const HostCounts = Obj({
  total: t.Integer(),
  online: t.Integer(),
  offline: t.Integer(),
  maintenance: t.Integer(),
  error: t.Integer(),
});

export const FleetHostsView = Obj(
  {
    counts: HostCounts,
    items: t.Array(
      Obj({
        id: t.String(),
        name: t.String(),
        status: t.String(),
        labels: t.Record(t.String(), t.String()),
        agentVersion: t.Nullable(t.String()),
        lastSeenAt: OptionalTimestamp,
      }),
    ),
    nextCursor: t.Nullable(t.String()),
  },
  { description: "the fleet's member hosts now, by name, and their counts by status" },
);

const Skipped = t.Array(Obj({ hostId: t.String(), reason: t.String() }));

const batchFields = {
  fleetId: t.Nullable(t.String()),
  selector: Selector,
  hostCount: t.Integer(),
  skipped: Skipped,
  createdBy: t.String(),
  cancelledAt: OptionalTimestamp,
  createdAt: Timestamp,
};

export const CommandBatchView = Resource("a fleet-wide command: one command per matching host", {
  ...batchFields,
  kind: t.String(),
  params: Obj({}),
});

export const CommandBatchSummary = Obj({
  total: t.Integer(),
  completed: t.Integer(),
  failed: t.Integer(),
  pending: t.Integer(),
  running: t.Integer(),
  offline: t.Integer(),
  cancelled: t.Integer(),
  expired: t.Integer(),
});

export const CommandBatchWithSummary = Resource("a command batch and its summary", {
  ...CommandBatchView.properties,
  summary: CommandBatchSummary,
  cancelled: t.Optional(t.Integer({ description: "cancel: how many commands this request cancelled" })),
});

export const BatchCommandsPage = Page(
  Obj(
    {
      commandId: t.String(),
      hostId: t.String(),
      hostName: t.String(),
      hostStatus: t.String(),
      status: t.String(),
      result: t.Unknown(),
      error: t.Nullable(t.String()),
      startedAt: OptionalTimestamp,
      finishedAt: OptionalTimestamp,
    },
    { description: "one host's command of the batch" },
  ),
);

export const TaskBatchView = Resource("a fleet-wide task: one task per matching host, pinned to it", {
  ...batchFields,
  template: Obj({ prompt: t.String() }),
});

export const TaskBatchSummary = Obj({
  total: t.Integer(),
  completed: t.Integer(),
  failed: t.Integer(),
  cancelled: t.Integer(),
  pending: t.Integer(),
  running: t.Integer(),
  offline: t.Integer(),
});

export const TaskBatchWithSummary = Resource("a task batch and its summary", {
  ...TaskBatchView.properties,
  summary: TaskBatchSummary,
  cancelled: t.Optional(t.Integer({ description: "cancel: how many tasks this request cancelled" })),
});

export const BatchTasksPage = Page(
  Obj(
    {
      taskId: t.String(),
      hostId: t.String(),
      hostName: t.String(),
      hostStatus: t.String(),
      status: t.String(),
      stageIndex: t.Integer(),
      result: t.Unknown(),
      error: t.Nullable(t.String()),
      startedAt: OptionalTimestamp,
      finishedAt: OptionalTimestamp,
    },
    { description: "one host's task of the batch" },
  ),
);
