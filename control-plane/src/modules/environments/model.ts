import { Resource, Timestamp } from "../../http/responses";
import { t } from "elysia";

export const EnvironmentCreateBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 200 }),
  description: t.Optional(t.String({ maxLength: 2000 })),
  /** Tools (command kinds, integrations) available on hosts of this environment. */
  tools: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 200 }), { maxItems: 200 })),
  config: t.Optional(t.Record(t.String(), t.Unknown())),
  safetyPolicyIds: t.Optional(
    t.Array(t.String({ minLength: 1, maxLength: 100 }), { maxItems: 100, uniqueItems: true }),
  ),
});

export const EnvironmentUpdateBody = t.Partial(EnvironmentCreateBody);

export const EnvironmentView = Resource("an environment", { name: t.String(), createdAt: Timestamp });
