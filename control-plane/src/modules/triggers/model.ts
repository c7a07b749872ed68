import { Resource } from "../../http/responses";
import { t } from "elysia";
import { oneOf } from "../../http/params";
import { TaskCreateBody } from "../tasks/model";

/** Domain events an event trigger can react to. */
export const TRIGGER_EVENTS = [
  "host.online",
  "host.offline",
  "command.completed",
  "command.failed",
  "command.expired",
  "host.policy_lagging",
] as const;

export const TriggerCreateBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 200 }),
  kind: oneOf(["cron", "event"]),
  /** Cron expression (5 fields, or 6 with seconds first) for `cron` triggers. */
  schedule: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  /** IANA time zone the schedule is read in (default UTC). */
  timezone: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  /** Event name for `event` triggers. */
  event: t.Optional(oneOf(TRIGGER_EVENTS)),
  task: TaskCreateBody,
  enabled: t.Optional(t.Boolean()),
});

export const TriggerView = Resource("a trigger (cron schedule or event)", {
  name: t.String(),
  schedule: t.Nullable(t.String()),
});
