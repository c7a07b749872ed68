/** Routes: emergency stop and reset (any authenticated user of the tenant; audited with who and why). */
import { Elysia, t } from "elysia";
import { Items, Obj, responses } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { EstopBody } from "./model";

/** 202: the orders went out to every live path; each host acknowledges on its own (see GET). */
const EstopOrders = Obj(
  {
    engaged: t.Boolean(),
    reason: t.String(),
    hosts: t.Integer(),
    items: t.Array(Obj({ hostId: t.String(), estop: t.Unknown() })),
  },
  { description: "the stop/reset order per host of the scope" },
);

export const estopController = ({ authenticator, safety }: Services) =>
  new Elysia({ prefix: "/api/v1/estop", tags: ["safety"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 202;
        return safety.request(principal, body.scope, body.reason, true);
      },
      { response: responses({ 202: EstopOrders }), body: EstopBody },
    )
    .post(
      "/reset",
      ({ principal, body, set }) => {
        set.status = 202;
        return safety.request(principal, body.scope, body.reason, false);
      },
      { response: responses({ 202: EstopOrders }), body: EstopBody },
    )
    .get("/", async ({ principal }) => ({ items: await safety.list(principal.tenantId) }), {
      response: responses({ 200: Items(Obj({ hostId: t.String(), name: t.String(), estop: t.Unknown() })) }),
    });
