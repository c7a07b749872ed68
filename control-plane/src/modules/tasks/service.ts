/** Tasks: agent work items (a prompt with a configuration), with the shared lifecycle. */
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db, Queryable } from "../../db/connect";
import { hosts, tasks, type TaskTemplate } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { STATUSES, type Status } from "../../lib/lifecycle";
import { DEFAULT_LIMIT, afterCursor, toPage } from "../../lib/pagination";
import { publicRow } from "../../lib/rows";
import { transitionRow, type TransitionInput } from "../../lib/transition";
import { badRequest, notFound } from "../../http/errors";
import type { EnvironmentService } from "../environments/service";
import type { TaskListQuery } from "./model";

export class TaskService {
  constructor(
    private readonly db: Db,
    private readonly environments: EnvironmentService,
    private readonly events: EventBus,
  ) {}

  /** Fails with 400 unless the template's references belong to the tenant. */
  async assertTemplate(q: Queryable, tenantId: string, template: TaskTemplate) {
    if (template.environmentId) await this.environments.assertOwned(q, tenantId, template.environmentId);
    if (template.hostId) {
      const [host] = await q
        .select({ id: hosts.id })
        .from(hosts)
        .where(and(eq(hosts.id, template.hostId), eq(hosts.tenantId, tenantId)));
      if (!host) throw badRequest(`unknown host ${template.hostId}`);
    }
  }

  async create(tenantId: string, input: TaskTemplate) {
    await this.assertTemplate(this.db, tenantId, input);
    const row = await this.insert(this.db, tenantId, input);
    return publicRow(row);
  }

  /** Inserts a task; triggers pass their id and the schedule tick (unique together). */
  async insert(q: Queryable, tenantId: string, template: TaskTemplate, origin: { triggerId?: string; scheduledFor?: Date } = {}) {
    const [row] = await q
      .insert(tasks)
      .values({
        id: newId("task"),
        tenantId,
        prompt: template.prompt,
        environmentId: template.environmentId,
        hostId: template.hostId,
        config: template.config ?? {},
        ...origin,
        createdAt: new Date(),
      })
      .onConflictDoNothing()
      .returning();
    return row!;
  }

  async list(tenantId: string, query: Static<typeof TaskListQuery>) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const where: (SQL | undefined)[] = [eq(tasks.tenantId, tenantId), afterCursor(query.cursor, tasks.createdAt, tasks.id)];
    if (query.status) where.push(eq(tasks.status, query.status));
    if (query.hostId) where.push(eq(tasks.hostId, query.hostId));
    if (query.environmentId) where.push(eq(tasks.environmentId, query.environmentId));
    if (query.triggerId) where.push(eq(tasks.triggerId, query.triggerId));
    const rows = await this.db
      .select()
      .from(tasks)
      .where(and(...where))
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(limit + 1);
    const page = toPage(rows, limit);
    return { ...page, items: page.items.map(publicRow) };
  }

  async get(tenantId: string, id: string) {
    const [row] = await this.db.select().from(tasks).where(and(eq(tasks.id, id), eq(tasks.tenantId, tenantId)));
    if (!row) throw notFound("task");
    return publicRow(row);
  }

  async transition(tenantId: string, id: string, input: TransitionInput) {
    const row = await transitionRow(this.db, tasks, "task", tenantId, id, input);
    this.events.publish({ type: "task.transition", tenantId, taskId: id, status: input.status });
    return publicRow(row);
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
    const counts = Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<Status, number>;
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
