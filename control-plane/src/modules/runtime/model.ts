import { t } from "elysia";

export const IdentityCreateBody = t.Object({
  hostId: t.String({ minLength: 1, maxLength: 100 }),
  name: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
});

export const ExchangeBody = t.Object({
  runtimeId: t.String({ minLength: 1, maxLength: 100 }),
  bootstrapToken: t.String({ minLength: 1, maxLength: 500 }),
  runtimeVersion: t.Optional(t.String({ maxLength: 100 })),
  /** The host's own labels (the agent's --label): stored on the host; labels an operator set win. */
  labels: t.Optional(t.Record(t.String({ maxLength: 100 }), t.String({ maxLength: 500 }), { maxProperties: 32 })),
});

export const RuntimeRefreshBody = t.Object({ refreshToken: t.String({ minLength: 1, maxLength: 500 }) });
