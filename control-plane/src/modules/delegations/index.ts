/** Routes: delegations (users) and delegated runtime control (runtimes). */
import { Elysia } from "elysia";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { requireRuntime } from "../runtime/authenticate";
import { DelegationCreateBody } from "./model";

export const delegationsController = ({ authenticator, delegations }: Services) =>
  new Elysia({ prefix: "/api/runtime/delegations", tags: ["delegations"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return delegations.create(principal, body);
      },
      { body: DelegationCreateBody },
    )
    .get("/", async ({ principal }) => ({ items: await delegations.list(principal.tenantId) }))
    .get("/:id", ({ principal, params }) => delegations.get(principal.tenantId, params.id), { params: IdParams })
    .delete("/:id", ({ principal, params }) => delegations.revoke(principal, params.id), { params: IdParams });

export const runtimeControlController = ({ runtime, delegations }: Services) =>
  new Elysia({ prefix: "/api/runtime/agents", tags: ["delegations"] })
    .use(requireRuntime(runtime))
    // 202: the agent has not acknowledged the request yet (it may refuse it).
    .post(
      "/:id/start",
      ({ runtime: me, params, set }) => {
        set.status = 202;
        return delegations.control(me, params.id, "start");
      },
      { params: IdParams },
    )
    .post(
      "/:id/stop",
      ({ runtime: me, params, set }) => {
        set.status = 202;
        return delegations.control(me, params.id, "stop");
      },
      { params: IdParams },
    )
    .get("/:id/status", ({ runtime: me, params }) => delegations.status(me, params.id), { params: IdParams });
