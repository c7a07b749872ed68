import { t } from "elysia";

export const DeviceStartBody = t.Optional(t.Object({ clientName: t.Optional(t.String({ maxLength: 200 })) }));
export const DevicePollBody = t.Object({ deviceCode: t.String({ minLength: 1, maxLength: 200 }) });
/** `/api/v1/device/token` accepts the OAuth spelling too. */
export const DeviceTokenAliasBody = t.Object({
  device_code: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
  deviceCode: t.Optional(t.String({ minLength: 1, maxLength: 200 })),
});
export const DeviceApproveBody = t.Object({
  userCode: t.String({ minLength: 1, maxLength: 20 }),
  /** `false` denies the request. */
  approve: t.Optional(t.Boolean()),
});
export const RefreshBody = t.Object({ refreshToken: t.String({ minLength: 1, maxLength: 500 }) });
export const ApiKeyCreateBody = t.Object({
  name: t.String({ minLength: 1, maxLength: 200 }),
  /** ISO 8601; the key is refused from then on. */
  expiresAt: t.Optional(t.String({ minLength: 1, maxLength: 40 })),
});
export const LoginBody = t.Object({
  username: t.String({ minLength: 1, maxLength: 200 }),
  password: t.String({ minLength: 1, maxLength: 1024 }),
  totpCode: t.Optional(t.String({ minLength: 1, maxLength: 12 })),
});
