import { Elysia } from "elysia";
import { Deleted, Items, responses } from "../../http/responses";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { TriggerCreateBody, TriggerView } from "./model";

export const triggersController = ({ authenticator, triggers }: Services) =>
  new Elysia({ prefix: "/api/v1/triggers", tags: ["triggers"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return triggers.create(principal.tenantId, body);
      },
      { response: responses({ 201: TriggerView }), body: TriggerCreateBody },
    )
    .get("/", async ({ principal }) => ({ items: await triggers.list(principal.tenantId) }), {
      response: responses({ 200: Items(TriggerView) }),
    })
    .delete("/:id", ({ principal, params }) => triggers.remove(principal.tenantId, params.id), {
      response: responses({ 200: Deleted }),
      params: IdParams,
    });
