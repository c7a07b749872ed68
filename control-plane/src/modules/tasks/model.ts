import { t } from "elysia";
import { PageQuery } from "../../http/params";
import { WorkStatus } from "../../http/work-item-model";

export const TaskCreateBody = t.Object({
  /** The work to do, as the agent's prompt. */
  prompt: t.String({ minLength: 1, maxLength: 20_000 }),
  environmentId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  hostId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  config: t.Optional(t.Record(t.String(), t.Unknown())),
});

export const TaskListQuery = t.Object({
  ...PageQuery,
  status: t.Optional(WorkStatus),
  hostId: t.Optional(t.String({ maxLength: 100 })),
  environmentId: t.Optional(t.String({ maxLength: 100 })),
  triggerId: t.Optional(t.String({ maxLength: 100 })),
});
