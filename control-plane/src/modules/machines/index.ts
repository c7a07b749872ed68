/** Machine routes: the web console's view and drain (`/api/web/machines`), admin status and decommission (`/api/admin/machines`). */
import { Elysia, t } from "elysia";
import { Items, Obj, OptionalTimestamp, responses, Timestamp } from "../../http/responses";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireAdmin, requireUser } from "../auth/authenticate";
import { AdminMachineUpdateBody, MachineTasksQuery, MachineView } from "./model";

const MachineTaskView = Obj(
  {
    id: t.String(),
    status: t.String(),
    prompt: t.Nullable(t.String()),
    projectId: t.Nullable(t.String()),
    stageIndex: t.Integer(),
    attempt: t.Integer(),
    assignedAt: OptionalTimestamp,
    createdAt: Timestamp,
    finishedAt: OptionalTimestamp,
    error: t.Nullable(t.String()),
  },
  { description: "a task assigned to the machine" },
);
const Decommissioned = Obj({
  ...MachineView.properties,
  revokedIdentities: t.Integer({ description: "runtime identities revoked (the agent is disconnected)" }),
  tasks: t.Unknown({ description: "the machine's tasks, re-queued or failed" }),
});

export const webMachinesController = ({ authenticator, machines, projectMembers }: Services) =>
  new Elysia({ prefix: "/api/web/machines", tags: ["machines"] })
    .use(requireUser(authenticator))
    .get("/", async ({ principal }) => ({ items: await machines.list(principal.tenantId) }), {
      response: responses({ 200: Items(MachineView) }),
    })
    .get("/:id", ({ principal, params }) => machines.get(principal.tenantId, params.id), {
      response: responses({ 200: MachineView }),
      params: IdParams,
    })
    .get(
      "/:id/tasks",
      ({ principal, params, query }) =>
        machines.tasks(principal.tenantId, params.id, query, projectMembers.scopeOf(principal)),
      {
        response: responses({ 200: Items(MachineTaskView) }),
        params: IdParams,
        query: MachineTasksQuery,
      },
    )
    .post("/:id/drain", ({ principal, params }) => machines.drain(principal.tenantId, params.id), {
      response: responses({ 200: MachineView }),
      params: IdParams,
    })
    .post("/:id/undrain", ({ principal, params }) => machines.undrain(principal.tenantId, params.id), {
      response: responses({ 200: MachineView }),
      params: IdParams,
    });

export const adminMachinesController = ({ authenticator, machines }: Services) =>
  new Elysia({ prefix: "/api/admin/machines", tags: ["machines"] })
    .use(requireAdmin(authenticator))
    .get("/", async ({ principal }) => ({ items: await machines.list(principal.tenantId) }), {
      response: responses({ 200: Items(MachineView) }),
    })
    .get("/:id", ({ principal, params }) => machines.get(principal.tenantId, params.id), {
      response: responses({ 200: MachineView }),
      params: IdParams,
    })
    .put("/:id", ({ principal, params, body }) => machines.update(principal.tenantId, params.id, body), {
      response: responses({ 200: MachineView }),
      params: IdParams,
      body: AdminMachineUpdateBody,
    })
    .delete("/:id", ({ principal, params }) => machines.decommission(principal.tenantId, params.id), {
      response: responses({ 200: Decommissioned }),
      params: IdParams,
    });
