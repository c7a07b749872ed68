/** Worker enrollment routes: admin tokens (`/api/admin/worker-tokens`) and the worker API (`/api/workers`). */
import { Elysia, t } from "elysia";
import { Items, Obj, responses } from "../../http/responses";
import { RuntimeTokenResponse, WorkerRegistered, WorkerTokenResponse } from "@edge/proto/http/agent";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireAdmin } from "../auth/authenticate";
import {
  WorkerRecoverBody,
  WorkerRefreshBody,
  WorkerRegisterBody,
  WorkerTokenCreateBody,
  WorkerTokenView,
} from "./model";

export const workerTokensController = ({ authenticator, workers }: Services) =>
  new Elysia({ prefix: "/api/admin/worker-tokens", tags: ["workers"] })
    .use(requireAdmin(authenticator))
    .get("/", async ({ principal }) => ({ items: await workers.list(principal.tenantId) }), {
      response: responses({ 200: Items(WorkerTokenView) }),
    })
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return workers.createToken(principal, body);
      },
      { response: responses({ 201: WorkerTokenView }), body: WorkerTokenCreateBody },
    )
    .post("/:id/revoke", ({ principal, params }) => workers.revoke(principal.tenantId, params.id), {
      response: responses({ 200: WorkerTokenView }),
      params: IdParams,
    })
    .get("/:id/status", ({ principal, params }) => workers.status(principal.tenantId, params.id), {
      response: responses({ 200: WorkerTokenView }),
      params: IdParams,
    });

/** The worker API: registration with a one-time token, refresh (rotating, reuse revokes), recovery. */
export const workerApiController = ({ workers, runtime }: Services) =>
  new Elysia({ prefix: "/api/workers", tags: ["workers"] })
    .get("/healthz", () => workers.health(), {
      response: responses({ 200: Obj({ status: t.String(), connectedWorkers: t.Integer() }) }),
      detail: { security: [] },
    })
    .post(
      "/register",
      async ({ body, set }) => {
        const registered = await workers.register(body);
        set.status = 201;
        return registered;
      },
      {
        response: responses({ 201: WorkerRegistered }),
        body: WorkerRegisterBody,
      },
    )
    .post("/refresh-token", ({ body }) => runtime.refresh(body.refreshToken), {
      response: responses({ 200: RuntimeTokenResponse }),
      body: WorkerRefreshBody,
    })
    .post("/recover", ({ body }) => runtime.recover(body), {
      response: responses({ 200: WorkerTokenResponse }),
      body: WorkerRecoverBody,
    });
