import { t } from "elysia";
import { PageQuery } from "../../http/params";
import { WorkStatus } from "../../http/work-item-model";

export const CommandCreateBody = t.Object({
  hostId: t.String({ minLength: 1, maxLength: 100 }),
  /** What to run, e.g. `exec`, `move`; the agent's registry and safety policies decide. */
  kind: t.String({ minLength: 1, maxLength: 100, pattern: "^[a-z][a-z0-9_.-]*$" }),
  params: t.Optional(t.Record(t.String(), t.Unknown())),
  timeoutMs: t.Optional(t.Integer({ minimum: 1, maximum: 86_400_000 })),
});

export const CommandListQuery = t.Object({
  ...PageQuery,
  status: t.Optional(WorkStatus),
  hostId: t.Optional(t.String({ maxLength: 100 })),
});
