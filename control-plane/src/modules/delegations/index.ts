/** Routes: delegations (users) and delegated runtime control (runtimes). */
import { Elysia, t } from "elysia";
import { Items, Obj, responses } from "../../http/responses";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { requireRuntime } from "../runtime/authenticate";
import { DelegationCreateBody, DelegationView } from "./model";

export const delegationsController = ({ authenticator, delegations }: Services) =>
  new Elysia({ prefix: "/api/runtime/delegations", tags: ["delegations"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return delegations.create(principal, body);
      },
      { response: responses({ 201: DelegationView }), body: DelegationCreateBody },
    )
    .get("/", async ({ principal }) => ({ items: await delegations.list(principal.tenantId) }), {
      response: responses({ 200: Items(DelegationView) }),
    })
    .get("/:id", ({ principal, params }) => delegations.get(principal.tenantId, params.id), {
      response: responses({ 200: DelegationView }),
      params: IdParams,
    })
    .delete("/:id", ({ principal, params }) => delegations.revoke(principal, params.id), {
      response: responses({ 200: DelegationView }),
      params: IdParams,
    });

/** A start/stop request handed to the target's agent (not acknowledged yet: it may refuse it). */
const ControlRequested = Obj(
  {
    ok: t.Boolean(),
    agentId: t.String(),
    action: t.String(),
    machineState: t.String({ description: "what the target's agent acknowledged last" }),
    requestedMachineState: t.String(),
    pending: t.Boolean(),
    commandId: t.String(),
  },
  { description: "a delegated start/stop request, pending until the target's agent acknowledges it" },
);

export const runtimeControlController = ({ runtime, delegations }: Services) =>
  new Elysia({ prefix: "/api/runtime/agents", tags: ["delegations"] })
    .use(requireRuntime(runtime))
    // 202: the agent has not acknowledged the request yet (it may refuse it).
    .post(
      "/:id/start",
      ({ runtime: me, params, set }) => {
        set.status = 202;
        return delegations.control(me, params.id, "start");
      },
      { response: responses({ 202: ControlRequested }), params: IdParams },
    )
    .post(
      "/:id/stop",
      ({ runtime: me, params, set }) => {
        set.status = 202;
        return delegations.control(me, params.id, "stop");
      },
      { response: responses({ 202: ControlRequested }), params: IdParams },
    )
    .get("/:id/status", ({ runtime: me, params }) => delegations.status(me, params.id), {
      response: responses({ 200: Obj({ machineState: t.String() }) }),
      params: IdParams,
    });
