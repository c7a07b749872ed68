/** Worker enrollment routes: admin tokens (`/api/admin/worker-tokens`) and the worker API (`/api/workers`). */
import { Elysia } from "elysia";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireAdmin } from "../auth/authenticate";
import { WorkerRecoverBody, WorkerRefreshBody, WorkerRegisterBody, WorkerTokenCreateBody } from "./model";

export const workerTokensController = ({ authenticator, workers }: Services) =>
  new Elysia({ prefix: "/api/admin/worker-tokens", tags: ["workers"] })
    .use(requireAdmin(authenticator))
    .get("/", async ({ principal }) => ({ items: await workers.list(principal.tenantId) }))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return workers.createToken(principal, body);
      },
      { body: WorkerTokenCreateBody },
    )
    .post("/:id/revoke", ({ principal, params }) => workers.revoke(principal.tenantId, params.id), { params: IdParams })
    .get("/:id/status", ({ principal, params }) => workers.status(principal.tenantId, params.id), { params: IdParams });

/** The worker API: registration with a one-time token, refresh (rotating, reuse revokes), recovery. */
export const workerApiController = ({ workers, runtime }: Services) =>
  new Elysia({ prefix: "/api/workers", tags: ["workers"] })
    .get("/healthz", () => workers.health(), { detail: { security: [] } })
    .post(
      "/register",
      async ({ body, set }) => {
        const registered = await workers.register(body);
        set.status = 201;
        return registered;
      },
      { body: WorkerRegisterBody },
    )
    .post("/refresh-token", ({ body }) => runtime.refresh(body.refreshToken), { body: WorkerRefreshBody })
    .post("/recover", ({ body }) => runtime.recover(body), { body: WorkerRecoverBody });
