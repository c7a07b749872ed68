/** Tasks: agent work items (a prompt with a configuration), with the shared lifecycle. */
import { and, asc, desc, eq, gt, ilike, inArray, sql, type SQL } from "drizzle-orm";
import { fullTextMatch } from "../../lib/text-match";
import type { Static } from "elysia";
import type { Db, Queryable } from "../../db/connect";
import { searchDocuments, taskEvents, taskLogs, taskStageRuns, tasks, type TaskTemplate } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { TASK_STATUSES, type TaskStatus } from "../../lib/lifecycle";
import { DEFAULT_LIMIT, afterCursor, toPage } from "../../lib/pagination";
import { publicRow } from "../../lib/rows";
import { transitionRow, type TransitionInput } from "../../lib/transition";
import { conflict, invalid, notFound } from "../../lib/errors";
import type { HostService } from "../hosts/service";
import type { EnvironmentService } from "../environments/service";
import type { ProjectScope } from "../projects/members";
import type { ProjectService } from "../projects/service";
import { DEFAULT_PIPELINE } from "../projects/pipeline";
import type { TaskExecution } from "./execution";
import type { TaskEventsQuery, TaskListQuery, TaskLogsQuery, WebTaskListQuery } from "./model";

/** Only the tasks of the projects in `scope` (undefined: all of the tenant's). */
const inScope = (scope: ProjectScope) => scope && inArray(tasks.projectId, scope.projectIds);

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
    // The task and its "created" event together: the scheduler must never assign a task whose creation is unrecorded.
    // It is assigned by the same statement when a machine is free (no scheduling pass to wait for); otherwise it
    // waits in the queue and the scheduler is woken.
    const row = await this.execution.createAndAssign(
      await this.rowValues(this.db, tenantId, input),
      createdEvent(input),
    );
    if (row.status === "pending")
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
    const row = await this.insertRow(q, tenantId, template, origin);
    if (row) {
      const created = createdEvent(template);
      await this.execution.event(q, row, "status", created.message, created.data);
    }
    return row!;
  }

  /** The task row alone (its "created" event is the caller's to write, in the same transaction). */
  private async insertRow(
    q: Queryable,
    tenantId: string,
    template: TaskTemplate,
    origin: { triggerId?: string; scheduledFor?: Date } = {},
  ) {
    const [row] = await q
      .insert(tasks)
      .values(await this.rowValues(q, tenantId, template, origin))
      .onConflictDoNothing()
      .returning();
    return row;
  }

  /** A new task's row (pending), with its project's pipeline, requirements and priority. */
  private async rowValues(
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
    return {
      id: newId("task"),
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
    } satisfies typeof tasks.$inferInsert;
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

  /** The web console's list; `scope` limits it to the projects a member may see. */
  async listWeb(tenantId: string, query: Static<typeof WebTaskListQuery>, scope?: ProjectScope) {
    const limit = query.limit ?? 50;
    const where: (SQL | undefined)[] = [eq(tasks.tenantId, tenantId), inScope(scope)];
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

  /**
   * Tasks whose description (prompt) or id matches `text` (full text, prefixes), best first, then newest. `visible` =
   * the project ids whose tasks the caller may see (undefined: every task of the tenant; tasks without a project need
   * that).
   */
  search(tenantId: string, text: string, limit: number, visible?: string[]) {
    const { matches, rank } = fullTextMatch(searchDocuments.tasks(tasks), text, tasks.prompt);
    return this.db
      .select({
        id: tasks.id,
        prompt: tasks.prompt,
        status: tasks.status,
        projectId: tasks.projectId,
        createdAt: tasks.createdAt,
        rank,
      })
      .from(tasks)
      .where(
        and(
          eq(tasks.tenantId, tenantId),
          matches,
          visible ? inArray(tasks.projectId, visible.length ? visible : [""]) : undefined,
        ),
      )
      .orderBy(desc(rank), desc(tasks.createdAt))
      .limit(limit);
  }

  /** The project of a task of the tenant (null: none; undefined: no such task). Live views decide who hears of it. */
  async projectOf(tenantId: string, taskId: string): Promise<string | null | undefined> {
    const [row] = await this.db
      .select({ projectId: tasks.projectId })
      .from(tasks)
      .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, taskId)));
    return row ? row.projectId : undefined;
  }

  /**
   * What a notice says of task `taskId` of tenant `tenantId` (prompt, project_id, error, stage: its current stage's
   * name), as a subquery of the notices' statement (modules/notifications).
   */
  noticeSourceSql(tenantId: SQL, taskId: SQL): SQL {
    return sql`select t.prompt, t.project_id, t.error, t.pipeline->t.stage_index->>'name' as stage from ${tasks} t
      where t.id = ${taskId} and t.tenant_id = ${tenantId}`;
  }

  /** The task (and its project) whose stage a command runs, if it runs one. */
  async taskOfCommand(
    tenantId: string,
    commandId: string,
  ): Promise<{ taskId: string; projectId: string | null } | undefined> {
    const [row] = await this.db
      .select({ taskId: taskStageRuns.taskId, projectId: tasks.projectId })
      .from(taskStageRuns)
      .innerJoin(tasks, eq(tasks.id, taskStageRuns.taskId))
      .where(and(eq(taskStageRuns.tenantId, tenantId), eq(taskStageRuns.commandId, commandId)));
    return row;
  }

  /** The newest tasks (dashboard), of the projects in `visible` (undefined: all of the tenant's). */
  async recent(tenantId: string, limit: number, visible?: string[]) {
    if (visible && visible.length === 0) return [];
    const rows = await this.db
      .select()
      .from(tasks)
      .where(and(eq(tasks.tenantId, tenantId), visible ? inArray(tasks.projectId, visible) : undefined))
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(limit);
    return Promise.all(rows.map((r) => this.present(r)));
  }

  /** Task counts by status across the installation (metrics). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .select({ status: tasks.status, n: sql<number>`count(*)::int` })
      .from(tasks)
      .groupBy(tasks.status);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
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

  /** Where a task runs: its machine (assigned, else the one it was created for), status, attempt and stage. */
  async machineOf(tenantId: string, id: string) {
    const [row] = await this.db
      .select({
        id: tasks.id,
        status: tasks.status,
        attempt: tasks.attempt,
        stageIndex: tasks.stageIndex,
        hostId: sql<string | null>`coalesce(${tasks.assignedHostId}, ${tasks.hostId})`,
      })
      .from(tasks)
      .where(and(eq(tasks.id, id), eq(tasks.tenantId, tenantId)));
    if (!row) throw notFound("task");
    return row;
  }

  /**
   * Appends lines of an operator's session on the task's machine (a terminal's transcript) to the task's logs, under
   * the session's id as the log's command id, at the task's current attempt and stage.
   */
  async appendSessionLog(tenantId: string, id: string, sessionId: string, stream: string, lines: string[]) {
    if (lines.length === 0) return;
    const task = await this.machineOf(tenantId, id);
    const at = new Date();
    await this.db
      .insert(taskLogs)
      .values(
        lines.map((line, lineIndex) => ({
          tenantId,
          taskId: id,
          attempt: task.attempt,
          stageIndex: task.stageIndex,
          commandId: sessionId,
          lineIndex,
          stream,
          line,
          at,
        })),
      )
      .onConflictDoNothing();
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

  async list(tenantId: string, query: Static<typeof TaskListQuery>, scope?: ProjectScope) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const where: (SQL | undefined)[] = [
      eq(tasks.tenantId, tenantId),
      inScope(scope),
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

  /** One task (404 for another tenant's, or one outside `scope`). */
  async get(tenantId: string, id: string, scope?: ProjectScope) {
    const [row] = await this.db
      .select()
      .from(tasks)
      .where(and(eq(tasks.id, id), eq(tasks.tenantId, tenantId), inScope(scope)));
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

  /** Counts by status and the average run time of finished tasks (of the projects in `scope`). */
  async metrics(tenantId: string, scope?: ProjectScope) {
    const rows = await this.db
      .select({
        status: tasks.status,
        count: sql<number>`count(*)::int`,
        avgMs: sql<number | null>`avg(extract(epoch from (${tasks.finishedAt} - ${tasks.startedAt})) * 1000)::float8`,
        finished: sql<number>`count(${tasks.finishedAt}) filter (where ${tasks.startedAt} is not null)::int`,
      })
      .from(tasks)
      .where(and(eq(tasks.tenantId, tenantId), inScope(scope)))
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

  // ---------------------------------------------------------------- fleet batches

  /**
   * One pending task per host, each pinned to its host (`hostId`), as part of batch `batchId`: the same task model
   * as every other task (the project's pipeline or the default one), inserted set-based, 1,000 rows per statement.
   * The caller publishes the transitions (`announcePending`) after its transaction commits.
   */
  async insertForHosts(q: Queryable, tenantId: string, template: TaskTemplate, hostIds: string[], batchId: string) {
    const base = await this.rowValues(q, tenantId, template);
    const now = new Date();
    const inserted: (typeof tasks.$inferSelect)[] = [];
    for (let i = 0; i < hostIds.length; i += 1000) {
      const rows = await q
        .insert(tasks)
        .values(
          hostIds.slice(i, i + 1000).map((hostId) => ({ ...base, id: newId("task"), hostId, batchId, createdAt: now })),
        )
        .returning();
      await q.insert(taskEvents).values(
        rows.map((row) => ({
          tenantId,
          taskId: row.id,
          attempt: row.attempt,
          type: "status",
          message: "created: pending",
          data: { to: "pending", projectKey: template.projectKey ?? null, batchId },
        })),
      );
      inserted.push(...rows);
    }
    return inserted;
  }

  /** Tells the scheduler (and triggers) about new pending tasks, once their transaction has committed. */
  announcePending(rows: { tenantId: string; id: string }[]) {
    for (const row of rows)
      this.events.publish({ type: "task.transition", tenantId: row.tenantId, taskId: row.id, status: "pending" });
  }

  /**
   * A batch's summary: finished tasks by outcome; unfinished ones as `offline` when their host is offline, else
   * `pending` (queued or assigned) or `running` (running or suspended on a confirm).
   */
  async batchSummary(tenantId: string, batchId: string) {
    const hosts = this.hosts.hostsView(this.db).as("h");
    const rows = await this.db
      .select({
        status: tasks.status,
        offline: sql<boolean>`${hosts.status} = 'offline'`,
        count: sql<number>`count(*)::int`,
      })
      .from(tasks)
      .innerJoin(hosts, eq(hosts.id, tasks.hostId))
      .where(and(eq(tasks.tenantId, tenantId), eq(tasks.batchId, batchId)))
      .groupBy(tasks.status, sql`${hosts.status} = 'offline'`);
    const summary = { total: 0, completed: 0, failed: 0, cancelled: 0, pending: 0, running: 0, offline: 0 };
    for (const row of rows) {
      summary.total += row.count;
      const s = row.status;
      if (s === "completed" || s === "failed" || s === "cancelled") summary[s] += row.count;
      else if (row.offline) summary.offline += row.count;
      else if (s === "pending" || s === "assigned") summary.pending += row.count;
      else summary.running += row.count;
    }
    return summary;
  }

  /** A batch's tasks with their hosts (per-host results), by host name. */
  async listBatch(tenantId: string, batchId: string, query: { status?: TaskStatus; limit?: number; after?: string }) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const hosts = this.hosts.hostsView(this.db).as("h");
    const rows = await this.db
      .select({
        taskId: tasks.id,
        hostId: hosts.id,
        hostName: hosts.name,
        hostStatus: hosts.status,
        status: tasks.status,
        stageIndex: tasks.stageIndex,
        result: tasks.result,
        error: tasks.error,
        startedAt: tasks.startedAt,
        finishedAt: tasks.finishedAt,
      })
      .from(tasks)
      .innerJoin(hosts, eq(hosts.id, tasks.hostId))
      .where(
        and(
          eq(tasks.tenantId, tenantId),
          eq(tasks.batchId, batchId),
          query.status ? eq(tasks.status, query.status) : undefined,
          query.after ? gt(hosts.name, query.after) : undefined,
        ),
      )
      .orderBy(asc(hosts.name))
      .limit(limit + 1);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.hostName : null };
  }

  /** Cancels every unfinished task of a batch at once (see TaskExecution.cancelBatch); finished ones stay. */
  cancelBatch(tenantId: string, batchId: string, reason: string): Promise<number> {
    return this.execution.cancelBatch(tenantId, batchId, reason);
  }
}

/** A task's "created" event. */
function createdEvent(template: TaskTemplate) {
  return { message: "created: pending", data: { to: "pending", projectKey: template.projectKey ?? null } };
}
