import { t } from "elysia";
import { oneOf } from "../../http/params";
import { HOST_STATUSES } from "../../db/schema";
import { COMMAND_STATUSES } from "../../lib/lifecycle";
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
