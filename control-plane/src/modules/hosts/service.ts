/** Hosts: registered edge workers (robots or compute nodes). */
import { and, asc, desc, eq, inArray, isNotNull, isNull, lte, ne, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { fullTextMatch } from "../../lib/text-match";
import type { Static } from "elysia";
import { GENERIC_PLAN, rowsOf, type Db, type Queryable } from "../../db/connect";
import { rowFromJson } from "../../db/row-json";
import { hosts, type HOST_STATUSES, searchDocuments, telemetryPoints } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { conflict, invalid, notFound } from "../../lib/errors";
import type { EnvironmentService } from "../environments/service";
import type { HostCreateBody, HostListQuery, HostUpdateBody } from "./model";
import { screenTelemetry, type CleanPoint, type RawPoint } from "./telemetry";
import { TelemetryWriter } from "./telemetry-writer";
import { boundStatusReport } from "./status-report";
import { holdsUnfinishedTasks, occupiedSlots, occupiedSlotsNow } from "../tasks/slots";

export type HostStatus = (typeof HOST_STATUSES)[number];
export type HostRow = typeof hosts.$inferSelect;
export type MachineState = "running" | "stopped";

/** What a task asks of the machine that runs it (see `lockSchedulable`). */
export interface MachineCriteria {
  tenantId: string;
  hostId?: string | null;
  environmentId?: string | null;
  labels?: Record<string, string>;
  capabilities?: string[];
}

/** Which hosts a safety action (e-stop, resume) covers: one host, or a selector over the tenant's hosts. */
export type HostScope =
  | { hostId: string }
  | { selector: { environmentId?: string; labels?: Record<string, string> } }
  | { tenant: true };

// spelled out: drizzle leaves column names unqualified inside a subquery written as SQL
const HOST_ID = sql.raw(`"hosts"."id"`);

export class HostService {
  /** Group commit of every host's telemetry (see telemetry-writer.ts). */
  readonly telemetryWriter: TelemetryWriter;

  constructor(
    private readonly db: Db,
    private readonly environments: EnvironmentService,
    private readonly events: EventBus,
  ) {
    this.telemetryWriter = new TelemetryWriter(db);
  }

  async register(tenantId: string, input: Static<typeof HostCreateBody>) {
    if (input.environmentId) await this.environments.assertOwned(this.db, tenantId, input.environmentId);
    const [row] = await this.db
      .insert(hosts)
      .values({ ...input, id: newId("host"), tenantId })
      .returning();
    return publicRow(row!);
  }

  async list(tenantId: string, filter: Static<typeof HostListQuery>) {
    const where: SQL[] = [eq(hosts.tenantId, tenantId)];
    if (filter.status) where.push(eq(hosts.status, filter.status));
    if (filter.environmentId) where.push(eq(hosts.environmentId, filter.environmentId));
    const rows = await this.db
      .select()
      .from(hosts)
      .where(and(...where))
      .orderBy(asc(hosts.name));
    return rows.map(publicRow);
  }

  /** Every host row of the tenant, by name (machines present them with their task counts). */
  async rows(tenantId: string) {
    return this.db.select().from(hosts).where(eq(hosts.tenantId, tenantId)).orderBy(asc(hosts.name));
  }

  async get(tenantId: string, id: string) {
    return publicRow(await this.assertOwned(tenantId, id));
  }

  /**
   * The tenant's host row, or a refusal: `not_found` (the same for another tenant's host), or `invalid` ("unknown
   * host ...") when the id is a reference given in a request body. `what` names it to the caller ("host", "agent").
   */
  async assertOwned(
    tenantId: string,
    id: string,
    { q = this.db, what = "host", reference = false }: { q?: Queryable; what?: string; reference?: boolean } = {},
  ) {
    const [row] = await q
      .select()
      .from(hosts)
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)));
    if (!row) throw reference ? invalid(`unknown ${what} ${id}`) : notFound(what);
    return row;
  }

  /** Of `ids`, the tenant's hosts that are not offline. */
  async notOfflineAmong(tenantId: string, ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await this.db
      .select({ id: hosts.id })
      .from(hosts)
      .where(and(eq(hosts.tenantId, tenantId), inArray(hosts.id, ids), ne(hosts.status, "offline")));
    return new Set(rows.map((r) => r.id));
  }

  /** Hosts whose name, label values or id match `text` (full text, prefixes), best first (global search). */
  search(tenantId: string, text: string, limit: number) {
    const { matches, rank } = fullTextMatch(searchDocuments.hosts(hosts), text, hosts.name);
    return this.db
      .select({ id: hosts.id, name: hosts.name, status: hosts.status, labels: hosts.labels, rank })
      .from(hosts)
      .where(and(eq(hosts.tenantId, tenantId), matches))
      .orderBy(desc(rank), asc(hosts.name))
      .limit(limit);
  }

  /** Host counts by status: one tenant's, or (no tenant) the installation's (metrics). */
  async countByStatus(tenantId?: string): Promise<Record<string, number>> {
    const rows = await this.db
      .select({ status: hosts.status, n: sql<number>`count(*)::int` })
      .from(hosts)
      .where(
        tenantId ? and(eq(hosts.tenantId, tenantId), isNull(hosts.decommissionedAt)) : isNull(hosts.decommissionedAt),
      )
      .groupBy(hosts.status);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /**
   * The host a new command is for, as a subquery for the command's own insert (one statement creates it): its
   * status, whether it is decommissioned, and its environment's config (the default command deadline). `tenantId`
   * and `hostId`: values, or columns of the caller's statement (a LATERAL subquery per row: one primary-key probe
   * each); a host of another tenant is none.
   */
  commandTargetSql(tenantId: string | SQL, hostId: string | SQL): SQL {
    return sql`select h.id, h.status, h.decommissioned_at, ${this.environments.configSql(sql`h.environment_id`)}
      as environment_config from ${hosts} h where h.id = ${hostId} and h.tenant_id = ${tenantId}`;
  }

  /**
   * The hosts as a subquery to join in one statement (per-host results of a batch or rollout, fleet membership):
   * `hostsView(q).as("h")` then `h.name`, `h.status`, ...
   */
  hostsView(q: Queryable = this.db) {
    return q
      .select({
        id: hosts.id,
        tenantId: hosts.tenantId,
        name: hosts.name,
        status: hosts.status,
        labels: hosts.labels,
        environmentId: hosts.environmentId,
        agentVersion: hosts.agentVersion,
        lastSeenAt: hosts.lastSeenAt,
        decommissionedAt: hosts.decommissionedAt,
      })
      .from(hosts);
  }

  /** The host's status, or undefined if the tenant has no such host. */
  async statusOf(tenantId: string, id: string): Promise<HostStatus | undefined> {
    const [row] = await this.db
      .select({ status: hosts.status })
      .from(hosts)
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)));
    return row?.status;
  }

  async update(tenantId: string, id: string, input: Static<typeof HostUpdateBody>) {
    if (input.environmentId) await this.environments.assertOwned(this.db, tenantId, input.environmentId);
    const [row] = await this.db
      .update(hosts)
      .set({ ...input, updatedAt: new Date() })
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("host");
    if (input.environmentId !== undefined) this.events.publish({ type: "policies.changed", tenantId });
    return publicRow(row);
  }

  /**
   * Labels an agent reports about itself when it enrolls. Merged, operator-set labels win: a key an operator set
   * (any value differing from what the agent last reported for it) keeps its value; the others take the agent's,
   * and keys the agent reported before but no longer does are removed. `agentLabels` remembers the report.
   */
  async reportAgentLabels(q: Queryable, tenantId: string, id: string, reported: Record<string, string>) {
    const [row] = await q
      .select({ labels: hosts.labels, agentLabels: hosts.agentLabels })
      .from(hosts)
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
      .for("update");
    if (!row) throw notFound("host");
    const operatorSet = Object.fromEntries(Object.entries(row.labels).filter(([k, v]) => row.agentLabels[k] !== v));
    await q
      .update(hosts)
      .set({ labels: { ...reported, ...operatorSet }, agentLabels: reported, updatedAt: new Date() })
      .where(eq(hosts.id, id));
  }

  /** Sets (string) or removes (null) some labels, keeping the others; fleets see the change at once. */
  async patchLabels(tenantId: string, id: string, changes: Record<string, string | null>) {
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== null));
    const removed = Object.keys(changes).filter((k) => changes[k] === null);
    const without = removed.reduce((acc, key) => sql`(${acc} - ${key}::text)`, sql`${hosts.labels}`);
    const [row] = await this.db
      .update(hosts)
      .set({ labels: sql`${without} || ${JSON.stringify(set)}::jsonb`, updatedAt: new Date() })
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("host");
    return publicRow(row);
  }

  /**
   * Sets the status; agents' presence and operators both come through here. The row lock makes
   * "changed" exact, so however many replicas see the same presence message, one event results.
   */
  async setStatus(
    tenantId: string,
    id: string,
    requested: HostStatus,
    details: { agentVersion?: string; presence?: boolean } = {},
  ) {
    const { presence, ...fields } = details;
    const { row, previous, status } = await this.db.transaction(async (tx) => {
      const [current] = await tx
        .select({ status: hosts.status, offlineSince: hosts.offlineSince })
        .from(hosts)
        .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
        .for("update");
      if (!current) throw notFound("host");
      // Maintenance is an operator's decision: the agent coming and going does not end it (connectivity is
      // still tracked in offlineSince, which the worker-loss rules read).
      const status = presence && current.status === "maintenance" ? "maintenance" : requested;
      const now = new Date();
      const connectivity =
        requested === "online"
          ? { lastSeenAt: now, offlineSince: null }
          : requested === "offline"
            ? { offlineSince: current.offlineSince ?? now }
            : {};
      const [updated] = await tx
        .update(hosts)
        .set({ ...fields, status, updatedAt: now, ...connectivity })
        .where(eq(hosts.id, id))
        .returning();
      return { row: updated!, previous: current.status, status };
    });
    if (previous !== status) this.events.publish({ type: "host.status", tenantId, hostId: id, status, previous });
    return publicRow(row);
  }

  /**
   * Agents' presence for many hosts (of any tenants) in one statement, as `setStatus(..., {presence: true})` does
   * for one: online sets the agent version and last seen and clears `offlineSince`; offline keeps the first
   * `offlineSince`; a host in maintenance stays in maintenance. A `host.status` event for each host whose status
   * changed. Returns the hosts found, with their status now (unknown hosts are left out).
   */
  async setPresenceMany(
    items: { tenantId: string; hostId: string; online: boolean; agentVersion: string }[],
  ): Promise<{ tenantId: string; hostId: string; status: HostStatus; environmentId: string | null }[]> {
    if (items.length === 0) return [];
    const now = new Date().toISOString();
    const values = sql.join(
      items.map(
        (p, i) =>
          sql`(${i}::int, ${p.tenantId}::text, ${p.hostId}::text, ${p.online}::boolean, ${p.agentVersion}::text)`,
      ),
      sql`, `,
    );
    const rows =
      // Each row is locked (by `current`) before `updated` changes it: the update reads `current`, so the lock is
      // always taken first. (Were `current` a sibling the update does not read, the executor could run the update
      // first; the lock would then skip the row it changed and the host's row would be lost from the answer.)
      await this.db.execute(sql`with input (i, tenant_id, host_id, online, agent_version) as (values ${values}),
      current as (
        select h.id, h.status, n.online, n.agent_version from ${hosts} h
          join input n on n.host_id = h.id and n.tenant_id = h.tenant_id for no key update of h
      ),
      updated as (
        update ${hosts} h set
          status = case when h.status = 'maintenance' then 'maintenance' when c.online then 'online' else 'offline' end,
          agent_version = case when c.online then c.agent_version else h.agent_version end,
          last_seen_at = case when c.online then ${now}::timestamptz else h.last_seen_at end,
          offline_since = case when c.online then null else coalesce(h.offline_since, ${now}::timestamptz) end,
          updated_at = ${now}::timestamptz
        from current c where h.id = c.id
        returning h.id, c.status as previous, h.status, h.environment_id
      )
      select n.i, u.previous, u.status, u.environment_id from input n join updated u on u.id = n.host_id
        order by n.i`);
    const out: { tenantId: string; hostId: string; status: HostStatus; environmentId: string | null }[] = [];
    for (const row of rowsOf(rows)) {
      const item = items[Number(row.i)]!;
      const status = String(row.status) as HostStatus;
      const previous = String(row.previous) as HostStatus;
      if (previous !== status)
        this.events.publish({ type: "host.status", tenantId: item.tenantId, hostId: item.hostId, status, previous });
      out.push({
        tenantId: item.tenantId,
        hostId: item.hostId,
        status,
        environmentId: (row.environment_id as string | null) ?? null,
      });
    }
    return out;
  }

  /** Machine-side fields (drain, slots, capabilities, decommission): see modules/machines. */
  async setMachineFields(
    tenantId: string,
    id: string,
    fields: Partial<
      Pick<
        typeof hosts.$inferInsert,
        | "draining"
        | "maxConcurrentTasks"
        | "capabilities"
        | "hardware"
        | "labels"
        | "decommissionedAt"
        | "workerMachineId"
        | "name"
      >
    >,
  ) {
    const [row] = await this.db
      .update(hosts)
      .set({ ...fields, updatedAt: new Date() })
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("host");
    this.events.publish({ type: "host.changed", tenantId, hostId: id, draining: row.draining });
    return row;
  }

  /** Stores an agent's latest status report. */
  /**
   * For a statement applying a batch of agent reports (modules/agents/report-batch.ts), reading CTE `todo` (kind,
   * tenant_id, host_id, last_status, agent_version): `statuses`, the status reports stored on their hosts (as
   * `recordReport` stores one; `last_status` bounded by `boundStatusReport` first).
   */
  statusReportSql(now: string): SQL {
    return sql`statuses as (
        update ${hosts} h set last_status = t.last_status, agent_version = coalesce(t.agent_version, h.agent_version),
          last_seen_at = ${now}::timestamptz
        from todo t where t.kind = 'status' and h.id = t.host_id and h.tenant_id = t.tenant_id
        returning h.id
      )`;
  }

  async recordReport(tenantId: string, id: string, report: Record<string, unknown>, agentVersion: string) {
    const bounded = boundStatusReport(report, agentVersion);
    await this.db
      .update(hosts)
      .set({
        lastStatus: bounded.report,
        ...(bounded.agentVersion ? { agentVersion: bounded.agentVersion } : {}),
        lastSeenAt: new Date(),
      })
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)));
    return bounded;
  }

  /**
   * Stores an agent's telemetry points; a point seen before (same host and seq) is ignored. Each point is checked
   * on its own: bad ones are refused and counted on the host (`telemetryRejected`), the good ones are kept.
   * Resolves once they are committed, batched with other hosts' points; throws `TelemetryBusy` when the ingest is
   * saturated (nothing of the batch stored: the agent sends it again).
   */
  async recordTelemetry(
    tenantId: string,
    hostId: string,
    points: RawPoint[],
  ): Promise<{ accepted: number; rejected: number; problem?: string; stored: CleanPoint[] }> {
    const { accepted, rejected, firstProblem } = screenTelemetry(points);
    await this.telemetryWriter.write(tenantId, hostId, accepted);
    if (rejected > 0) {
      await this.db
        .update(hosts)
        .set({ telemetryRejected: sql`${hosts.telemetryRejected} + ${rejected}` })
        .where(and(eq(hosts.id, hostId), eq(hosts.tenantId, tenantId)));
    }
    return {
      accepted: accepted.length,
      rejected,
      stored: accepted,
      ...(firstProblem ? { problem: firstProblem } : {}),
    };
  }

  async telemetry(tenantId: string, hostId: string, query: { name?: string; limit?: number }) {
    // By host only (host ids are unique; a point is its host's tenant's): with the tenant in the condition too, a
    // planner without statistics (a young table) ANDed the (tenant, at) and (host, seq) indexes and sorted all the
    // host's points; by host, the newest are read straight off (host[, name], seq) in each week, merged.
    // GENERIC_PLAN: planning over every week's partition costs several times the read itself.
    const byName = query.name ? sql` and t.name = ${query.name}` : sql``;
    const found = await this.db.execute(sql`${sql.raw(GENERIC_PLAN)}select row_to_json(t) as point
      from telemetry_points t where t.host_id = ${hostId}${byName} order by t.seq desc limit ${query.limit ?? 100}`);
    const rows = rowsOf(found).map((r) => rowFromJson<typeof telemetryPoints.$inferSelect>(telemetryPoints, r.point));
    // No point, or not the tenant's: the host is checked then (404 if it is not the tenant's), not for every read.
    if (rows[0]?.tenantId !== tenantId) {
      await this.get(tenantId, hostId);
      return [];
    }
    return rows.map(({ tenantId: _t, hostId: _h, ...point }) => point);
  }

  /**
   * Deletes a host that holds no unfinished task (pinned to it or assigned to it): deleting one that does would
   * unpin its queued tasks (they could then run anywhere) and orphan its running ones. Decommission it instead.
   */
  async remove(tenantId: string, id: string) {
    const unfinished = holdsUnfinishedTasks(id);
    const [row] = await this.db
      .delete(hosts)
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId), sql`not ${unfinished}`))
      .returning({ id: hosts.id });
    if (!row) {
      await this.get(tenantId, id); // 404 when it does not exist
      throw conflict("host has unfinished tasks: cancel them, or decommission it (DELETE /api/admin/machines/:id)");
    }
    return { id: row.id, deleted: true };
  }

  // ---------------------------------------------------------------- for the task scheduler (modules/tasks)

  /**
   * Locks (FOR NO KEY UPDATE SKIP LOCKED) online machines of the tenant that are not draining, in maintenance or
   * decommissioned, have a free task slot and match `criteria`; at most `limit`, most free slots first.
   * Without a machine, environment or requirement in `criteria`: every such machine of the tenant.
   */
  async lockSchedulable(q: Queryable, criteria: MachineCriteria, limit?: number) {
    const used = occupiedSlots(HOST_ID);
    const filters = this.schedulable(criteria);
    const ordered = q
      .select({
        id: hosts.id,
        tenantId: hosts.tenantId,
        environmentId: hosts.environmentId,
        labels: hosts.labels,
        capabilities: hosts.capabilities,
        maxConcurrentTasks: hosts.maxConcurrentTasks,
      })
      .from(hosts)
      .where(and(...filters))
      .orderBy(sql`${hosts.maxConcurrentTasks} - ${used} desc`, asc(hosts.id))
      .$dynamic();
    // NO KEY UPDATE, not UPDATE: an insert referencing the machine (a command for it, its safety row) holds a KEY
    // SHARE lock on its row until it commits, which UPDATE conflicts with, so SKIP LOCKED passed the machine over and
    // a task created at that moment waited for the scheduler loop. Two schedulers still exclude each other.
    return (limit === undefined ? ordered : ordered.limit(limit)).for("no key update", {
      of: hosts,
      skipLocked: true,
    });
  }

  /**
   * The conditions of a machine that may take a task matching `criteria` now: a free slot by the snapshot's count, or
   * with `fresh` by a count of its own snapshot (occupiedSlotsNow).
   */
  private schedulable(criteria: MachineCriteria, fresh = false): (SQL | undefined)[] {
    const { labels = {}, capabilities = [] } = criteria;
    return [
      eq(hosts.status, "online"),
      eq(hosts.draining, false),
      isNull(hosts.decommissionedAt),
      sql`${(fresh ? occupiedSlotsNow : occupiedSlots)(HOST_ID)} < ${hosts.maxConcurrentTasks}`,
      eq(hosts.tenantId, criteria.tenantId),
      criteria.hostId ? eq(hosts.id, criteria.hostId) : undefined,
      criteria.environmentId ? eq(hosts.environmentId, criteria.environmentId) : undefined,
      Object.keys(labels).length ? sql`${hosts.labels} @> ${JSON.stringify(labels)}::jsonb` : undefined,
      capabilities.length ? sql`${hosts.capabilities} @> ${JSON.stringify(capabilities)}::jsonb` : undefined,
    ];
  }

  /**
   * lockSchedulable in any order, as the body of a CTE of the caller's statement: the first `limit` such machines,
   * locked FOR NO KEY UPDATE SKIP LOCKED, as (id, tenant_id, environment_id, labels, capabilities,
   * max_concurrent_tasks, environment_config). Their free-slot condition is counted with a fresh snapshot as each
   * machine is read (occupiedSlotsNow: the statement's own, taken when it began, would offer machines filled since
   * by statements like it); an assignment committed between that count and the lock is not, so a statement
   * recounts under the lock.
   */
  lockSchedulableSql(criteria: MachineCriteria, limit: number): SQL {
    return sql`select ${HOST_ID} as id, ${hosts.tenantId} as tenant_id, ${hosts.environmentId} as environment_id,
        ${hosts.labels} as labels, ${hosts.capabilities} as capabilities,
        ${hosts.maxConcurrentTasks} as max_concurrent_tasks,
        ${this.environments.configSql(sql.raw(`"hosts"."environment_id"`))} as environment_config
      from ${hosts} where ${and(...this.schedulable(criteria, true))}
      limit ${limit} for no key update of ${hosts} skip locked`;
  }

  /** The tenant's machines (or the one `hostId`) with their scheduling state and occupied slots (`used`). */
  async slotsOf(tenantId: string, hostId?: string | null) {
    return this.db
      .select({
        id: hosts.id,
        status: hosts.status,
        draining: hosts.draining,
        decommissionedAt: hosts.decommissionedAt,
        environmentId: hosts.environmentId,
        labels: hosts.labels,
        capabilities: hosts.capabilities,
        maxConcurrentTasks: hosts.maxConcurrentTasks,
        used: occupiedSlots(HOST_ID),
      })
      .from(hosts)
      .where(and(eq(hosts.tenantId, tenantId), hostId ? eq(hosts.id, hostId) : undefined));
  }

  /** Subquery of the ids of decommissioned hosts (or of `hostId` if it is decommissioned), for `inArray`. */
  decommissionedIds(q: Queryable, hostId?: string) {
    return q
      .select({ id: hosts.id })
      .from(hosts)
      .where(and(isNotNull(hosts.decommissionedAt), hostId ? eq(hosts.id, hostId) : undefined));
  }

  /** Subquery of the ids of hosts offline since before `cutoff`, for `inArray`. */
  offlineSinceBefore(cutoff: Date, q: Queryable = this.db) {
    return q.select({ id: hosts.id }).from(hosts).where(lte(hosts.offlineSince, cutoff));
  }

  // ---------------------------------------------------------------- for delegations, safety and workers

  /** The machine state recorded for the host (what its agent last acknowledged), if the host exists. */
  async machineStateOf(id: string): Promise<MachineState | undefined> {
    const [row] = await this.db.select({ machineState: hosts.machineState }).from(hosts).where(eq(hosts.id, id));
    return row?.machineState as MachineState | undefined;
  }

  /** Records the machine state an agent acknowledged (a completed start/stop command). */
  async setMachineState(id: string, machineState: MachineState) {
    await this.db.update(hosts).set({ machineState, updatedAt: new Date() }).where(eq(hosts.id, id));
  }

  /** Ids of the tenant's hosts in `scope`, by id. */
  async idsIn(tenantId: string, scope: HostScope, q: Queryable = this.db): Promise<string[]> {
    const where: SQL[] = [eq(hosts.tenantId, tenantId)];
    if ("hostId" in scope) where.push(eq(hosts.id, scope.hostId));
    else if ("selector" in scope) {
      if (scope.selector.environmentId) where.push(eq(hosts.environmentId, scope.selector.environmentId));
      if (scope.selector.labels && Object.keys(scope.selector.labels).length)
        where.push(sql`${hosts.labels} @> ${JSON.stringify(scope.selector.labels)}::jsonb`);
    }
    const rows = await q
      .select({ id: hosts.id })
      .from(hosts)
      .where(and(...where))
      .orderBy(asc(hosts.id));
    return rows.map((r) => r.id);
  }

  /** Id and name of every host of the tenant, by name. */
  async names(tenantId: string): Promise<{ id: string; name: string }[]> {
    return this.db
      .select({ id: hosts.id, name: hosts.name })
      .from(hosts)
      .where(eq(hosts.tenantId, tenantId))
      .orderBy(asc(hosts.name));
  }

  /** Records the agent version a host's agent reported after an update (in the caller's transaction). */
  async setAgentVersion(q: Queryable, id: string, agentVersion: string) {
    await q.update(hosts).set({ agentVersion }).where(eq(hosts.id, id));
  }

  /** What a worker token's status shows of the machine that enrolled with it. */
  async workerView(id: string) {
    const [row] = await this.db
      .select({
        id: hosts.id,
        name: hosts.name,
        status: hosts.status,
        workerMachineId: hosts.workerMachineId,
        lastSeenAt: hosts.lastSeenAt,
      })
      .from(hosts)
      .where(eq(hosts.id, id));
    return row;
  }

  /**
   * Worker enrollment: updates the tenant's machine that enrolled with `machineId` before (locked), or creates it.
   * A decommissioned machine cannot enroll again (`conflict`).
   */
  async enrollMachine(
    q: Queryable,
    tenantId: string,
    machineId: string,
    name: string,
    fields: Pick<
      typeof hosts.$inferInsert,
      "capabilities" | "hardware" | "labels" | "maxConcurrentTasks" | "updatedAt"
    >,
  ): Promise<HostRow> {
    const [existing] = await q
      .select()
      .from(hosts)
      .where(and(eq(hosts.tenantId, tenantId), eq(hosts.workerMachineId, machineId)))
      .for("update");
    if (existing?.decommissionedAt) throw conflict("this machine was decommissioned");
    const [host] = existing
      ? await q.update(hosts).set(fields).where(eq(hosts.id, existing.id)).returning()
      : await q
          .insert(hosts)
          .values({ id: newId("host"), tenantId, name, workerMachineId: machineId, ...fields })
          .returning();
    return host!;
  }

  /** Installation-wide count of online hosts among `ids` (a subquery of host ids). */
  async countOnlineAmong(ids: SQLWrapper) {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(hosts)
      .where(and(eq(hosts.status, "online"), inArray(hosts.id, ids)));
    return row?.n ?? 0;
  }
}
