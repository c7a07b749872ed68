/** Routes: rollouts of a target to a fleet, their progress and history, and the operator's steering. */
import { Elysia } from "elysia";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { Deleted, Page, responses } from "../../http/responses";
import {
  RolloutAbortBody,
  RolloutActionBody,
  RolloutCreateBody,
  RolloutDetail,
  RolloutEvents,
  RolloutEventsQuery,
  RolloutHostsPage,
  RolloutHostsQuery,
  RolloutListQuery,
  RolloutView,
} from "./model";

export const rolloutsController = ({ authenticator, rollouts }: Services) =>
  new Elysia({ prefix: "/api/v1/rollouts", tags: ["rollouts"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return rollouts.create(principal.tenantId, principal.userId, body);
      },
      { body: RolloutCreateBody, response: responses({ 201: RolloutView }) },
    )
    .get("/", ({ principal, query }) => rollouts.list(principal.tenantId, query), {
      query: RolloutListQuery,
      response: responses({ 200: Page(RolloutView) }),
    })
    .get("/:id", ({ principal, params }) => rollouts.get(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: RolloutDetail }),
    })
    .get("/:id/hosts", ({ principal, params, query }) => rollouts.hosts(principal.tenantId, params.id, query), {
      params: IdParams,
      query: RolloutHostsQuery,
      response: responses({ 200: RolloutHostsPage }),
    })
    .get("/:id/events", ({ principal, params, query }) => rollouts.history(principal.tenantId, params.id, query), {
      params: IdParams,
      query: RolloutEventsQuery,
      response: responses({ 200: RolloutEvents }),
    })
    .post(
      "/:id/pause",
      ({ principal, params, body }) => rollouts.pause(principal.tenantId, params.id, principal.userId, body?.reason),
      { params: IdParams, body: RolloutActionBody, response: responses({ 200: RolloutDetail }) },
    )
    .post("/:id/resume", ({ principal, params }) => rollouts.resume(principal.tenantId, params.id, principal.userId), {
      params: IdParams,
      response: responses({ 200: RolloutDetail }),
    })
    .post(
      "/:id/abort",
      ({ principal, params, body }) =>
        rollouts.abort(principal.tenantId, params.id, principal.userId, body?.reason, body?.rollback ?? false),
      { params: IdParams, body: RolloutAbortBody, response: responses({ 200: RolloutDetail }) },
    )
    .post(
      "/:id/approve",
      ({ principal, params }) => rollouts.approve(principal.tenantId, params.id, principal.userId),
      { params: IdParams, response: responses({ 200: RolloutDetail }) },
    )
    .delete("/:id", ({ principal, params }) => rollouts.remove(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: Deleted }),
    });
