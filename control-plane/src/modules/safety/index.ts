/** Routes: emergency stop and reset (any authenticated user of the tenant; audited with who and why). */
import { Elysia } from "elysia";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { EstopBody } from "./model";

export const estopController = ({ authenticator, safety }: Services) =>
  new Elysia({ prefix: "/api/v1/estop", tags: ["safety"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 202;
        return safety.request(principal, body.scope, body.reason, true);
      },
      { body: EstopBody },
    )
    .post(
      "/reset",
      ({ principal, body, set }) => {
        set.status = 202;
        return safety.request(principal, body.scope, body.reason, false);
      },
      { body: EstopBody },
    )
    .get("/", async ({ principal }) => ({ items: await safety.list(principal.tenantId) }));
