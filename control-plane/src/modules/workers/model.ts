import { t } from "elysia";
import { Resource } from "../../http/responses";

export const WorkerTokenCreateBody = t.Object(
  {
    name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
    ttlSeconds: t.Optional(t.Integer({ minimum: 60, maximum: 365 * 24 * 3600 })),
  },
  { additionalProperties: false },
);

export const WorkerRegisterBody = t.Object({
  /** The worker's own stable id (e.g. its hostname or /etc/machine-id): registering again links the same machine. */
  machineId: t.String({ minLength: 1, maxLength: 200, pattern: "^[A-Za-z0-9][A-Za-z0-9._:-]*$" }),
  token: t.String({ minLength: 1, maxLength: 200 }),
  name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  capabilities: t.Optional(t.Array(t.String({ minLength: 1, maxLength: 100 }), { maxItems: 100 })),
  labels: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 500 }))),
  hardware: t.Optional(
    t.Record(t.String({ maxLength: 100 }), t.Union([t.String({ maxLength: 500 }), t.Number(), t.Boolean()])),
  ),
  maxConcurrentTasks: t.Optional(t.Integer({ minimum: 0, maximum: 1000 })),
  runtimeVersion: t.Optional(t.String({ maxLength: 100 })),
});

export const WorkerRefreshBody = t.Object({ refreshToken: t.String({ minLength: 1, maxLength: 500 }) });
export const WorkerRecoverBody = t.Object({
  runtimeId: t.String({ minLength: 1, maxLength: 100 }),
  recoverySecret: t.String({ minLength: 1, maxLength: 500 }),
});

export const WorkerTokenView = Resource("a worker enrollment token (the secret is shown once, on creation)");
