import { Obj, Page, Resource, Timestamp } from "../../http/responses";
import { t } from "elysia";
import { PageQuery, oneOf } from "../../http/params";
import { TASK_STATUSES } from "../../lib/lifecycle";

export const TaskStatus = oneOf(TASK_STATUSES);
const Key = t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z][A-Za-z0-9_-]*$" });

export const TaskCreateBody = t.Object({
  /** The work to do, as the agent's prompt. */
  prompt: t.String({ minLength: 1, maxLength: 20_000 }),
  environmentId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  hostId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  config: t.Optional(t.Record(t.String(), t.Unknown())),
  /** Run this project's pipeline instead of the default one-stage `agent` pipeline. */
  projectKey: t.Optional(Key),
  /** Higher runs first (default: the project's, else 0). */
  priority: t.Optional(t.Integer({ minimum: -1000, maximum: 1000 })),
});

export const TaskTransitionBody = t.Object({
  status: TaskStatus,
  result: t.Optional(t.Record(t.String(), t.Unknown())),
  error: t.Optional(t.String({ maxLength: 10_000 })),
});

export const WebTaskCreateBody = t.Object({
  projectKey: Key,
  description: t.String({ minLength: 1, maxLength: 20_000 }),
  machineId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  priority: t.Optional(t.Integer({ minimum: -1000, maximum: 1000 })),
});

const Offset = {
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000 })),
  offset: t.Optional(t.Integer({ minimum: 0, maximum: 10_000_000 })),
};

export const WebTaskListQuery = t.Object({
  status: t.Optional(TaskStatus),
  projectKey: t.Optional(Key),
  machineId: t.Optional(t.String({ maxLength: 100 })),
  ...Offset,
});

export const TaskEventsQuery = t.Object({
  ...Offset,
  type: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  search: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
});
export const TaskLogsQuery = t.Object(Offset);

export const ConfirmStageBody = t.Object({
  stageIndex: t.Integer({ minimum: 0, maximum: 1000 }),
  result: t.String({ maxLength: 100_000 }),
});

export const TaskListQuery = t.Object({
  ...PageQuery,
  status: t.Optional(TaskStatus),
  machineId: t.Optional(t.String({ maxLength: 100 })),
  hostId: t.Optional(t.String({ maxLength: 100 })),
  environmentId: t.Optional(t.String({ maxLength: 100 })),
  triggerId: t.Optional(t.String({ maxLength: 100 })),
});

export const TaskView = Resource("a task", { status: t.String(), createdAt: Timestamp });
export const TaskPage = Page(TaskView);
/** `{ items, total }` lists of the web console. */
export const Counted = <T extends import("@sinclair/typebox").TSchema>(item: T) =>
  Obj({ items: t.Array(item), total: t.Integer() });
export const TaskEventView = Obj(
  { seq: t.Integer(), type: t.String(), message: t.String(), createdAt: Timestamp },
  { description: "a task event" },
);
export const TaskLogView = Obj({ line: t.String() }, { description: "a task log line" });
