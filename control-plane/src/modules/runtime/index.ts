/** Routes: runtime identities (users), bootstrap exchange and runtime token lifecycle (runtimes). */
import { Elysia } from "elysia";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { requireRuntime } from "./authenticate";
import { ExchangeBody, IdentityCreateBody, RuntimeRefreshBody } from "./model";

export const runtimeIdentitiesController = ({ authenticator, runtime }: Services) =>
  new Elysia({ prefix: "/api/runtime/identities", tags: ["runtime"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return runtime.createIdentity(principal, body);
      },
      { body: IdentityCreateBody },
    )
    .get("/", async ({ principal }) => ({ items: await runtime.listIdentities(principal.tenantId) }))
    .post("/:id/revoke", ({ principal, params }) => runtime.revokeIdentity(principal.tenantId, params.id), {
      params: IdParams,
    });

export const runtimeAuthController = ({ runtime, rateLimits }: Services) =>
  new Elysia({ prefix: "/api/runtime", tags: ["runtime"] })
    .post(
      "/bootstrap/exchange",
      ({ body }) => rateLimits.guardCredential(`bootstrap:${body.runtimeId}`, () => runtime.exchange(body)),
      { body: ExchangeBody },
    )
    .post("/auth/refresh", ({ body }) => runtime.refresh(body.refreshToken), { body: RuntimeRefreshBody })
    .post("/auth/revoke", ({ body }) => runtime.revokeSession(body.refreshToken), { body: RuntimeRefreshBody })
    .use(requireRuntime(runtime))
    .get("/auth/status", ({ runtime: principal }) => runtime.status(principal));
