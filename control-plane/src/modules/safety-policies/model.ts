import { Obj, Resource } from "../../http/responses";
import { t } from "elysia";

/**
 * Rules arrive as a plain object and are checked against the agent's own `PolicyRulesSchema`
 * in the service: Elysia would silently strip unknown keys, and a misspelt safety rule must be refused.
 */
const Rules = t.Record(t.String(), t.Unknown(), {
  description:
    "Safety rules (edge-agent/src/policy/rules.ts): allowedKinds, deniedKinds, exec, paramBounds, rateLimit, maxConcurrent, timeWindows",
});

export const PolicyCreateBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 200 }),
  description: t.Optional(t.String({ maxLength: 2000 })),
  enabled: t.Optional(t.Boolean()),
  rules: Rules,
});

export const PolicyUpdateBody = t.Partial(PolicyCreateBody);

export const PolicyView = Resource("a safety policy", {
  name: t.String(),
  enabled: t.Boolean(),
  rules: t.Unknown(),
  version: t.Integer(),
});
export const ProposalView = Resource("a change waiting for a second person's approval", { status: t.String() });
export const PendingApproval = Obj(
  { status: t.Literal("pending_approval"), proposal: ProposalView },
  { description: "202: the change loosens safety and waits for another user's approval" },
);
