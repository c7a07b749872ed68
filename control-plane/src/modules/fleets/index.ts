/** Routes: fleets (label selectors, live membership) and fleet-wide command batches. */
import { Elysia } from "elysia";
import type { Services } from "../../services";
import { IdParams, PageQuery } from "../../http/params";
import { t } from "elysia";
import { requireUser } from "../auth/authenticate";
import { Deleted, Items, Page, responses } from "../../http/responses";
import {
  BatchCommandsPage,
  BatchCommandsQuery,
  BatchTasksPage,
  BatchTasksQuery,
  CommandBatchView,
  CommandBatchWithSummary,
  FleetHostsView,
  FleetView,
  TaskBatchView,
  TaskBatchWithSummary,
  CommandBatchCreateBody,
  FleetCommandBody,
  FleetCreateBody,
  FleetHostsQuery,
  FleetTaskBody,
  FleetUpdateBody,
  TaskBatchCreateBody,
} from "./model";

export const fleetsController = ({ authenticator, fleets }: Services) =>
  new Elysia({ tags: ["fleets"] })
    .use(requireUser(authenticator))
    .post(
      "/api/v1/fleets",
      ({ principal, body, set }) => {
        set.status = 201;
        return fleets.create(principal.tenantId, body);
      },
      { body: FleetCreateBody, response: responses({ 201: FleetView }) },
    )
    .get("/api/v1/fleets", async ({ principal }) => ({ items: await fleets.list(principal.tenantId) }), {
      response: responses({ 200: Items(FleetView) }),
    })
    .get("/api/v1/fleets/:id", ({ principal, params }) => fleets.get(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: FleetView }),
    })
    .put("/api/v1/fleets/:id", ({ principal, params, body }) => fleets.update(principal.tenantId, params.id, body), {
      params: IdParams,
      body: FleetUpdateBody,
      response: responses({ 200: FleetView }),
    })
    .delete("/api/v1/fleets/:id", ({ principal, params }) => fleets.remove(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: Deleted }),
    })
    .get(
      "/api/v1/fleets/:id/hosts",
      ({ principal, params, query }) => fleets.hosts(principal.tenantId, params.id, query),
      { params: IdParams, query: FleetHostsQuery, response: responses({ 200: FleetHostsView }) },
    )
    .post(
      "/api/v1/fleets/:id/commands",
      ({ principal, params, body, set }) => {
        set.status = 201;
        return fleets.fleetCommand(principal.tenantId, principal.userId, params.id, body);
      },
      { params: IdParams, body: FleetCommandBody, response: responses({ 201: CommandBatchWithSummary }) },
    )
    .post(
      "/api/v1/command-batches",
      ({ principal, body, set }) => {
        set.status = 201;
        const { selector, ...cmd } = body;
        return fleets.createBatch(principal.tenantId, principal.userId, selector, null, cmd);
      },
      { body: CommandBatchCreateBody, response: responses({ 201: CommandBatchWithSummary }) },
    )
    .get("/api/v1/command-batches", ({ principal, query }) => fleets.listBatches(principal.tenantId, query), {
      query: t.Object(PageQuery),
      response: responses({ 200: Page(CommandBatchView) }),
    })
    .get("/api/v1/command-batches/:id", ({ principal, params }) => fleets.getBatch(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: CommandBatchWithSummary }),
    })
    .get(
      "/api/v1/command-batches/:id/commands",
      ({ principal, params, query }) => fleets.batchCommands(principal.tenantId, params.id, query),
      { params: IdParams, query: BatchCommandsQuery, response: responses({ 200: BatchCommandsPage }) },
    )
    .post(
      "/api/v1/command-batches/:id/cancel",
      ({ principal, params }) => fleets.cancelBatch(principal.tenantId, params.id, principal.userId),
      { params: IdParams, response: responses({ 200: CommandBatchWithSummary }) },
    )
    .post(
      "/api/v1/fleets/:id/tasks",
      ({ principal, params, body, set }) => {
        set.status = 201;
        return fleets.fleetTask(principal.tenantId, principal.userId, params.id, body);
      },
      { params: IdParams, body: FleetTaskBody, response: responses({ 201: TaskBatchWithSummary }) },
    )
    .post(
      "/api/v1/task-batches",
      ({ principal, body, set }) => {
        set.status = 201;
        const { selector, ...template } = body;
        return fleets.createTaskBatch(principal.tenantId, principal.userId, selector, null, template);
      },
      { body: TaskBatchCreateBody, response: responses({ 201: TaskBatchWithSummary }) },
    )
    .get("/api/v1/task-batches", ({ principal, query }) => fleets.listTaskBatches(principal.tenantId, query), {
      query: t.Object(PageQuery),
      response: responses({ 200: Page(TaskBatchView) }),
    })
    .get("/api/v1/task-batches/:id", ({ principal, params }) => fleets.getTaskBatch(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: TaskBatchWithSummary }),
    })
    .get(
      "/api/v1/task-batches/:id/tasks",
      ({ principal, params, query }) => fleets.taskBatchTasks(principal.tenantId, params.id, query),
      { params: IdParams, query: BatchTasksQuery, response: responses({ 200: BatchTasksPage }) },
    )
    .post(
      "/api/v1/task-batches/:id/cancel",
      ({ principal, params }) => fleets.cancelTaskBatch(principal.tenantId, params.id, principal.userId),
      { params: IdParams, response: responses({ 200: TaskBatchWithSummary }) },
    );
