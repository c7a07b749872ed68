/** Tasks: agent work items (a prompt with a configuration), with the shared lifecycle. */
import { and, asc, desc, eq, ilike, sql, type SQL } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db, Queryable } from "../../db/connect";
import { taskEvents, taskLogs, taskStageRuns, tasks, type TaskTemplate } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { TASK_STATUSES, type TaskStatus } from "../../lib/lifecycle";
import { DEFAULT_LIMIT, afterCursor, toPage } from "../../lib/pagination";
import { publicRow } from "../../lib/rows";
import { transitionRow, type TransitionInput } from "../../lib/transition";
import { conflict, invalid, notFound } from "../../lib/errors";
import type { HostService } from "../hosts/service";
import type { EnvironmentService } from "../environments/service";
import type { ProjectService } from "../projects/service";
import { DEFAULT_PIPELINE } from "../projects/pipeline";
import type { TaskExecution } from "./execution";
import type { TaskEventsQuery, TaskListQuery, TaskLogsQuery, WebTaskListQuery } from "./model";

export class TaskService {
  constructor(
    private readonly db: Db,
    private readonly environments: EnvironmentService,
    private readonly hosts: HostService,
    private readonly events: EventBus,
    private readonly projects: ProjectService,
    readonly execution: TaskExecution,
    /** Agent type of tasks created without a project. */
    private readonly defaultAgentType = "default",
  ) {}

  /** Fails with 400 unless the template's references belong to the tenant. */
  async assertTemplate(q: Queryable, tenantId: string, template: TaskTemplate) {
    if (template.environmentId) await this.environments.assertOwned(q, tenantId, template.environmentId);
    if (template.hostId) {
      const host = await this.hosts.assertOwned(tenantId, template.hostId, { q, reference: true });
      if (host.decommissionedAt) throw conflict(`machine ${template.hostId} is decommissioned: it takes no tasks`);
    }
    if (template.projectKey) {
      if (!(await this.projects.idOf(q, tenantId, template.projectKey)))
        throw invalid(`unknown project ${template.projectKey}`);
    }
  }

  async create(tenantId: string, input: TaskTemplate) {
    await this.assertTemplate(this.db, tenantId, input);
    const row = await this.insert(this.db, tenantId, input);
    this.events.publish({ type: "task.transition", tenantId, taskId: row.id, status: "pending" });
    return this.present(row);
  }

  /**
   * Inserts a pending task with its pipeline: the project's (as it is now), or the default one-stage `agent`
   * pipeline. Triggers pass their id and the schedule tick (unique together: a repeated tick inserts nothing).
   */
  async insert(
    q: Queryable,
    tenantId: string,
    template: TaskTemplate,
    origin: { triggerId?: string; scheduledFor?: Date } = {},
  ) {
    const project = template.projectKey
      ? await this.projects.find(q, tenantId, template.projectKey).catch(() => undefined)
      : undefined;
    if (template.projectKey && !project) throw invalid(`unknown project ${template.projectKey}`);
    const settings = (project?.settings ?? {}) as { requirements?: Record<string, unknown>; priority?: number };
    const id = newId("task");
    const [row] = await q
      .insert(tasks)
      .values({
        id,
        tenantId,
        prompt: template.prompt,
        environmentId: template.environmentId,
        hostId: template.hostId,
        config: template.config ?? {},
        projectId: project?.id ?? null,
        pipeline: project?.pipeline ?? DEFAULT_PIPELINE,
        agentType: project?.agentType ?? this.defaultAgentType,
        requirements: settings.requirements ?? {},
        priority: template.priority ?? settings.priority ?? 0,
        ...origin,
        createdAt: new Date(),
      })
      .onConflictDoNothing()
      .returning();
    if (row)
      await this.execution.event(q, row, "status", "created: pending", {
        to: "pending",
        projectKey: template.projectKey ?? null,
      });
    return row!;
  }

  /** A task as the API shows it: its stage, attempt history and project key. */
  private async present(row: typeof tasks.$inferSelect, withRuns = false) {
    const stage = row.pipeline[row.stageIndex];
    const base = {
      ...publicRow(row),
      machineId: row.assignedHostId,
      currentStage: stage ? { index: row.stageIndex, name: stage.name, kind: stage.kind } : null,
    };
    if (!withRuns) return base;
    const runs = await this.db
      .select()
      .from(taskStageRuns)
      .where(eq(taskStageRuns.taskId, row.id))
      .orderBy(asc(taskStageRuns.attempt), asc(taskStageRuns.stageIndex), asc(taskStageRuns.startedAt));
    const attempts = [...new Set([...runs.map((r) => r.attempt), row.attempt])].sort((a, b) => a - b);
    return {
      ...base,
      attempts: attempts.map((attempt) => ({
        attempt,
        stages: runs.filter((r) => r.attempt === attempt).map(({ tenantId: _t, taskId: _k, attempt: _a, ...r }) => r),
      })),
    };
  }

  /** `POST /api/web/tasks {projectKey, description, machineId?}`: the project's pipeline, optionally on one machine. */
  async createForProject(
    tenantId: string,
    input: { projectKey: string; description: string; machineId?: string; priority?: number },
  ) {
    return this.create(tenantId, {
      prompt: input.description,
      projectKey: input.projectKey,
      hostId: input.machineId,
      priority: input.priority,
    });
  }

  async listWeb(tenantId: string, query: Static<typeof WebTaskListQuery>) {
    const limit = query.limit ?? 50;
    const where: (SQL | undefined)[] = [eq(tasks.tenantId, tenantId)];
    if (query.status) where.push(eq(tasks.status, query.status));
    if (query.machineId) where.push(eq(tasks.assignedHostId, query.machineId));
    if (query.projectKey) {
      const projectId = await this.projects.idOf(this.db, tenantId, query.projectKey);
      if (!projectId) return { items: [], total: 0 };
      where.push(eq(tasks.projectId, projectId));
    }
    const [rows, [count]] = await Promise.all([
      this.db
        .select()
        .from(tasks)
        .where(and(...where))
        .orderBy(desc(tasks.createdAt), desc(tasks.id))
        .limit(limit)
        .offset(query.offset ?? 0),
      this.db
        .select({ n: sql<number>`count(*)::int` })
        .from(tasks)
        .where(and(...where)),
    ]);
    return { items: await Promise.all(rows.map((r) => this.present(r))), total: count?.n ?? 0 };
  }

  async getDetailed(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(tasks)
      .where(and(eq(tasks.id, id), eq(tasks.tenantId, tenantId)));
    if (!row) throw notFound("task");
    const detailed = await this.present(row, true);
    if (row.status !== "pending") return detailed;
    // A queued task says what it waits for (null: nothing, the scheduler takes it on its next pass).
    return { ...detailed, waitingFor: (await this.execution.whyPending(row)) ?? null };
  }

  async listEvents(tenantId: string, id: string, query: Static<typeof TaskEventsQuery>) {
    await this.get(tenantId, id);
    const where: SQL[] = [eq(taskEvents.taskId, id), eq(taskEvents.tenantId, tenantId)];
    if (query.type) where.push(eq(taskEvents.type, query.type));
    if (query.search) where.push(ilike(taskEvents.message, `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`));
    const [rows, [count]] = await Promise.all([
      this.db
        .select()
        .from(taskEvents)
        .where(and(...where))
        .orderBy(asc(taskEvents.seq))
        .limit(query.limit ?? 100)
        .offset(query.offset ?? 0),
      this.db
        .select({ n: sql<number>`count(*)::int` })
        .from(taskEvents)
        .where(and(...where)),
    ]);
    return { items: rows.map(({ tenantId: _t, ...e }) => e), total: count?.n ?? 0 };
  }

  async listLogs(tenantId: string, id: string, query: Static<typeof TaskLogsQuery>) {
    await this.get(tenantId, id);
    const where = and(eq(taskLogs.taskId, id), eq(taskLogs.tenantId, tenantId));
    const [rows, [count]] = await Promise.all([
      this.db
        .select()
        .from(taskLogs)
        .where(where)
        .orderBy(asc(taskLogs.seq))
        .limit(query.limit ?? 500)
        .offset(query.offset ?? 0),
      this.db.select({ n: sql<number>`count(*)::int` }).from(taskLogs).where(where),
    ]);
    return { items: rows.map(({ tenantId: _t, taskId: _k, ...l }) => l), total: count?.n ?? 0 };
  }

  async list(tenantId: string, query: Static<typeof TaskListQuery>) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const where: (SQL | undefined)[] = [
      eq(tasks.tenantId, tenantId),
      afterCursor(query.cursor, tasks.createdAt, tasks.id),
    ];
    if (query.status) where.push(eq(tasks.status, query.status));
    if (query.hostId) where.push(eq(tasks.hostId, query.hostId));
    if (query.environmentId) where.push(eq(tasks.environmentId, query.environmentId));
    if (query.triggerId) where.push(eq(tasks.triggerId, query.triggerId));
    if (query.machineId) where.push(eq(tasks.assignedHostId, query.machineId));
    const rows = await this.db
      .select()
      .from(tasks)
      .where(and(...where))
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(limit + 1);
    const page = toPage(rows, limit);
    return { ...page, items: await Promise.all(page.items.map((r) => this.present(r))) };
  }

  async get(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(tasks)
      .where(and(eq(tasks.id, id), eq(tasks.tenantId, tenantId)));
    if (!row) throw notFound("task");
    return this.present(row);
  }

  /**
   * The seed's manual transition route, on the task state machine (409 for illegal moves). Cancelling goes
   * through the real cancel, so a running stage is killed on the agent.
   */
  async transition(tenantId: string, id: string, input: TransitionInput) {
    if (input.status === "cancelled") {
      await this.get(tenantId, id);
      const row = await this.execution.cancel(tenantId, id, input.error ?? "cancelled by operator");
      return this.present(row);
    }
    const row = await transitionRow(this.db, tasks, "task", tenantId, id, input);
    await this.execution.event(this.db, row, "status", `→ ${input.status} (manual transition)`, {
      to: input.status,
      manual: true,
    });
    this.events.publish({ type: "task.transition", tenantId, taskId: id, status: input.status as TaskStatus });
    return this.present(row);
  }

  /** Counts by status and the average run time of finished tasks. */
  async metrics(tenantId: string) {
    const rows = await this.db
      .select({
        status: tasks.status,
        count: sql<number>`count(*)::int`,
        avgMs: sql<number | null>`avg(extract(epoch from (${tasks.finishedAt} - ${tasks.startedAt})) * 1000)::float8`,
        finished: sql<number>`count(${tasks.finishedAt}) filter (where ${tasks.startedAt} is not null)::int`,
      })
      .from(tasks)
      .where(eq(tasks.tenantId, tenantId))
      .groupBy(tasks.status);
    const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
    let durationSum = 0;
    let durationCount = 0;
    for (const r of rows) {
      counts[r.status] = r.count;
      if (r.avgMs !== null && r.finished > 0) {
        durationSum += r.avgMs * r.finished;
        durationCount += r.finished;
      }
    }
    return {
      counts,
      total: rows.reduce((n, r) => n + r.count, 0),
      averageDurationMs: durationCount ? Math.round(durationSum / durationCount) : null,
    };
  }
}
