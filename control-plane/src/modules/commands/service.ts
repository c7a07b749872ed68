/** Robot commands: created for a host, delivered to its agent, moved through pending → running → completed | failed. */
import { mark } from "../../lib/latency-trace";
import { and, asc, desc, eq, gt, inArray, isNull, lt, or, sql, type SQL } from "drizzle-orm";
import type { Static } from "elysia";
import { createHash } from "node:crypto";
import { GENERIC_PLAN, rowsOf, type Db, type Queryable } from "../../db/connect";
import { asSystem } from "../../db/context";
import { jsonValue, rowFromJson } from "../../db/row-json";
import { commands, idempotencyKeys } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { GroupCommit } from "../../lib/group-commit";
import { newId } from "../../lib/ids";
import { DEFAULT_LIMIT, afterCursor, toPage } from "../../lib/pagination";
import { publicRow } from "../../lib/rows";
import { tryTransitionRow, type TransitionInput } from "../../lib/transition";
import { sourcesOf } from "../../lib/lifecycle";
import { conflict, databaseErrorCode, invalid, notFound, unprocessable } from "../../lib/errors";
import type { HostService } from "../hosts/service";
import type { CommandCreateBody, CommandListQuery } from "./model";

/** How long an `Idempotency-Key` of a command creation is remembered. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3600_000;

/** JSON with object keys sorted: the same request body always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export const EXPIRED_ERROR = "expired: deadline passed before it started";

/** Desired vs enforced policy set version of a host (see SafetyService), as an expression of a statement. */
export interface PolicyVersions {
  policyVersionsSql(hostId: SQL): SQL;
}

/**
 * What commands need of their hosts (HostService): the host(s) of new commands as a subquery of the statement that
 * creates them (with their environments' configs: default deadlines), and the hosts as a subquery to join.
 */
export type CommandTargets = Pick<HostService, "commandTargetSql" | "hostsView">;

/** The NOTIFY channel of cluster-wide events (lib/cluster-events.ts). */
export const CLUSTER_EVENTS_CHANNEL = "edge_events";

/**
 * Group commit of command creations (lib/group-commit.ts): the creations that arrive while a create statement runs
 * share the next one. Per statement: at most `maxBatch` commands and about `maxBytes` of JSON (a creation's params
 * may be large), `maxInFlight` statements at once.
 */
const CREATE_BATCH = { maxBatch: 256, maxBytes: 1 << 20, maxInFlight: 2 };

type Command = typeof commands.$inferSelect;

/** A creation waiting for its statement: its element of the statement's JSON parameter, and its outcome. */
interface QueuedCreate {
  id: string;
  json: string;
  /** The statement's row for it (unknown host: no target). */
  done: (result: Record<string, unknown>) => void;
  fail: (error: unknown) => void;
}

/** Whether the database refused the statement itself (an SQLSTATE; not a lost connection): nothing of it committed. */
function refusedByDatabase(error: unknown): boolean {
  return /^[0-9A-Z]{5}$/.test(databaseErrorCode(error) ?? "");
}

export class CommandService {
  private readonly creates: GroupCommit<QueuedCreate>;

  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    private readonly targets: CommandTargets,
    private readonly policyVersions: PolicyVersions,
  ) {
    this.creates = new GroupCommit<QueuedCreate>(
      { maxInFlight: CREATE_BATCH.maxInFlight },
      (queue) => {
        let n = 0;
        let bytes = 0;
        while (n < Math.min(queue.length, CREATE_BATCH.maxBatch) && (n === 0 || bytes < CREATE_BATCH.maxBytes))
          bytes += queue[n++]!.json.length;
        return { batch: queue.slice(0, n), rest: queue.slice(n) };
      },
      // Several tenants' creations in one statement: it runs as the system, and checks each row's tenant itself
      // (the host must be the tenant's, as Row Level Security would have it).
      (batch) => asSystem("command creations, batched across tenants", () => this.storeCreates(batch)),
      (error, batch) => {
        for (const c of batch) c.fail(error);
      },
    );
  }

  /**
   * Creates a command for a host of the tenant: 201 once committed, or refused (unknown host, decommissioned or in
   * maintenance). Creations are stored with others that arrive meanwhile (`CREATE_BATCH`), one statement each.
   */
  async create(tenantId: string, input: Static<typeof CommandCreateBody>) {
    const { row, json } = this.newCommand(tenantId, input);
    const result = await new Promise<Record<string, unknown>>((done, fail) =>
      this.creates.add({ id: row.id, json, done, fail }),
    );
    return this.commit(this.created(row, result));
  }

  /**
   * The command `input` asks for, as far as known before the statement (the host's default deadline and policy
   * versions are read by it), and its element of the create statement's JSON parameter.
   */
  private newCommand(tenantId: string, input: Static<typeof CommandCreateBody>): { row: Command; json: string } {
    const { notAfter: notAfterText, ttlSeconds, ...fields } = input;
    if (notAfterText !== undefined && ttlSeconds !== undefined)
      throw invalid("invalid body: give notAfter or ttlSeconds, not both");
    const createdAt = new Date();
    // undefined: the environment's default, resolved by the statement.
    const explicitDeadline = deadlineOf(createdAt, notAfterText, ttlSeconds);
    const id = newId("cmd");
    mark(id, "create.start");
    const row: Command = {
      id,
      tenantId,
      hostId: input.hostId,
      kind: fields.kind,
      params: fields.params ?? {},
      status: "pending",
      result: null,
      error: null,
      timeoutMs: fields.timeoutMs ?? null,
      notAfter: explicitDeadline ?? null,
      policyVersion: null,
      batchId: null,
      createdAt,
      startedAt: null,
      finishedAt: null,
      updatedAt: createdAt,
    };
    const json = JSON.stringify({
      id,
      tenant_id: tenantId,
      host_id: row.hostId,
      kind: row.kind,
      params: row.params,
      timeout_ms: row.timeoutMs,
      created_at: createdAt.toISOString(),
      not_after: explicitDeadline?.toISOString() ?? null,
    });
    return { row, json };
  }

  /**
   * One statement for any number of new commands (`input`: their JSON array, as `newCommand` makes them, of any
   * tenants): each one's host, checked to be its tenant's (and its environment's default deadline), the insert
   * unless the host takes no new work, and the cluster notice of each new command (sent at commit). A row per input
   * command (`id`) says what became of it (see `created`). The text is the same for every batch (one parameter).
   */
  private createStatement(input: string): SQL {
    return sql`${sql.raw(GENERIC_PLAN)}with input as (select * from json_to_recordset(${input}::text::json) as x(id text,
        tenant_id text, host_id text, kind text, params jsonb, timeout_ms int, created_at timestamptz,
        not_after timestamptz)),
      targets as (
        select x.*, t.id as target_id, t.status, t.decommissioned_at, t.environment_config
        from input x left join lateral (${this.targets.commandTargetSql(sql`x.tenant_id`, sql`x.host_id`)}) t on true
      ),
      created as (
        insert into ${commands} (id, tenant_id, host_id, kind, params, timeout_ms, created_at, updated_at, not_after,
          policy_version)
        select r.id, r.tenant_id, r.target_id, r.kind, r.params, r.timeout_ms, r.created_at, r.created_at,
          coalesce(r.not_after,
            r.created_at + ${environmentTtlSql(sql`r.environment_config`)} * interval '1 second'),
          ${this.policyVersions.policyVersionsSql(sql`r.target_id`)}
        from targets r
        where r.target_id is not null and r.decommissioned_at is null and r.status <> 'maintenance'
        returning id, tenant_id, host_id, not_after, policy_version
      ),
      notified as (
        select pg_notify(${CLUSTER_EVENTS_CHANNEL}, json_build_object('type', 'command.created',
          'tenantId', c.tenant_id, 'hostId', c.host_id, 'commandId', c.id)::text)
        from created c
      )
      select r.id, r.target_id is not null as known, r.status, r.decommissioned_at is not null as decommissioned,
        (extract(epoch from c.not_after) * 1000)::float8 as not_after_ms, c.policy_version::text as policy_version,
        (select count(*)::int from notified) as notified
      from targets r left join created c on c.id = r.id`;
  }

  /** Stores a batch of creations and settles each; refused by the database, each is tried alone (its own answer). */
  private async storeCreates(batch: QueuedCreate[]): Promise<void> {
    let rows: Record<string, unknown>[];
    try {
      rows = rowsOf(await this.db.execute(this.createStatement(`[${batch.map((c) => c.json).join(",")}]`)));
    } catch (error) {
      // One creation's bad value (say a NUL in its params) must not fail the others: alone, each gets the answer
      // it would have had. A lost connection is no such refusal (the statement may have committed): it fails all.
      if (batch.length === 1 || !refusedByDatabase(error)) throw error;
      for (const c of batch) await this.storeCreates([c]).catch(c.fail);
      return;
    }
    const byId = new Map(rows.map((r) => [String(r.id), r]));
    for (const c of batch) c.done(byId.get(c.id)!);
  }

  /** The new command `row` as its statement's `result` says (refused, or created: its deadline, its host's status). */
  private created(row: Command, result: Record<string, unknown>): { row: Command; hostStatus: string } {
    if (!result.known) throw invalid(`unknown host ${row.hostId}`);
    // Maintenance and decommission mean no new work for the machine (see README "Machines").
    if (result.decommissioned) throw conflict("host is decommissioned");
    if (result.status === "maintenance") throw conflict("host is in maintenance: it accepts no new commands");
    row.notAfter = result.not_after_ms === null ? null : new Date(Number(result.not_after_ms));
    row.policyVersion = result.policy_version ? JSON.parse(String(result.policy_version)) : null;
    return { row, hostStatus: String(result.status) };
  }

  /** After the commit of a new command: its latency mark, its announcement; what the API returns of it. */
  private commit({ row, hostStatus }: { row: Command; hostStatus: string }) {
    mark(row.id, "create.committed");
    this.announce(row, hostStatus);
    return publicRow(row);
  }

  /**
   * The commands as a subquery to join in one statement (a task's stage outcome, a rollout host's update):
   * `commandsView(q).as("c")` then `c.status`, `c.error`, ...
   */
  commandsView(q: Queryable = this.db) {
    return q
      .select({
        id: commands.id,
        tenantId: commands.tenantId,
        hostId: commands.hostId,
        kind: commands.kind,
        status: commands.status,
        result: commands.result,
        error: commands.error,
        createdAt: commands.createdAt,
      })
      .from(commands);
  }

  /** The host's latest commands of `kinds` (newest first, at most `limit`): id, kind, status, error. */
  async latestOfKinds(tenantId: string, hostId: string, kinds: string[], limit: number) {
    return this.db
      .select({ id: commands.id, kind: commands.kind, status: commands.status, error: commands.error })
      .from(commands)
      .where(and(eq(commands.tenantId, tenantId), eq(commands.hostId, hostId), inArray(commands.kind, kinds)))
      .orderBy(desc(commands.createdAt), desc(commands.id))
      .limit(limit);
  }

  /**
   * Removes delivered grant tokens (`params.grantToken`) from stored `runtime.update` commands (of `hostId`, else of
   * every host) once they can no longer be used: the command ended, or `usableGrant(grantId)` (an SQL condition the
   * owner of update grants hands out) no longer holds.
   */
  async scrubGrantTokens(usableGrant: (grantId: SQL) => SQL, hostId?: string) {
    await this.db
      .update(commands)
      .set({ params: sql`${commands.params} - 'grantToken'` })
      .where(
        and(
          hostId ? eq(commands.hostId, hostId) : undefined,
          eq(commands.kind, "runtime.update"),
          sql`${commands.params}->>'grantToken' is not null`,
          or(
            inArray(commands.status, ["completed", "failed", "cancelled"]),
            sql`not ${usableGrant(sql`${commands.params}->>'grantId'`)}`,
          ),
        ),
      );
  }

  /** Command counts by status across the installation (metrics). */
  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .select({ status: commands.status, n: sql<number>`count(*)::int` })
      .from(commands)
      .groupBy(commands.status);
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /**
   * Creates a command once per `Idempotency-Key` (per tenant, for IDEMPOTENCY_KEY_TTL_MS): the same key with the same
   * body gives the command created first (`replayed`); with another body it is refused (422).
   */
  async createOnce(tenantId: string, key: string, input: Static<typeof CommandCreateBody>) {
    const requestSha256 = createHash("sha256").update(canonicalJson(input)).digest("hex");
    await this.db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, new Date()));
    const replay = async () => {
      const [seen] = await this.db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
      if (!seen) return undefined;
      if (seen.requestSha256 !== requestSha256)
        throw unprocessable("Idempotency-Key was already used with a different request");
      const [row] = await this.db
        .select()
        .from(commands)
        .where(and(eq(commands.id, seen.commandId), eq(commands.tenantId, tenantId)));
      if (!row) throw conflict("the command created with this Idempotency-Key has been deleted");
      return { command: publicRow(row), replayed: true };
    };
    const earlier = await replay();
    if (earlier) return earlier;
    try {
      const { row, json } = this.newCommand(tenantId, input);
      // Alone, not batched: the command and its key commit together (a concurrent twin fails on the key and replays).
      const created = await this.db.transaction(async (tx) => {
        const [result] = rowsOf(await tx.execute(this.createStatement(`[${json}]`)));
        const created = this.created(row, result!);
        await tx.insert(idempotencyKeys).values({
          tenantId,
          key,
          requestSha256,
          commandId: row.id,
          expiresAt: new Date(Date.now() + IDEMPOTENCY_KEY_TTL_MS),
        });
        return created;
      });
      return { command: this.commit(created), replayed: false };
    } catch (error) {
      const twin = databaseErrorCode(error) === "23505" ? await replay() : undefined;
      if (twin) return twin;
      throw error;
    }
  }

  /**
   * Inserts commands inside the caller's transaction (task stages); call `announce` once it has committed. A stage's
   * `ttlSeconds`, else its machine's environment default (`config.commandTtlSeconds`), sets the command's deadline.
   */
  async insertMany(
    q: Queryable,
    tenantId: string,
    items: {
      hostId: string;
      kind: string;
      params: Record<string, unknown>;
      timeoutMs?: number | null;
      /** undefined: the host environment's default; null: no deadline (the caller resolved it already). */
      ttlSeconds?: number | null;
      /** The fleet command batch (modules/fleets) it belongs to. */
      batchId?: string;
    }[],
  ): Promise<(typeof commands.$inferSelect)[]> {
    if (items.length === 0) return [];
    const now = new Date();
    const ids = items.map(() => newId("cmd"));
    // One statement and one parameter for any number of commands (a fleet's thousand): the rows as JSON, each
    // host's environment default deadline read by the statement.
    const input = JSON.stringify(
      items.map((c, i) => ({
        id: ids[i],
        host_id: c.hostId,
        kind: c.kind,
        params: c.params,
        timeout_ms: c.timeoutMs ?? null,
        ttl: c.ttlSeconds ?? null,
        default_ttl: c.ttlSeconds === undefined,
        batch_id: c.batchId ?? null,
      })),
    );
    const result =
      await q.execute(sql`with input as (select * from json_to_recordset(${input}::text::json) as x(id text,
        host_id text, kind text, params jsonb, timeout_ms int, ttl float8, default_ttl boolean, batch_id text)),
      inserted as (${this.insertRowsSql(
        sql`(select x.id, ${tenantId}::text as tenant_id, x.host_id, x.kind, x.params, x.timeout_ms,
          coalesce(x.ttl, case when x.default_ttl then ${environmentTtlSql(sql`t.environment_config`)} end) as ttl_seconds,
          x.batch_id
          from input x left join lateral (${this.targets.commandTargetSql(tenantId, sql`x.host_id`)}) t on true)`,
        now,
      )})
      select json_agg(row_to_json(c)) as rows from inserted c`);
    // One JSON array for all of them (a fleet's thousand rows would cost the driver a row each).
    const rows = jsonValue<{ id: string }[] | null>(rowsOf(result)[0]?.rows) ?? [];
    const byId = new Map(rows.map((row) => [row.id, this.fromJson(row)]));
    return ids.map((id) => byId.get(id)!);
  }

  /**
   * The insert of new commands as the body of a CTE of the caller's statement: one per row of the caller's relation
   * `from`, with columns id, tenant_id, host_id, kind, params (jsonb), timeout_ms (int), ttl_seconds (float8; null:
   * no deadline) and batch_id, created at `at`; returns their rows. Announce them after the commit, as `insertMany`'s.
   */
  insertRowsSql(from: SQL, at: Date): SQL {
    const t = sql`${at.toISOString()}::timestamptz`;
    return sql`insert into ${commands} (id, tenant_id, host_id, kind, params, timeout_ms, created_at, updated_at, not_after,
        batch_id)
      select r.id, r.tenant_id, r.host_id, r.kind, r.params, r.timeout_ms, ${t}, ${t},
        ${t} + r.ttl_seconds * interval '1 second', r.batch_id
      from ${from} r
      returning *`;
  }

  /**
   * `insertRowsSql` for one command: for the host of each row of the caller's relation `from` (with `id` and
   * `environment_config`; none: no command), its deadline `ttlSeconds` or else the environment's default.
   */
  insertOneSql(
    c: {
      id: string;
      tenantId: string;
      kind: string;
      params: Record<string, unknown>;
      timeoutMs: number | null;
      at: Date;
    },
    target: { from: SQL; ttlSeconds: number | null },
  ): SQL {
    return this.insertRowsSql(
      sql`(select ${c.id}::text as id, ${c.tenantId}::text as tenant_id, p.id as host_id, ${c.kind}::text as kind,
        ${JSON.stringify(c.params)}::jsonb as params, ${c.timeoutMs}::int as timeout_ms,
        coalesce(${target.ttlSeconds}::float8, ${environmentTtlSql(sql`p.environment_config`)}) as ttl_seconds,
        null::text as batch_id
        from ${target.from} p)`,
      c.at,
    );
  }

  /** A command row as `row_to_json` gives it (e.g. from `insertOneSql` in a caller's statement). */
  fromJson(json: unknown): typeof commands.$inferSelect {
    return rowFromJson(commands, json);
  }

  /**
   * Announces commands inserted together (after commit): the transports deliver them as one batch. `hostStatuses`:
   * the hosts' statuses read by the transaction that inserted them, if it did.
   */
  announceMany(
    tenantId: string,
    rows: (typeof commands.$inferSelect)[],
    hostStatuses?: Readonly<Record<string, string>>,
  ): void {
    if (rows.length) this.events.publish({ type: "commands.created", tenantId, commands: rows, hostStatuses });
  }

  /**
   * Status counts of a batch's commands. `offline`: not finished and the host is offline (it gets the command when
   * it reconnects); `pending` and `running` count only commands of reachable hosts.
   */
  async batchSummary(tenantId: string, batchId: string) {
    const hosts = this.targets.hostsView(this.db).as("h");
    const rows = await this.db
      .select({
        status: commands.status,
        offline: sql<boolean>`${hosts.status} = 'offline'`,
        count: sql<number>`count(*)::int`,
      })
      .from(commands)
      .innerJoin(hosts, eq(hosts.id, commands.hostId))
      .where(and(eq(commands.tenantId, tenantId), eq(commands.batchId, batchId)))
      .groupBy(commands.status, sql`${hosts.status} = 'offline'`);
    const summary = emptyBatchSummary();
    for (const row of rows) {
      summary.total += row.count;
      const unfinished = row.status === "pending" || row.status === "running";
      if (unfinished && row.offline) summary.offline += row.count;
      else summary[row.status] += row.count;
    }
    return summary;
  }

  /**
   * `batchSummary` of a batch as the transaction that created it left it, with no query: every command pending, or
   * offline with its host (`hostStatuses`: the statuses of its commands' hosts, as that transaction read them).
   */
  createdBatchSummary(hostStatuses: string[]) {
    const summary = emptyBatchSummary();
    for (const status of hostStatuses) {
      summary.total++;
      summary[status === "offline" ? "offline" : "pending"]++;
    }
    return summary;
  }

  /** A batch's commands with their hosts (per-host results), by host name. */
  async listBatch(
    tenantId: string,
    batchId: string,
    query: { status?: (typeof commands.$inferSelect)["status"]; limit?: number; after?: string },
  ) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const hosts = this.targets.hostsView(this.db).as("h");
    const rows = await this.db
      .select({
        commandId: commands.id,
        hostId: commands.hostId,
        hostName: hosts.name,
        hostStatus: hosts.status,
        status: commands.status,
        result: commands.result,
        error: commands.error,
        startedAt: commands.startedAt,
        finishedAt: commands.finishedAt,
      })
      .from(commands)
      .innerJoin(hosts, eq(hosts.id, commands.hostId))
      .where(
        and(
          eq(commands.tenantId, tenantId),
          eq(commands.batchId, batchId),
          query.status ? eq(commands.status, query.status) : undefined,
          query.after ? gt(hosts.name, query.after) : undefined,
        ),
      )
      .orderBy(asc(hosts.name))
      .limit(limit + 1);
    const items = rows.slice(0, limit);
    return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.hostName : null };
  }

  /**
   * Cancels every unfinished command of a batch in one guarded UPDATE; each agent is told to kill or never start
   * its command (as for a single cancel). Returns how many were cancelled.
   */
  async cancelBatch(tenantId: string, batchId: string, reason: string): Promise<number> {
    const now = new Date();
    const rows = await this.db
      .update(commands)
      .set({ status: "cancelled", error: reason, finishedAt: now, updatedAt: now })
      .where(
        and(
          eq(commands.tenantId, tenantId),
          eq(commands.batchId, batchId),
          inArray(commands.status, sourcesOf("cancelled")),
        ),
      )
      .returning({ id: commands.id, hostId: commands.hostId, kind: commands.kind });
    for (const row of rows) {
      this.events.publish({
        type: "command.transition",
        tenantId,
        hostId: row.hostId,
        commandId: row.id,
        kind: row.kind,
        status: "cancelled",
        error: reason,
      });
    }
    return rows.length;
  }

  /** `hostStatus`: the host's status when it was created, if known (delivery then need not look it up). */
  announce(row: typeof commands.$inferSelect, hostStatus?: string): void {
    this.events.publish({
      type: "command.created",
      tenantId: row.tenantId,
      hostId: row.hostId,
      commandId: row.id,
      command: row,
      ...(hostStatus ? { hostStatus } : {}),
    });
  }

  /** Cancels a command if it has not finished (the agent kills or never starts it); false if it already had. */
  async cancelIfActive(
    tenantId: string,
    id: string,
    reason: string,
    opts: { awaitDelivery?: boolean } = {},
  ): Promise<boolean> {
    const outcome = await this.tryTransition(tenantId, id, { status: "cancelled", error: reason }, opts);
    return outcome.moved;
  }

  async list(tenantId: string, query: Static<typeof CommandListQuery>) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const where: (SQL | undefined)[] = [
      eq(commands.tenantId, tenantId),
      afterCursor(query.cursor, commands.createdAt, commands.id),
    ];
    if (query.status) where.push(eq(commands.status, query.status));
    if (query.hostId) where.push(eq(commands.hostId, query.hostId));
    const rows = await this.db
      .select()
      .from(commands)
      .where(and(...where))
      .orderBy(desc(commands.createdAt), desc(commands.id))
      .limit(limit + 1);
    const page = toPage(rows, limit);
    return { ...page, items: page.items.map(publicRow) };
  }

  async get(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(commands)
      .where(and(eq(commands.id, id), eq(commands.tenantId, tenantId)));
    if (!row) throw notFound("command");
    return publicRow(row);
  }

  /** `awaitDelivery`: resolve only once the transports have handled the transition (a cancel has gone out). */
  async transition(tenantId: string, id: string, input: TransitionInput, opts: { awaitDelivery?: boolean } = {}) {
    const outcome = await this.tryTransition(tenantId, id, input, opts);
    if (outcome.moved) return publicRow(outcome.row);
    if (outcome.missing) throw notFound("command");
    throw conflict(`cannot transition command from ${outcome.current} to ${input.status}`);
  }

  /** A compare-and-set transition that says whether it happened (and announces it if it did). */
  private async tryTransition(tenantId: string, id: string, input: TransitionInput, { awaitDelivery = false } = {}) {
    const outcome = await tryTransitionRow(this.db, commands, tenantId, id, input);
    if (!outcome.moved) return outcome;
    const row = outcome.row;
    await this.events[awaitDelivery ? "publishAndWait" : "publish"]({
      type: "command.transition",
      tenantId,
      hostId: row.hostId,
      commandId: id,
      kind: row.kind,
      status: row.status,
      error: row.error,
    });
    return outcome;
  }

  /**
   * Commands to (re)send to a host's agent after a gap, oldest first: pending ones (perhaps never delivered)
   * and running ones (the agent answers with the final report if it has finished them).
   */
  unfinishedFor(tenantId: string, hostId: string) {
    return this.unfinishedForHosts(tenantId, [hostId]);
  }

  /** As `unfinishedFor`, for many hosts of a tenant in one statement (agents coming online together). */
  async unfinishedForHosts(tenantId: string, hostIds: string[]) {
    if (hostIds.length === 0) return [];
    return this.db
      .select()
      .from(commands)
      .where(
        and(
          eq(commands.tenantId, tenantId),
          inArray(commands.hostId, hostIds),
          or(
            eq(commands.status, "running"),
            // a pending command past its deadline is never sent: the sweeper expires it
            and(eq(commands.status, "pending"), or(isNull(commands.notAfter), gt(commands.notAfter, new Date()))),
          ),
        ),
      )
      .orderBy(asc(commands.createdAt), asc(commands.id));
  }

  /**
   * Commands of every tenant still pending since before `before`, oldest first: their delivery may have been lost
   * (e.g. the replica that was to publish them died), so they are sent again.
   */
  async pendingSince(before: Date, limit: number) {
    return this.db
      .select()
      .from(commands)
      .where(
        and(
          eq(commands.status, "pending"),
          lt(commands.createdAt, before),
          or(isNull(commands.notAfter), gt(commands.notAfter, new Date())),
        ),
      )
      .orderBy(asc(commands.createdAt), asc(commands.id))
      .limit(limit);
  }

  /**
   * Marks `expired` every pending command whose deadline passed more than `graceMs` ago (the tolerated clock skew
   * with agents, which refuse it by their own clock). One guarded UPDATE: safe with several replicas.
   */
  async expireOverdue(graceMs: number): Promise<number> {
    const now = new Date();
    const rows = await this.db
      .update(commands)
      .set({ status: "expired", error: EXPIRED_ERROR, finishedAt: now, updatedAt: now })
      .where(and(eq(commands.status, "pending"), lt(commands.notAfter, new Date(now.getTime() - graceMs))))
      .returning({ id: commands.id, tenantId: commands.tenantId, hostId: commands.hostId });
    for (const row of rows) {
      this.events.publish({
        type: "command.transition",
        tenantId: row.tenantId,
        hostId: row.hostId,
        commandId: row.id,
        status: "expired",
        error: EXPIRED_ERROR,
      });
    }
    return rows.length;
  }

  /**
   * Applies a transition reported by a host's agent. Redelivered or stale reports (the command
   * already moved on, or belongs to another host) are ignored: returns false. Reports may arrive out of order
   * (several replicas, resends): a completion seen before its RUNNING report passes through `running`, and the
   * late RUNNING report is then stale.
   */
  async applyAgentReport(
    tenantId: string,
    hostId: string,
    commandId: string,
    input: TransitionInput,
  ): Promise<boolean> {
    const [row] = await this.db
      .select({ hostId: commands.hostId, status: commands.status })
      .from(commands)
      .where(and(eq(commands.id, commandId), eq(commands.tenantId, tenantId)));
    if (!row || row.hostId !== hostId) return false;
    const attempt = async (step: TransitionInput) => {
      const outcome = await this.tryTransition(tenantId, commandId, step);
      if (outcome.moved) return true;
      // Stale (the command moved on): only a sweeper's premature expiry is corrected; a deleted command is ignored.
      return outcome.missing ? false : this.correctSweptExpiry(tenantId, hostId, commandId, step);
    };
    if (input.status === "completed" && row.status === "pending") await attempt({ status: "running" });
    return attempt(input);
  }

  /**
   * The agent checks deadlines itself: a command it reports started (or finished) did run, even if its report came
   * in after the sweeper marked it expired (delayed past the grace). The record follows the machine, never the reverse.
   */
  private async correctSweptExpiry(
    tenantId: string,
    hostId: string,
    commandId: string,
    { status, result, error }: TransitionInput,
  ): Promise<boolean> {
    if (status !== "running" && status !== "completed" && status !== "failed") return false;
    const now = new Date();
    const [row] = await this.db
      .update(commands)
      .set({
        status,
        error: error ?? null,
        finishedAt: status === "running" ? null : now,
        updatedAt: now,
        ...(status === "running" ? { startedAt: now } : {}),
        ...(result !== undefined ? { result } : {}),
      })
      .where(
        and(
          eq(commands.id, commandId),
          eq(commands.tenantId, tenantId),
          eq(commands.status, "expired"),
          eq(commands.error, EXPIRED_ERROR),
        ),
      )
      .returning({ id: commands.id });
    if (!row) return false;
    this.events.publish({ type: "command.transition", tenantId, hostId, commandId, status, error: error ?? null });
    return true;
  }

  /**
   * For a statement applying a batch of agent reports (modules/agents/report-batch.ts), reading CTE `todo` (i,
   * tenant_id, host_id, command_id, status, error, result, sources): `moved`: the commands moved (as
   * `applyAgentReport` would move them, one by one), with their status before. Compare-and-set on the status read by this statement
   * (a concurrent change makes the update skip the row); the sources of each status are the lifecycle's.
   */
  agentReportSql(now: string): SQL {
    // `before` carries the report with the command's status (one primary-key probe per report: a LATERAL with a
    // LIMIT is never flattened), so `moved` joins no CTE with another (see AgentSequences.batchRecordSql). It locks
    // the row and so reads its latest committed status: a report of the same command applied meanwhile by another
    // replica (shared subscriptions spread one agent's messages over replicas) is seen. The lock makes `prev_status`
    // the row's status until the statement ends, so `moved` compares nothing more: its scan reads the statement's
    // snapshot, where a status committed meanwhile is not seen, and a `c.status = prev_status` there would drop the
    // report while it is recorded as processed.
    return sql`before as (
        select t.i, t.command_id, t.tenant_id, t.status, t.error, t.result, t.sources, c.status as prev_status,
          c.error as prev_error
        from todo t cross join lateral (select c.status, c.error from ${commands} c where c.id = t.command_id
          and c.tenant_id = t.tenant_id and c.host_id = t.host_id limit 1 for update) c
      ),
      moved as (
        update ${commands} c set
          status = b.status,
          updated_at = ${now}::timestamptz,
          started_at = case
            when b.prev_status = 'expired' and b.status = 'running' then ${now}::timestamptz
            when b.status = 'running' or (b.prev_status = 'pending' and b.status = 'completed')
              then coalesce(c.started_at, ${now}::timestamptz)
            else c.started_at end,
          finished_at = case when b.status <> 'running' then ${now}::timestamptz
            when b.prev_status = 'expired' then null else c.finished_at end,
          result = coalesce(b.result, c.result),
          error = case when b.prev_status = 'expired' then b.error else coalesce(b.error, c.error) end
        from before b
        where c.id = b.command_id and c.tenant_id = b.tenant_id and (
          b.prev_status = any(string_to_array(b.sources, ','))
          or (b.prev_status = 'pending' and b.status = 'completed')
          or (b.prev_status = 'expired' and b.prev_error = ${EXPIRED_ERROR} and b.status in ('running', 'completed', 'failed')))
        returning b.i, c.id, c.tenant_id, c.host_id, c.kind, c.status, c.error, c.result, b.prev_status as previous
      )`;
  }

  /** Deletes a command that is not running (cancel a running one first). */
  async remove(tenantId: string, id: string) {
    const current = await this.get(tenantId, id);
    if (current.status === "running") throw conflict("command is running; cancel it before deleting");
    const [row] = await this.db
      .delete(commands)
      .where(and(eq(commands.id, id), eq(commands.tenantId, tenantId), eq(commands.status, current.status)))
      .returning({ id: commands.id });
    if (!row) throw conflict("command changed state while deleting; retry");
    return { id: row.id, deleted: true };
  }
}

const emptyBatchSummary = () => ({
  total: 0,
  completed: 0,
  failed: 0,
  pending: 0,
  running: 0,
  offline: 0,
  cancelled: 0,
  expired: 0,
});

/** The default deadline (seconds) an environment's config gives commands (`commandTtlSeconds`), null if none. */
function environmentTtlSql(config: SQL): SQL {
  return sql`case when jsonb_typeof(${config}->'commandTtlSeconds') = 'number'
    then (${config}->>'commandTtlSeconds')::float8 end`;
}

/** The absolute deadline of a new command: `notAfter`, or `ttlSeconds` from now; undefined = none. */
function deadlineOf(now: Date, notAfter: string | undefined, ttlSeconds: number | undefined): Date | undefined {
  if (notAfter === undefined) return ttlSeconds === undefined ? undefined : new Date(now.getTime() + ttlSeconds * 1000);
  const at = new Date(notAfter);
  if (Number.isNaN(at.getTime())) throw invalid("invalid body: notAfter: must be an ISO 8601 date-time");
  if (at.getTime() <= now.getTime()) throw invalid("invalid body: notAfter: must be in the future");
  return at;
}
