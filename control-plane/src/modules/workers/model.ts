import { t } from "elysia";
import { Resource } from "../../http/responses";

export const WorkerTokenCreateBody = t.Object(
  {
    name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
    ttlSeconds: t.Optional(t.Integer({ minimum: 60, maximum: 365 * 24 * 3600 })),
  },
  { additionalProperties: false },
);

/** The agent-facing bodies are contracts shared with the agent (proto/http/agent.ts). */
export {
  WorkerRegisterBody,
  WorkerRecoverBody,
  RuntimeRefreshBody as WorkerRefreshBody,
} from "@edge/proto/http/agent";

export const WorkerTokenView = Resource("a worker enrollment token (the secret is shown once, on creation)");
