/** Fleets (label-selected sets of hosts, membership live) and fleet-wide command batches. */
import { and, asc, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db, Queryable } from "../../db/connect";
import type { COMMAND_STATUSES } from "../../lib/lifecycle";
import { commandBatches, fleets, taskBatches, type LabelSelector, type TaskTemplate } from "../../db/schema";
import { newId } from "../../lib/ids";
import { DEFAULT_LIMIT, afterCursor, toPage } from "../../lib/pagination";
import { publicRow } from "../../lib/rows";
import { invalid, conflict, notFound } from "../../lib/errors";
import type { CommandService } from "../commands/service";
import type { TaskService } from "../tasks/service";
import type { HostService } from "../hosts/service";
import type { TaskStatus } from "../../lib/lifecycle";
import type { FleetCommandBody, FleetCreateBody, FleetHostsQuery, FleetUpdateBody } from "./model";
import { selectorCondition, validateSelector } from "./selector";

/** A batch reaches at most this many hosts. */
export const MAX_BATCH_HOSTS = 20_000;

export type FleetCommand = Static<typeof FleetCommandBody>;

export class FleetService {
  constructor(
    private readonly db: Db,
    private readonly commands: CommandService,
    private readonly tasks: TaskService,
    private readonly hostService: Pick<HostService, "hostsView">,
    /** The id of a rollout of the fleet, if any (RolloutService, late-bound: it is built on this service). */
    private readonly aRolloutOf: (tenantId: string, fleetId: string) => Promise<string | undefined>,
  ) {}

  async create(tenantId: string, input: Static<typeof FleetCreateBody>) {
    validateSelector(input.selector);
    const [row] = await this.db
      .insert(fleets)
      .values({ ...input, id: newId("fleet"), tenantId })
      .returning();
    return publicRow(row!);
  }

  async list(tenantId: string) {
    const rows = await this.db.select().from(fleets).where(eq(fleets.tenantId, tenantId)).orderBy(asc(fleets.name));
    return rows.map(publicRow);
  }

  async get(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(fleets)
      .where(and(eq(fleets.id, id), eq(fleets.tenantId, tenantId)));
    if (!row) throw notFound("fleet");
    return publicRow(row);
  }

  async update(tenantId: string, id: string, input: Static<typeof FleetUpdateBody>) {
    if (input.selector) validateSelector(input.selector);
    const [row] = await this.db
      .update(fleets)
      .set({ ...input, updatedAt: new Date() })
      .where(and(eq(fleets.id, id), eq(fleets.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("fleet");
    return publicRow(row);
  }

  async remove(tenantId: string, id: string) {
    await this.get(tenantId, id);
    const used = await this.aRolloutOf(tenantId, id);
    if (used) throw conflict(`fleet has rollouts (${used}); delete them first`);
    await this.db.delete(fleets).where(and(eq(fleets.id, id), eq(fleets.tenantId, tenantId)));
    return { id, deleted: true };
  }

  /**
   * The tenant's hosts (HostService.hostsView, as `hosts`) and the condition "matches selector, not decommissioned",
   * to select members in one statement.
   */
  members(q: Queryable, tenantId: string, selector: LabelSelector) {
    const hosts = this.hostService.hostsView(q).as("hosts_view");
    const where = and(
      eq(hosts.tenantId, tenantId),
      isNull(hosts.decommissionedAt),
      selectorCondition(selector, hosts.labels),
    );
    return { hosts, where };
  }

  /** The fleet's hosts now (by name, paginated) and their counts by status. */
  async hosts(tenantId: string, id: string, query: Static<typeof FleetHostsQuery>) {
    const fleet = await this.get(tenantId, id);
    const { hosts, where: members } = this.members(this.db, tenantId, fleet.selector);
    const counts = await this.db
      .select({ status: hosts.status, count: sql<number>`count(*)::int` })
      .from(hosts)
      .where(members)
      .groupBy(hosts.status);
    const byStatus = { total: 0, online: 0, offline: 0, maintenance: 0, error: 0 };
    for (const c of counts) {
      byStatus[c.status] += c.count;
      byStatus.total += c.count;
    }
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await this.db
      .select({
        id: hosts.id,
        name: hosts.name,
        status: hosts.status,
        labels: hosts.labels,
        agentVersion: hosts.agentVersion,
        lastSeenAt: hosts.lastSeenAt,
      })
      .from(hosts)
      .where(
        and(
          members,
          query.status ? eq(hosts.status, query.status) : undefined,
          query.cursor ? gt(hosts.name, query.cursor) : undefined,
        ),
      )
      .orderBy(asc(hosts.name))
      .limit(limit + 1);
    const items = rows.slice(0, limit);
    return { counts: byStatus, items, nextCursor: rows.length > limit ? items[items.length - 1]!.name : null };
  }

  /**
   * One command per host matching `selector`, as one batch: the hosts are chosen, the batch and its commands
   * inserted set-based (one statement each) in one transaction, then delivered together. Hosts in maintenance get
   * none (listed as skipped).
   */
  async createBatch(
    tenantId: string,
    actor: string,
    selector: LabelSelector,
    fleetId: string | null,
    cmd: FleetCommand,
  ) {
    validateSelector(selector);
    const { rows, batch, hostStatuses } = await this.db.transaction(async (tx) => {
      const { skipped, eligible } = await this.targetsOf(tx, tenantId, selector, "commands");
      const [batch] = await tx
        .insert(commandBatches)
        .values({
          id: newId("batch"),
          tenantId,
          fleetId,
          selector,
          kind: cmd.kind,
          params: cmd.params ?? {},
          hostCount: eligible.length,
          skipped,
          createdBy: actor,
        })
        .returning();
      const rows = await this.commands.insertMany(
        tx,
        tenantId,
        eligible.map((h) => ({
          hostId: h.id,
          kind: cmd.kind,
          params: cmd.params ?? {},
          timeoutMs: cmd.timeoutMs ?? null,
          ttlSeconds: cmd.ttlSeconds,
          batchId: batch!.id,
        })),
      );
      return { rows, batch: batch!, hostStatuses: Object.fromEntries(eligible.map((h) => [h.id, h.status])) };
    });
    this.commands.announceMany(tenantId, rows, hostStatuses);
    // The summary as of the commit (read since, it would only add a join over the batch to the fan-out's work).
    const summary = this.commands.createdBatchSummary(rows.map((r) => hostStatuses[r.hostId]!));
    return { ...publicRow(batch), summary };
  }

  /** The hosts a batch reaches now: members but those in maintenance (skipped, with the reason). */
  private async targetsOf(q: Queryable, tenantId: string, selector: LabelSelector, what: "commands" | "tasks") {
    const { hosts, where } = this.members(q, tenantId, selector);
    const targets = await q
      .select({ id: hosts.id, status: hosts.status })
      .from(hosts)
      .where(where)
      .orderBy(asc(hosts.name))
      .limit(MAX_BATCH_HOSTS + 1);
    if (targets.length > MAX_BATCH_HOSTS) throw invalid(`selector matches more than ${MAX_BATCH_HOSTS} hosts`);
    const skipped = targets
      .filter((h) => h.status === "maintenance")
      .map((h) => ({ hostId: h.id, reason: `host is in maintenance: it accepts no new ${what}` }));
    return { skipped, eligible: targets.filter((h) => h.status !== "maintenance") };
  }

  async fleetCommand(tenantId: string, actor: string, fleetId: string, cmd: FleetCommand) {
    const fleet = await this.get(tenantId, fleetId);
    return this.createBatch(tenantId, actor, fleet.selector, fleet.id, cmd);
  }

  private async batchRow(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(commandBatches)
      .where(and(eq(commandBatches.id, id), eq(commandBatches.tenantId, tenantId)));
    if (!row) throw notFound("command batch");
    return row;
  }

  async getBatch(tenantId: string, id: string) {
    const row = await this.batchRow(tenantId, id);
    return { ...publicRow(row), summary: await this.commands.batchSummary(tenantId, id) };
  }

  async listBatches(tenantId: string, query: { limit?: number; cursor?: string }) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await this.db
      .select()
      .from(commandBatches)
      .where(
        and(
          eq(commandBatches.tenantId, tenantId),
          afterCursor(query.cursor, commandBatches.createdAt, commandBatches.id),
        ),
      )
      .orderBy(desc(commandBatches.createdAt), desc(commandBatches.id))
      .limit(limit + 1);
    const page = toPage(rows, limit);
    return { ...page, items: page.items.map(publicRow) };
  }

  async batchCommands(
    tenantId: string,
    id: string,
    query: { status?: (typeof COMMAND_STATUSES)[number]; limit?: number; cursor?: string },
  ) {
    await this.batchRow(tenantId, id);
    return this.commands.listBatch(tenantId, id, { status: query.status, limit: query.limit, after: query.cursor });
  }

  /** Cancels every unfinished command of the batch; finished ones keep their outcome. */
  async cancelBatch(tenantId: string, id: string, actor: string) {
    await this.batchRow(tenantId, id);
    await this.db
      .update(commandBatches)
      .set({ cancelledAt: new Date() })
      .where(and(eq(commandBatches.id, id), isNull(commandBatches.cancelledAt)));
    const cancelled = await this.commands.cancelBatch(tenantId, id, `batch cancelled by ${actor}`);
    return { ...(await this.getBatch(tenantId, id)), cancelled };
  }

  // ---------------------------------------------------------------- task batches

  /**
   * One task per host matching `selector` (each pinned to its host, the ordinary task model), as one batch:
   * chosen, and the batch and its tasks inserted set-based, in one transaction; the scheduler runs them like any
   * other task. Hosts in maintenance get none (listed as skipped).
   */
  async createTaskBatch(
    tenantId: string,
    actor: string,
    selector: LabelSelector,
    fleetId: string | null,
    template: Omit<TaskTemplate, "hostId">,
  ) {
    validateSelector(selector);
    const { rows, batch } = await this.db.transaction(async (tx) => {
      await this.tasks.assertTemplate(tx, tenantId, template);
      const { skipped, eligible } = await this.targetsOf(tx, tenantId, selector, "tasks");
      const [batch] = await tx
        .insert(taskBatches)
        .values({
          id: newId("tbatch"),
          tenantId,
          fleetId,
          selector,
          template: template as Record<string, unknown>,
          hostCount: eligible.length,
          skipped,
          createdBy: actor,
        })
        .returning();
      const rows = await this.tasks.insertForHosts(
        tx,
        tenantId,
        template,
        eligible.map((h) => h.id),
        batch!.id,
      );
      return { rows, batch: batch! };
    });
    this.tasks.announcePending(rows);
    return { ...publicRow(batch), summary: await this.tasks.batchSummary(tenantId, batch.id) };
  }

  async fleetTask(tenantId: string, actor: string, fleetId: string, template: Omit<TaskTemplate, "hostId">) {
    const fleet = await this.get(tenantId, fleetId);
    return this.createTaskBatch(tenantId, actor, fleet.selector, fleet.id, template);
  }

  private async taskBatchRow(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(taskBatches)
      .where(and(eq(taskBatches.id, id), eq(taskBatches.tenantId, tenantId)));
    if (!row) throw notFound("task batch");
    return row;
  }

  async getTaskBatch(tenantId: string, id: string) {
    const row = await this.taskBatchRow(tenantId, id);
    return { ...publicRow(row), summary: await this.tasks.batchSummary(tenantId, id) };
  }

  async listTaskBatches(tenantId: string, query: { limit?: number; cursor?: string }) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await this.db
      .select()
      .from(taskBatches)
      .where(and(eq(taskBatches.tenantId, tenantId), afterCursor(query.cursor, taskBatches.createdAt, taskBatches.id)))
      .orderBy(desc(taskBatches.createdAt), desc(taskBatches.id))
      .limit(limit + 1);
    const page = toPage(rows, limit);
    return { ...page, items: page.items.map(publicRow) };
  }

  async taskBatchTasks(tenantId: string, id: string, query: { status?: TaskStatus; limit?: number; cursor?: string }) {
    await this.taskBatchRow(tenantId, id);
    return this.tasks.listBatch(tenantId, id, { status: query.status, limit: query.limit, after: query.cursor });
  }

  /** Cancels every unfinished task of the batch (running stages are killed on their agents); finished ones stay. */
  async cancelTaskBatch(tenantId: string, id: string, actor: string) {
    await this.taskBatchRow(tenantId, id);
    await this.db
      .update(taskBatches)
      .set({ cancelledAt: new Date() })
      .where(and(eq(taskBatches.id, id), isNull(taskBatches.cancelledAt)));
    const cancelled = await this.tasks.cancelBatch(tenantId, id, `batch cancelled by ${actor}`);
    return { ...(await this.getTaskBatch(tenantId, id)), cancelled };
  }
}
