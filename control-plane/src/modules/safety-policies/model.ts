import { t } from "elysia";
import { PolicyRulesSchema } from "../../../../edge-agent/src/policy/rules";

export const PolicyCreateBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 200 }),
  description: t.Optional(t.String({ maxLength: 2000 })),
  enabled: t.Optional(t.Boolean()),
  rules: PolicyRulesSchema,
});

export const PolicyUpdateBody = t.Partial(PolicyCreateBody);
