import { Elysia } from "elysia";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { TransitionBody } from "../../http/work-item-model";
import { requireUser } from "../auth/authenticate";
import { TaskCreateBody, TaskListQuery } from "./model";

export const tasksController = ({ authenticator, tasks }: Services) =>
  new Elysia({ tags: ["tasks"] })
    .use(requireUser(authenticator))
    .post(
      "/api/v1/tasks",
      ({ principal, body, set }) => {
        set.status = 201;
        return tasks.create(principal.tenantId, body);
      },
      { body: TaskCreateBody },
    )
    .get("/api/v1/tasks", ({ principal, query }) => tasks.list(principal.tenantId, query), { query: TaskListQuery })
    .get("/api/v1/tasks/:id", ({ principal, params }) => tasks.get(principal.tenantId, params.id), { params: IdParams })
    .post("/api/v1/tasks/:id/transition", ({ principal, params, body }) => tasks.transition(principal.tenantId, params.id, body), {
      params: IdParams,
      body: TransitionBody,
    })
    .get("/api/v1/metrics/tasks", ({ principal }) => tasks.metrics(principal.tenantId));
