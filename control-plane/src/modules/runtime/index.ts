/** Routes: runtime identities (users), bootstrap exchange and runtime token lifecycle (runtimes). */
import { Elysia, t } from "elysia";
import { Items, Obj, OptionalTimestamp, responses, Timestamp } from "../../http/responses";
import { Acknowledged, RuntimeTokenResponse } from "@edge/proto/http/agent";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { requireRuntime } from "./authenticate";
import { ExchangeBody, IdentityCreateBody, RuntimeRefreshBody } from "./model";

const RuntimeIdentityView = Obj(
  {
    runtimeId: t.String(),
    hostId: t.String(),
    agentId: t.String(),
    name: t.Nullable(t.String()),
    runtimeVersion: t.Nullable(t.String()),
    status: t.String({ description: "awaiting_bootstrap | active | revoked" }),
    revokedAt: OptionalTimestamp,
    createdAt: Timestamp,
  },
  { description: "a runtime identity (an agent's credentials for one host)" },
);

export const runtimeIdentitiesController = ({ authenticator, runtime }: Services) =>
  new Elysia({ prefix: "/api/runtime/identities", tags: ["runtime"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return runtime.createIdentity(principal, body);
      },
      {
        response: responses({ 201: Obj({ runtimeId: t.String(), hostId: t.String(), bootstrapToken: t.String() }) }),
        body: IdentityCreateBody,
      },
    )
    .get("/", async ({ principal }) => ({ items: await runtime.listIdentities(principal.tenantId) }), {
      response: responses({ 200: Items(RuntimeIdentityView) }),
    })
    .post("/:id/revoke", ({ principal, params }) => runtime.revokeIdentity(principal.tenantId, params.id), {
      response: responses({ 200: RuntimeIdentityView }),
      params: IdParams,
    });

export const runtimeAuthController = ({ runtime, rateLimits }: Services) =>
  new Elysia({ prefix: "/api/runtime", tags: ["runtime"] })
    .post(
      "/bootstrap/exchange",
      ({ body }) => rateLimits.guardCredential(`bootstrap:${body.runtimeId}`, () => runtime.exchange(body)),
      { response: responses({ 200: RuntimeTokenResponse }), body: ExchangeBody },
    )
    .post("/auth/refresh", ({ body }) => runtime.refresh(body.refreshToken), {
      response: responses({ 200: RuntimeTokenResponse }),
      body: RuntimeRefreshBody,
    })
    .post("/auth/revoke", ({ body }) => runtime.revokeSession(body.refreshToken), {
      response: responses({ 200: Acknowledged }),
      body: RuntimeRefreshBody,
    })
    .use(requireRuntime(runtime))
    .get("/auth/status", ({ runtime: principal }) => runtime.status(principal), {
      response: responses({ 200: Obj({ ok: t.Boolean(), runtimeId: t.String(), hostId: t.String() }) }),
    });
