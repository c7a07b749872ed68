import { Elysia } from "elysia";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { IdParams } from "../../http/params";
import { PolicyCreateBody, PolicyUpdateBody } from "./model";

export const safetyPoliciesController = ({ authenticator, policies }: Services) =>
  new Elysia({ prefix: "/api/v1/safety-policies", tags: ["safety-policies"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return policies.create(principal.tenantId, body);
      },
      { body: PolicyCreateBody },
    )
    .get("/", async ({ principal }) => ({ items: await policies.list(principal.tenantId) }))
    .get("/:id", ({ principal, params }) => policies.get(principal.tenantId, params.id), { params: IdParams })
    .put("/:id", ({ principal, params, body }) => policies.update(principal.tenantId, params.id, body), {
      params: IdParams,
      body: PolicyUpdateBody,
    })
    .delete("/:id", ({ principal, params }) => policies.remove(principal.tenantId, params.id), { params: IdParams });
