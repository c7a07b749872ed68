import { t } from "elysia";
import { Resource } from "../../http/responses";

export const DELEGATION_SCOPES = ["start", "stop", "status"] as const;
export type DelegationScope = (typeof DELEGATION_SCOPES)[number];

export const DelegationCreateBody = t.Object({
  /** The agent (host id) that will act. */
  controllerAgentId: t.String({ minLength: 1, maxLength: 100 }),
  /** The agent (host id) it may act on. */
  targetAgentId: t.String({ minLength: 1, maxLength: 100 }),
  scopes: t.Array(t.Union(DELEGATION_SCOPES.map((s) => t.Literal(s))), { minItems: 1, uniqueItems: true }),
  /** Lifetime; default one hour, at most 30 days. */
  ttlSeconds: t.Optional(t.Integer({ minimum: 1, maximum: 30 * 24 * 3600 })),
});

export const DelegationView = Resource("a delegation: one agent may control another within scopes", {
  controllerAgentId: t.String(),
  targetAgentId: t.String(),
});
