import { Elysia, t } from "elysia";
import { Deleted, Items, responses } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { IdParams, oneOf } from "../../http/params";
import { PendingApproval, PolicyCreateBody, PolicyUpdateBody, PolicyView, ProposalView } from "./model";

export const safetyPoliciesController = ({ authenticator, policies }: Services) =>
  new Elysia({ prefix: "/api/v1/safety-policies", tags: ["safety-policies"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return policies.create(principal.tenantId, body);
      },
      { response: responses({ 201: PolicyView }), body: PolicyCreateBody },
    )
    .get("/", async ({ principal }) => ({ items: await policies.list(principal.tenantId) }), {
      response: responses({ 200: Items(PolicyView) }),
    })
    // Two-person rule: loosening changes wait here for a different user's approval.
    .get(
      "/proposals",
      async ({ principal, query }) => ({ items: await policies.proposals(principal.tenantId, query.status) }),
      {
        response: responses({ 200: Items(ProposalView) }),
        query: t.Object({ status: t.Optional(oneOf(["pending", "approved", "rejected"])) }),
      },
    )
    .post(
      "/proposals/:id/approve",
      ({ principal, params }) => policies.decide(principal.tenantId, params.id, principal.userId, "approved"),
      { response: responses({ 200: ProposalView }), params: IdParams },
    )
    .post(
      "/proposals/:id/reject",
      ({ principal, params }) => policies.decide(principal.tenantId, params.id, principal.userId, "rejected"),
      { response: responses({ 200: ProposalView }), params: IdParams },
    )
    .get("/:id", ({ principal, params }) => policies.get(principal.tenantId, params.id), {
      response: responses({ 200: PolicyView }),
      params: IdParams,
    })
    .put(
      "/:id",
      async ({ principal, params, body, set }) => {
        const result = await policies.update(principal.tenantId, params.id, body, principal.userId);
        if ("proposal" in result) set.status = 202;
        return result;
      },
      { response: responses({ 200: PolicyView, 202: PendingApproval }), params: IdParams, body: PolicyUpdateBody },
    )
    .delete(
      "/:id",
      async ({ principal, params, set }) => {
        const result = await policies.remove(principal.tenantId, params.id, principal.userId);
        if ("proposal" in result) set.status = 202;
        return result;
      },
      { response: responses({ 200: Deleted, 202: PendingApproval }), params: IdParams },
    );
