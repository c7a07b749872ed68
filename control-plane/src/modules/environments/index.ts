import { Elysia } from "elysia";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { EnvironmentCreateBody, EnvironmentUpdateBody } from "./model";

export const environmentsController = ({ authenticator, environments }: Services) =>
  new Elysia({ prefix: "/api/v1/environments", tags: ["environments"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return environments.create(principal.tenantId, body);
      },
      { body: EnvironmentCreateBody },
    )
    .get("/", async ({ principal }) => ({ items: await environments.list(principal.tenantId) }))
    .get("/:id", ({ principal, params }) => environments.get(principal.tenantId, params.id), { params: IdParams })
    .put("/:id", ({ principal, params, body }) => environments.update(principal.tenantId, params.id, body), {
      params: IdParams,
      body: EnvironmentUpdateBody,
    })
    .delete("/:id", ({ principal, params }) => environments.remove(principal.tenantId, params.id), {
      params: IdParams,
    });
