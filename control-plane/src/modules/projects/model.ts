import { t } from "elysia";

const Key = t.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z][A-Za-z0-9_-]*$" });
const AgentType = t.String({ minLength: 1, maxLength: 100, pattern: "^[A-Za-z0-9][A-Za-z0-9_.-]*$" });
const Requirements = t.Object(
  {
    labels: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 500 }))),
    capabilities: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 })),
  },
  { additionalProperties: false },
);
const Settings = t.Object(
  {
    /** What a machine must have to run this project's tasks. */
    requirements: t.Optional(Requirements),
    /** Default task priority (higher runs first). */
    priority: t.Optional(t.Integer({ minimum: -1000, maximum: 1000 })),
  },
  { additionalProperties: true },
);

const fields = {
  name: t.String({ minLength: 1, maxLength: 200 }),
  repoUrl: t.Optional(t.Nullable(t.String({ maxLength: 2000 }))),
  /** Ordered stages; checked strictly by pipeline.ts (400 naming the stage). */
  pipeline: t.Unknown(),
  agentType: t.Optional(AgentType),
  settings: t.Optional(Settings),
};

// Closed objects: a JSON array (whose indexes would pass for unknown fields) or a typo is a 400, not a no-op.
export const ProjectCreateBody = t.Object({ key: Key, ...fields }, { additionalProperties: false });
export const ProjectUpdateBody = t.Partial(t.Object(fields, { additionalProperties: false }), {
  additionalProperties: false,
});
export const ProjectKeyParams = t.Object({ key: Key });
export const ProjectKeyParamsWeb = t.Object({ projectKey: Key });
