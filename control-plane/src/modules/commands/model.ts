import { t } from "elysia";
import { PageQuery } from "../../http/params";
import { OptionalTimestamp, Resource, Timestamp } from "../../http/responses";
import { WorkStatus } from "../../http/work-item-model";

export const CommandCreateBody = t.Object({
  hostId: t.String({ minLength: 1, maxLength: 100 }),
  /** What to run, e.g. `exec`, `move`; the agent's registry and safety policies decide. */
  kind: t.String({ minLength: 1, maxLength: 100, pattern: "^[a-z][a-z0-9_.-]*$" }),
  params: t.Optional(t.Record(t.String(), t.Unknown())),
  timeoutMs: t.Optional(t.Integer({ minimum: 1, maximum: 86_400_000 })),
  /** Deadline to start by (ISO 8601); not started by then = `expired`, never run. At most one of notAfter / ttlSeconds. */
  notAfter: t.Optional(t.String({ format: "date-time", maxLength: 64 })),
  /** Deadline relative to creation; default: the host environment's `config.commandTtlSeconds`, if any. */
  ttlSeconds: t.Optional(t.Integer({ minimum: 1, maximum: 30 * 86_400 })),
});

export const CommandListQuery = t.Object({
  ...PageQuery,
  status: t.Optional(WorkStatus),
  hostId: t.Optional(t.String({ maxLength: 100 })),
});

export const CommandView = Resource("a command for one host", {
  hostId: t.String(),
  kind: t.String(),
  params: t.Record(t.String(), t.Unknown()),
  status: WorkStatus,
  result: t.Nullable(t.Record(t.String(), t.Unknown())),
  error: t.Nullable(t.String()),
  timeoutMs: t.Nullable(t.Integer()),
  notAfter: OptionalTimestamp,
  createdAt: Timestamp,
});
