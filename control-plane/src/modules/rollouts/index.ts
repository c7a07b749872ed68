/** Routes: rollouts of a target to a fleet, their progress and history, and the operator's steering. */
import { Elysia } from "elysia";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { AnyObject, responses } from "../../http/responses";
import { RolloutActionBody, RolloutCreateBody, RolloutEventsQuery, RolloutHostsQuery, RolloutListQuery } from "./model";

export const rolloutsController = ({ authenticator, rollouts }: Services) =>
  new Elysia({ prefix: "/api/v1/rollouts", tags: ["rollouts"] })
    .use(requireUser(authenticator))
    // Every answer is a JSON object (the resource, a page or a summary) or the error model.
    .guard({ response: responses({ 200: AnyObject, 201: AnyObject }) })
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return rollouts.create(principal.tenantId, principal.userId, body);
      },
      { body: RolloutCreateBody },
    )
    .get("/", ({ principal, query }) => rollouts.list(principal.tenantId, query), { query: RolloutListQuery })
    .get("/:id", ({ principal, params }) => rollouts.get(principal.tenantId, params.id), { params: IdParams })
    .get("/:id/hosts", ({ principal, params, query }) => rollouts.hosts(principal.tenantId, params.id, query), {
      params: IdParams,
      query: RolloutHostsQuery,
    })
    .get("/:id/events", ({ principal, params, query }) => rollouts.history(principal.tenantId, params.id, query), {
      params: IdParams,
      query: RolloutEventsQuery,
    })
    .post(
      "/:id/pause",
      ({ principal, params, body }) => rollouts.pause(principal.tenantId, params.id, principal.userId, body?.reason),
      { params: IdParams, body: RolloutActionBody },
    )
    .post("/:id/resume", ({ principal, params }) => rollouts.resume(principal.tenantId, params.id, principal.userId), {
      params: IdParams,
    })
    .post(
      "/:id/abort",
      ({ principal, params, body }) => rollouts.abort(principal.tenantId, params.id, principal.userId, body?.reason),
      { params: IdParams, body: RolloutActionBody },
    )
    .post(
      "/:id/approve",
      ({ principal, params }) => rollouts.approve(principal.tenantId, params.id, principal.userId),
      {
        params: IdParams,
      },
    )
    .delete("/:id", ({ principal, params }) => rollouts.remove(principal.tenantId, params.id), { params: IdParams });
