/** Routes: device login, token refresh/logout, API keys. */
import { Elysia } from "elysia";
import { badRequest } from "../../http/errors";
import type { Services } from "../../services";
import { requireUser } from "./authenticate";
import { IdParams } from "../../http/params";
import {
  ApiKeyCreateBody,
  DeviceApproveBody,
  DevicePollBody,
  DeviceStartBody,
  DeviceTokenAliasBody,
  LoginBody,
  RefreshBody,
} from "./model";
import { parseExpiry } from "./api-keys";

/** Routes that need no credential. */
export const publicAuthController = ({ device, userTokens, rateLimits, login, signingKeys }: Services) => {
  /** Each start writes a row: budgeted per client address (pending codes are capped too). */
  const start = (clientName: string | undefined, request: Request, server: Parameters<typeof rateLimits.source>[1]) => {
    const source = rateLimits.source(request, server);
    rateLimits.deviceStartsBySource.take(source, "too many device logins started; retry later");
    return device.start(clientName, source);
  };
  return new Elysia({ tags: ["auth"] })
    .post("/api/auth/login", ({ body, request, server }) => login.login(body, rateLimits.source(request, server)), {
      body: LoginBody,
      detail: { security: [] },
    })
    .get("/.well-known/jwks.json", () => signingKeys.jwks(), { detail: { security: [] } })
    .post("/api/auth/device/start", ({ body, request, server }) => start(body?.clientName, request, server), {
      body: DeviceStartBody,
    })
    .post("/api/auth/device/poll", ({ body }) => device.poll(body.deviceCode), { body: DevicePollBody })
    .post("/api/v1/device/code", ({ body, request, server }) => start(body?.clientName, request, server), {
      body: DeviceStartBody,
    })
    .post(
      "/api/v1/device/token",
      ({ body }) => {
        const code = body.device_code ?? body.deviceCode;
        if (!code) throw badRequest("invalid body: device_code is required");
        return device.poll(code);
      },
      { body: DeviceTokenAliasBody },
    )
    .post(
      "/api/auth/refresh",
      async ({ body }) => {
        const { pair, subject } = await userTokens.refresh(body.refreshToken);
        return { ...pair, userId: subject.userId };
      },
      { body: RefreshBody },
    )
    .post(
      "/api/auth/logout",
      async ({ body }) => {
        await userTokens.revokeByRefreshToken(body.refreshToken);
        return { ok: true };
      },
      { body: RefreshBody },
    );
};

export const userAuthController = ({ authenticator, device, apiKeys, rateLimits, audit, signingKeys }: Services) =>
  new Elysia({ tags: ["auth"] })
    .use(requireUser(authenticator))
    .post(
      "/api/auth/device/approve",
      // A user guessing user codes is limited per user, wherever the guesses come from.
      ({ principal, body }) =>
        rateLimits.guardCredential(`approve:${principal.userId}`, () =>
          device.approve(principal, body.userCode, body.approve ?? true),
        ),
      { body: DeviceApproveBody },
    )
    .post(
      "/api/v1/auth-keys",
      async ({ principal, body, set }) => {
        const key = await apiKeys.create(principal, body.name, { expiresAt: parseExpiry(body.expiresAt) });
        await audit.record({
          tenantId: principal.tenantId,
          actor: principal.userId,
          action: "token.create",
          target: key.id,
        });
        set.status = 201;
        return key;
      },
      { body: ApiKeyCreateBody },
    )
    .get("/api/v1/auth-keys", async ({ principal }) => ({ items: await apiKeys.list(principal.tenantId) }))
    .delete(
      "/api/v1/auth-keys/:id",
      async ({ principal, params }) => {
        const key = await apiKeys.revoke(principal.tenantId, params.id);
        await audit.record({
          tenantId: principal.tenantId,
          actor: principal.userId,
          action: "token.revoke",
          target: key.id,
        });
        return key;
      },
      { params: IdParams },
    )
    .post("/api/admin/signing-keys/rotate", async ({ principal }) => {
      const rotated = await signingKeys.rotate();
      await audit.record({
        tenantId: principal.tenantId,
        actor: principal.userId,
        action: "signing_key.rotate",
        target: rotated.kid,
      });
      return rotated;
    });
