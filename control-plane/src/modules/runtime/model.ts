import { t } from "elysia";

export const IdentityCreateBody = t.Object({
  hostId: t.String({ minLength: 1, maxLength: 100 }),
  name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
});

/** The agent-facing bodies are contracts shared with the agent (proto/http/agent.ts). */
export { ExchangeBody, RuntimeRefreshBody } from "@edge/proto/http/agent";
