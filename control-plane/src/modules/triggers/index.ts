import { Elysia } from "elysia";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { TriggerCreateBody } from "./model";

export const triggersController = ({ authenticator, triggers }: Services) =>
  new Elysia({ prefix: "/api/v1/triggers", tags: ["triggers"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return triggers.create(principal.tenantId, body);
      },
      { body: TriggerCreateBody },
    )
    .get("/", async ({ principal }) => ({ items: await triggers.list(principal.tenantId) }))
    .delete("/:id", ({ principal, params }) => triggers.remove(principal.tenantId, params.id), { params: IdParams });
