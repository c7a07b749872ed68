import { Elysia, t } from "elysia";
import { Obj, responses } from "../../http/responses";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import {
  ConfirmStageBody,
  TaskCreateBody,
  TaskEventsQuery,
  TaskListQuery,
  TaskLogsQuery,
  TaskTransitionBody,
  WebTaskCreateBody,
  WebTaskListQuery,
  TaskView,
  TaskPage,
  Counted,
  TaskEventView,
  TaskLogView,
} from "./model";

const TaskMetricsView = Obj(
  {
    counts: t.Record(t.String(), t.Integer(), { description: "tasks by status" }),
    total: t.Integer(),
    averageDurationMs: t.Nullable(t.Number()),
  },
  { description: "task counts by status and the average run time of finished tasks" },
);
const PendingConfirmView = Obj(
  {
    taskId: t.String(),
    stageIndex: t.Integer(),
    stageName: t.String(),
    prompt: t.String(),
    options: t.Nullable(t.Array(t.String())),
    input: t.Nullable(t.Record(t.String(), t.Unknown())),
    stages: t.Unknown({ description: "the results of the stages so far" }),
  },
  { description: "what a suspended task waits for" },
);

/**
 * Task lists show a user the tasks of the projects they are a member of (admins: all); single tasks are checked by
 * the access guard (404 outside the caller's projects, 403 for too small a role).
 */
export const tasksController = ({ authenticator, tasks, projectMembers }: Services) =>
  new Elysia({ tags: ["tasks"] })
    .use(requireUser(authenticator))
    .post(
      "/api/v1/tasks",
      ({ principal, body, set }) => {
        set.status = 201;
        return tasks.create(principal.tenantId, body);
      },
      { response: responses({ 201: TaskView }), body: TaskCreateBody },
    )
    .get(
      "/api/v1/tasks",
      ({ principal, query }) => tasks.list(principal.tenantId, query, projectMembers.scopeOf(principal)),
      {
        response: responses({ 200: TaskPage }),
        query: TaskListQuery,
      },
    )
    .get("/api/v1/tasks/:id", ({ principal, params }) => tasks.get(principal.tenantId, params.id), {
      response: responses({ 200: TaskView }),
      params: IdParams,
    })
    .post(
      "/api/v1/tasks/:id/transition",
      ({ principal, params, body }) => tasks.transition(principal.tenantId, params.id, body),
      { response: responses({ 200: TaskView }), params: IdParams, body: TaskTransitionBody },
    )
    .get(
      "/api/v1/metrics/tasks",
      ({ principal }) => tasks.metrics(principal.tenantId, projectMembers.scopeOf(principal)),
      {
        response: responses({ 200: TaskMetricsView }),
      },
    );

/** The web console's task routes (worker-orchestrator-rest-api.txt). Same task entity as /api/v1/tasks. */
export const webTasksController = ({ authenticator, tasks, projectMembers }: Services) =>
  new Elysia({ prefix: "/api/web/tasks", tags: ["tasks"] })
    .use(requireUser(authenticator))
    .get("/", ({ principal, query }) => tasks.listWeb(principal.tenantId, query, projectMembers.scopeOf(principal)), {
      response: responses({ 200: Counted(TaskView) }),
      query: WebTaskListQuery,
    })
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return tasks.createForProject(principal.tenantId, body);
      },
      { response: responses({ 201: TaskView }), body: WebTaskCreateBody },
    )
    .get("/:id", ({ principal, params }) => tasks.getDetailed(principal.tenantId, params.id), {
      response: responses({ 200: TaskView }),
      params: IdParams,
    })
    .post(
      "/:id/cancel",
      async ({ principal, params }) =>
        tasks.get(principal.tenantId, (await tasks.execution.cancel(principal.tenantId, params.id)).id),
      { response: responses({ 200: TaskView }), params: IdParams },
    )
    .post(
      "/:id/retry",
      async ({ principal, params }) =>
        tasks.getDetailed(principal.tenantId, (await tasks.execution.retry(principal.tenantId, params.id)).id),
      { response: responses({ 200: TaskView }), params: IdParams },
    )
    .post(
      "/:id/confirm-stage",
      async ({ principal, params, body }) =>
        tasks.get(principal.tenantId, (await tasks.execution.confirmStage(principal.tenantId, params.id, body)).id),
      { response: responses({ 200: TaskView }), params: IdParams, body: ConfirmStageBody },
    )
    .get(
      "/:id/pending-confirm",
      ({ principal, params }) => tasks.execution.pendingConfirm(principal.tenantId, params.id),
      { response: responses({ 200: PendingConfirmView }), params: IdParams },
    )
    .get("/:id/events", ({ principal, params, query }) => tasks.listEvents(principal.tenantId, params.id, query), {
      response: responses({ 200: Counted(TaskEventView) }),
      params: IdParams,
      query: TaskEventsQuery,
    })
    .get("/:id/logs", ({ principal, params, query }) => tasks.listLogs(principal.tenantId, params.id, query), {
      response: responses({ 200: Counted(TaskLogView) }),
      params: IdParams,
      query: TaskLogsQuery,
    });
