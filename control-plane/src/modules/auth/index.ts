/** Routes: device login, token refresh/logout, API keys. */
import { Elysia, t } from "elysia";
import { Items, Obj, Ok, Resource, responses, TokenPairView } from "../../http/responses";
import { invalid } from "../../lib/errors";
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
import { ApiKeyView } from "../people/model";

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
      response: responses({ 200: Obj({ ...TokenPairView.properties, userId: t.String() }) }),
      body: LoginBody,
      detail: { security: [] },
    })
    .get("/.well-known/jwks.json", () => signingKeys.jwks(), { detail: { security: [] } })
    .post("/api/auth/device/start", ({ body, request, server }) => start(body?.clientName, request, server), {
      response: responses({
        200: Obj({
          deviceCode: t.String(),
          userCode: t.String(),
          verificationUri: t.String(),
          interval: t.Integer(),
          expiresIn: t.Integer(),
        }),
      }),
      body: DeviceStartBody,
    })
    .post("/api/auth/device/poll", ({ body }) => device.poll(body.deviceCode), {
      response: responses({
        200: Obj({ status: t.String({ description: "authorization_pending, or authorized with the tokens" }) }),
      }),
      body: DevicePollBody,
    })
    .post("/api/v1/device/code", ({ body, request, server }) => start(body?.clientName, request, server), {
      response: responses({
        200: Obj({
          deviceCode: t.String(),
          userCode: t.String(),
          verificationUri: t.String(),
          interval: t.Integer(),
          expiresIn: t.Integer(),
        }),
      }),
      body: DeviceStartBody,
    })
    .post(
      "/api/v1/device/token",
      ({ body }) => {
        const code = body.device_code ?? body.deviceCode;
        if (!code) throw invalid("invalid body: device_code is required");
        return device.poll(code);
      },
      {
        response: responses({
          200: Obj({ status: t.String({ description: "authorization_pending, or authorized with the tokens" }) }),
        }),
        body: DeviceTokenAliasBody,
      },
    )
    .post(
      "/api/auth/refresh",
      async ({ body }) => {
        const { pair, subject } = await userTokens.refresh(body.refreshToken);
        return { ...pair, userId: subject.userId };
      },
      { response: responses({ 200: TokenPairView }), body: RefreshBody },
    )
    .post(
      "/api/auth/logout",
      async ({ body }) => {
        await userTokens.revokeByRefreshToken(body.refreshToken);
        return { ok: true };
      },
      { response: responses({ 200: Ok }), body: RefreshBody },
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
      { response: responses({ 200: Obj({ userCode: t.String(), status: t.String() }) }), body: DeviceApproveBody },
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
      {
        response: responses({
          201: Resource("an API key; `key` is shown once", { name: t.String(), key: t.String() }),
        }),
        body: ApiKeyCreateBody,
      },
    )
    .get("/api/v1/auth-keys", async ({ principal }) => ({ items: await apiKeys.list(principal.tenantId) }), {
      response: responses({ 200: Items(Resource("an API key", { name: t.String() })) }),
    })
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
      { params: IdParams, response: responses({ 200: ApiKeyView }) },
    )
    .post(
      "/api/admin/signing-keys/rotate",
      async ({ principal }) => {
        const rotated = await signingKeys.rotate();
        await audit.record({
          tenantId: principal.tenantId,
          actor: principal.userId,
          action: "signing_key.rotate",
          target: rotated.kid,
        });
        return rotated;
      },
      { response: responses({ 200: Obj({ kid: t.String() }) }) },
    );
