import { Elysia } from "elysia";
import { Deleted, Items, responses } from "../../http/responses";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { EnvironmentCreateBody, EnvironmentUpdateBody, EnvironmentView } from "./model";

export const environmentsController = ({ authenticator, environments }: Services) =>
  new Elysia({ prefix: "/api/v1/environments", tags: ["environments"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return environments.create(principal.tenantId, body);
      },
      { response: responses({ 201: EnvironmentView }), body: EnvironmentCreateBody },
    )
    .get("/", async ({ principal }) => ({ items: await environments.list(principal.tenantId) }), {
      response: responses({ 200: Items(EnvironmentView) }),
    })
    .get("/:id", ({ principal, params }) => environments.get(principal.tenantId, params.id), {
      response: responses({ 200: EnvironmentView }),
      params: IdParams,
    })
    .put("/:id", ({ principal, params, body }) => environments.update(principal.tenantId, params.id, body), {
      response: responses({ 200: EnvironmentView }),
      params: IdParams,
      body: EnvironmentUpdateBody,
    })
    .delete("/:id", ({ principal, params }) => environments.remove(principal.tenantId, params.id), {
      response: responses({ 200: Deleted }),
      params: IdParams,
    });
