import { Elysia } from "elysia";
import { Deleted, Items, responses } from "../../http/responses";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import {
  HostCreateBody,
  HostLabelsPatchBody,
  HostListQuery,
  HostStatusBody,
  HostUpdateBody,
  HostView,
  TelemetryPointView,
  TelemetryQuery,
} from "./model";

export const hostsController = ({ authenticator, hosts, safety }: Services) =>
  new Elysia({ prefix: "/api/v1/hosts", tags: ["hosts"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return hosts.register(principal.tenantId, body);
      },
      { body: HostCreateBody, response: responses({ 201: HostView }) },
    )
    .get("/", async ({ principal, query }) => ({ items: await hosts.list(principal.tenantId, query) }), {
      query: HostListQuery,
      response: responses({ 200: Items(HostView) }),
    })
    // With the safety state the agent acknowledged: emergency stop and policy version (desired / enforced).
    .get(
      "/:id",
      async ({ principal, params }) => ({
        ...(await hosts.get(principal.tenantId, params.id)),
        ...(await safety.stateOf(principal.tenantId, params.id)),
      }),
      { params: IdParams, response: responses({ 200: HostView }) },
    )
    .put("/:id", ({ principal, params, body }) => hosts.update(principal.tenantId, params.id, body), {
      params: IdParams,
      body: HostUpdateBody,
      response: responses({ 200: HostView }),
    })
    .patch(
      "/:id/labels",
      ({ principal, params, body }) => hosts.patchLabels(principal.tenantId, params.id, body.labels),
      { params: IdParams, body: HostLabelsPatchBody, response: responses({ 200: HostView }) },
    )
    .put("/:id/status", ({ principal, params, body }) => hosts.setStatus(principal.tenantId, params.id, body.status), {
      params: IdParams,
      body: HostStatusBody,
      response: responses({ 200: HostView }),
    })
    .get(
      "/:id/telemetry",
      async ({ principal, params, query }) => ({ items: await hosts.telemetry(principal.tenantId, params.id, query) }),
      {
        params: IdParams,
        query: TelemetryQuery,
        response: responses({ 200: Items(TelemetryPointView) }),
      },
    )
    .delete("/:id", ({ principal, params }) => hosts.remove(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: Deleted }),
    });
