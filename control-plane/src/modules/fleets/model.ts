import { t } from "elysia";
import { oneOf } from "../../http/params";
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
