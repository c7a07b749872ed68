/**
 * How tasks run: the scheduler's assignment (claimed with FOR UPDATE SKIP LOCKED, machine rows locked while
 * their slots are counted), stage dispatch as ordinary commands (same delivery, same safety gate on the agent),
 * advancing on command transitions, confirm stages, cancel, retry, and re-queueing work of lost or
 * decommissioned machines. Every state change is a task event, written in the same transaction.
 */
import { and, asc, desc, eq, inArray, lte, type SQL, sql } from "drizzle-orm";
import { GENERIC_PLAN, rowsOf, type Db, type Queryable } from "../../db/connect";
import { rowFromJson } from "../../db/row-json";
import { type commands, taskEvents, taskLogs, taskStageRuns, tasks, type PipelineStage } from "../../db/schema";
import { CHANNEL } from "../../lib/cluster-events";
import type { DomainEvent, EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { TASK_ACTIVE, type TaskStatus } from "../../lib/lifecycle";
import { invalid, conflict, notFound } from "../../lib/errors";
import type { CommandService } from "../commands/service";
import { commandTtlSecondsOf } from "../environments/safety-config";
import type { EnvironmentService } from "../environments/service";
import type { HostRow as Host, HostService } from "../hosts/service";
import type { ProjectScope } from "../projects/members";
import { render } from "../projects/pipeline";
import { occupiedSlotsNow } from "./slots";

export type Task = typeof tasks.$inferSelect;
type Command = typeof commands.$inferSelect;
type HostRow = Pick<Host, "id" | "tenantId" | "environmentId" | "labels" | "capabilities" | "maxConcurrentTasks"> & {
  environmentConfig: Record<string, unknown> | null;
};

const PINNED = " (the task was pinned to it: it cannot run elsewhere)";

/** NOTIFY channel of the events every replica sees (lib/cluster-events.ts), sent by the statements that move tasks. */
const CLUSTER_CHANNEL = CHANNEL;

/** A stage's `agent` command runs this long unless the stage says otherwise. */
export const AGENT_STAGE_TIMEOUT_MS = 3_600_000;

/** Work done in a transaction that must be announced once it has committed. */
class AfterCommit {
  /** New commands, with their host's status when the transaction knew it (locked online: no lookup to deliver). */
  readonly commands: { command: Command; hostStatus?: string }[] = [];
  readonly transitions: {
    tenantId: string;
    taskId: string;
    status: TaskStatus;
    notified?: boolean;
    queuedMs?: number;
  }[] = [];
  readonly cancels: { tenantId: string; commandId: string; reason: string }[] = [];
  /** Task events of the transaction, written in one INSERT at its end. */
  readonly events: (typeof taskEvents.$inferInsert)[] = [];
  /** Wait until cancels have been handed to the agent (before its identity is revoked, say). */
  awaitCancelDelivery = false;
}

export class TaskExecution {
  constructor(
    private readonly db: Db,
    private readonly commands: CommandService,
    private readonly events: EventBus,
    private readonly hosts: HostService,
    private readonly environments: EnvironmentService,
  ) {}

  /** Runs `fn` in a transaction, then delivers its new commands, cancels and transition events. */
  private async inTx<T>(fn: (tx: Queryable, after: AfterCommit) => Promise<T>): Promise<T> {
    const after = new AfterCommit();
    const result = await this.db.transaction(async (tx) => {
      const value = await fn(tx, after);
      if (after.events.length) await tx.insert(taskEvents).values(after.events);
      return value;
    });
    await this.flush(after);
    return result;
  }

  private async flush(after: AfterCommit): Promise<void> {
    for (const c of after.commands) this.commands.announce(c.command, c.hostStatus);
    for (const t of after.transitions) this.events.publish({ type: "task.transition", ...t });
    for (const c of after.cancels)
      await this.commands.cancelIfActive(c.tenantId, c.commandId, c.reason, {
        awaitDelivery: after.awaitCancelDelivery,
      });
  }

  /** Records a task event, written with the transaction's other events before it commits. */
  /** The run of the task's current stage in its current attempt (suspended on a confirm, else running). */
  private recordStageRun(
    q: Queryable,
    task: Task,
    stage: { name: string; kind: string },
    run: { status: "suspended" | "running"; hostId: string; commandId?: string },
  ) {
    return q.insert(taskStageRuns).values({
      id: newId("stage"),
      tenantId: task.tenantId,
      taskId: task.id,
      attempt: task.attempt,
      stageIndex: task.stageIndex,
      stageName: stage.name,
      kind: stage.kind,
      ...run,
    });
  }

  private note(
    after: AfterCommit,
    task: Pick<Task, "id" | "tenantId" | "attempt">,
    type: string,
    message: string,
    data: Record<string, unknown> = {},
    stageIndex?: number,
  ) {
    after.events.push({
      tenantId: task.tenantId,
      taskId: task.id,
      attempt: task.attempt,
      type,
      message,
      data,
      stageIndex: stageIndex ?? null,
    });
  }

  async event(
    q: Queryable,
    task: Pick<Task, "id" | "tenantId" | "attempt">,
    type: string,
    message: string,
    data: Record<string, unknown> = {},
    stageIndex?: number,
  ) {
    await q.insert(taskEvents).values({
      tenantId: task.tenantId,
      taskId: task.id,
      attempt: task.attempt,
      type,
      message,
      data,
      stageIndex: stageIndex ?? null,
    });
  }

  /** Sets the task's status (and other columns) and records the change as an event. */
  private async setStatus(
    q: Queryable,
    after: AfterCommit,
    task: Task,
    status: TaskStatus,
    set: Partial<Task> = {},
    message?: string,
  ): Promise<Task> {
    const now = new Date();
    const [row] = await q
      .update(tasks)
      .set({
        ...set,
        status,
        updatedAt: now,
        ...(status === "running" && !task.startedAt ? { startedAt: now } : {}),
        ...(["completed", "failed", "cancelled"].includes(status) ? { finishedAt: now } : {}),
      })
      .where(eq(tasks.id, task.id))
      .returning();
    if (status !== task.status) {
      this.note(
        after,
        row!,
        "status",
        message ?? `${task.status} → ${status}`,
        { from: task.status, to: status, ...(set.error ? { error: set.error } : {}) },
        row!.stageIndex,
      );
      after.transitions.push({
        tenantId: task.tenantId,
        taskId: task.id,
        status,
        ...(status === "assigned" ? { queuedMs: Date.now() - task.createdAt.getTime() } : {}),
      });
    }
    return row!;
  }

  // ---------------------------------------------------------------- scheduling

  /**
   * One scheduling pass: claims up to `limit` pending tasks (highest priority, then oldest) with SKIP LOCKED,
   * locks machines with free slots that can take them (SKIP LOCKED: a machine another replica is assigning to
   * right now is left for the next pass), recounts their slots under the lock, and assigns and dispatches each
   * task's current stage. A handful of statements per pass, whatever the number of tasks or machines. Returns
   * how many were assigned.
   */
  async assignPending(limit = 500): Promise<number> {
    return this.inTx(async (tx, after) => {
      const pending = await tx
        .select()
        .from(tasks)
        .where(eq(tasks.status, "pending"))
        .orderBy(desc(tasks.priority), asc(tasks.createdAt), asc(tasks.id))
        .limit(limit)
        .for("update", { skipLocked: true });
      if (pending.length === 0) return 0;
      const machines = await this.lockCandidates(tx, pending);
      if (machines.length === 0) return 0;
      const free = await this.freeSlots(tx, machines);
      return (await this.assignTo(tx, after, pending, machines, free)).size;
    });
  }

  /**
   * Creates a task (the pending row `values`) and assigns it in the same statement when it can run now: no
   * scheduling pass to wait for, no transaction. The statement locks up to two matching machines with a free slot
   * (FOR NO KEY UPDATE SKIP LOCKED, as a scheduling pass does), recounts their slots under the lock (occupiedSlotsNow:
   * a fresh snapshot, so an assignment another replica committed since the statement began is counted), and takes
   * the freest one unless an older or higher-priority pending task of the tenant could run on one of them (the queue
   * keeps its order: the task then waits for the scheduler, which is woken). Then, in the same statement: the task
   * (assigned, or pending), its stage command, its stage run, its events in order (created; assigned and
   * stage.dispatched) and the NOTIFY of the assignment. A task whose first stage is a confirm is inserted pending
   * (the scheduler handles those one by one). Returns the row as committed (assigned, or pending).
   */
  async createAndAssign(
    values: typeof tasks.$inferInsert & { id: string; tenantId: string; createdAt: Date },
    created: { message: string; data: Record<string, unknown> },
  ): Promise<Task> {
    const pipeline = values.pipeline ?? [];
    const spec = stageCommand({
      id: values.id,
      prompt: values.prompt,
      agentType: values.agentType ?? "default",
      pipeline,
      stageIndex: 0,
      stageResults: {},
    });
    if (!spec)
      return this.inTx(async (tx) => {
        const [task] = await tx.insert(tasks).values(values).returning();
        await this.event(tx, task!, "status", created.message, created.data);
        return task!;
      });
    const stage = pipeline[0]!;
    const { id, tenantId } = values;
    const requirements = values.requirements ?? {};
    const now = new Date();
    const at = sql`${now.toISOString()}::timestamptz`;
    const commandId = newId("cmd");
    const criteria = { tenantId, hostId: values.hostId, environmentId: values.environmentId, ...requirements };
    const text = (v: string | null | undefined) => sql`${v ?? null}::text`;
    const json = (v: unknown) => sql`${JSON.stringify(v)}::jsonb`;
    // Prepared once per connection and text (a handful of texts: which criteria the task has), never planned again:
    // planning this CTE cost more than running it.
    const statement = sql`${sql.raw(GENERIC_PLAN)}with candidates as materialized (${this.hosts.lockSchedulableSql(criteria, 2)}),
      free as materialized (
        select c.id, c.environment_config, c.max_concurrent_tasks - ${occupiedSlotsNow(sql`c.id`)} as free
        from candidates c
      ),
      ahead as (
        select exists (select 1 from ${tasks} q where q.tenant_id = ${tenantId} and q.status = 'pending'
          and q.priority >= ${values.priority ?? 0}::int
          and exists (select 1 from candidates m
            where (q.host_id is null or q.host_id = m.id)
              and (q.environment_id is null or q.environment_id = m.environment_id)
              and coalesce(q.requirements->'labels', '{}'::jsonb) <@ m.labels
              and coalesce(q.requirements->'capabilities', '[]'::jsonb) <@ m.capabilities)) as ahead
      ),
      pick as (
        select f.id, f.environment_config from free f, ahead a where f.free > 0 and not a.ahead
        order by f.free desc, f.id limit 1
      ),
      command as (${this.commands.insertOneSql(
        { id: commandId, tenantId, kind: spec.kind, params: spec.params, timeoutMs: spec.timeoutMs, at: now },
        { from: sql`pick`, ttlSeconds: spec.ttlSeconds ?? null },
      )}),
      task as (
        insert into ${tasks} (id, tenant_id, prompt, environment_id, host_id, config, project_id, pipeline, agent_type,
          requirements, priority, trigger_id, scheduled_for, batch_id, created_at, updated_at, status, assigned_host_id,
          assigned_at, current_command_id)
        select ${id}, ${tenantId}, ${values.prompt}, ${text(values.environmentId)}, ${text(values.hostId)},
          ${json(values.config ?? {})}, ${text(values.projectId)}, ${json(pipeline)}, ${values.agentType ?? "default"},
          ${json(requirements)}, ${values.priority ?? 0}::int, ${text(values.triggerId)},
          ${values.scheduledFor?.toISOString() ?? null}::timestamptz, ${text(values.batchId)},
          ${values.createdAt.toISOString()}::timestamptz, ${at},
          case when c.id is null then 'pending' else 'assigned' end, c.host_id, case when c.id is not null then ${at} end,
          c.id
        from (select 1) one left join command c on true
        returning *
      ),
      run as (
        insert into task_stage_runs (id, tenant_id, task_id, attempt, stage_index, stage_name, kind, status, host_id,
          command_id)
        select ${newId("stage")}, t.tenant_id, t.id, t.attempt, t.stage_index, ${stage.name}, ${stage.kind}, 'running',
          c.host_id, c.id
        from task t join command c on true
        returning id
      ),
      events as (
        insert into task_events (tenant_id, task_id, attempt, stage_index, type, message, data)
        select t.tenant_id, t.id, t.attempt, e.stage_index, e.type, e.message, e.data
        from task t left join command c on true cross join lateral (values
          (0, null::int, 'status', ${created.message}::text, ${json(created.data)}),
          (1, t.stage_index, 'status', 'assigned to ' || c.host_id, jsonb_build_object('from', 'pending', 'to', 'assigned')),
          (2, t.stage_index, 'stage.dispatched',
            'stage ' || ${stage.name}::text || ' (' || ${spec.kind}::text || ') sent to ' || c.host_id || ' as ' || c.id,
            jsonb_build_object('stage', ${stage.name}::text, 'commandId', c.id, 'kind', ${spec.kind}::text))
        ) as e(n, stage_index, type, message, data)
        where e.n = 0 or c.id is not null
        order by e.n
        returning 1
      ),
      notices as (
        select pg_notify(${CLUSTER_CHANNEL}, json_build_object('type', 'task.transition', 'tenantId', c.tenant_id,
          'taskId', c.id, 'status', 'assigned', 'notified', true)::text)
        from task c where c.status = 'assigned'
      )
      select row_to_json(t) as task, row_to_json(c) as command,
        (select count(*) from run) + (select count(*) from events) + (select count(*) from notices) as writes
      from task t left join command c on true`;
    const [row] = rowsOf(await this.db.execute(statement));
    const task = rowFromJson<Task>(tasks, row!.task);
    if (task.status !== "assigned") return task;
    const command = this.commands.fromJson(row!.command);
    // Its machine was locked online by the statement: delivery needs no lookup.
    this.commands.announce(command, "online");
    this.events.publish({
      type: "task.transition",
      tenantId,
      taskId: id,
      status: "assigned",
      notified: true,
      queuedMs: now.getTime() - values.createdAt.getTime(),
    });
    return task;
  }

  /**
   * Free slots of the locked `machines`, recounted under the lock: their counts were read before their rows were
   * locked, and an assignment another replica committed in between changes no host row (nothing to re-check); a new
   * snapshot does.
   */
  private async freeSlots(q: Queryable, machines: HostRow[]): Promise<Map<string, number>> {
    const ids = machines.map((m) => m.id);
    const active = sql.join(
      TASK_ACTIVE.map((s) => sql`${s}`),
      sql`, `,
    );
    const idList = sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    );
    const rows = rowsOf(
      await q.execute(sql`select assigned_host_id as host_id, count(*)::int as n from ${tasks}
        where assigned_host_id in (${idList}) and status in (${active}) group by assigned_host_id`),
    );
    const used = new Map(rows.map((r) => [String(r.host_id), Number(r.n)]));
    return new Map(machines.map((m) => [m.id, m.maxConcurrentTasks - (used.get(m.id) ?? 0)]));
  }

  /**
   * Assigns `pending` (claimed or just inserted, oldest highest-priority first) to the locked `machines` within their
   * `free` slots and dispatches each one's current stage. Returns the assigned tasks' rows by id.
   */
  private async assignTo(
    tx: Queryable,
    after: AfterCommit,
    pending: Task[],
    machines: HostRow[],
    free: Map<string, number>,
  ): Promise<Map<string, Task>> {
    const assigned = new Map<string, Task>();
    // Command and agent stages are dispatched in bulk (a handful of statements per pass, whatever the count);
    // a confirm stage (a re-queued suspended task) takes the one-by-one path.
    const bulk: { task: Task; hostId: string; spec: StageCommand }[] = [];
    // The machines each kind of task may take, found once per kind (a pass claims hundreds of tasks of a few kinds).
    const eligible = new Map<string, HostRow[]>();
    for (const task of pending) {
      const kind = kindOf(task);
      let mayTake = eligible.get(kind);
      if (!mayTake) {
        mayTake = machines.filter((m) => canTake(m, task));
        eligible.set(kind, mayTake);
      }
      const machine = freest(mayTake, free);
      if (!machine) continue;
      free.set(machine.id, free.get(machine.id)! - 1);
      const spec = stageCommand(task);
      if (spec) {
        // The machine's environment deadline, resolved here (no second lookup when the command is inserted).
        bulk.push({
          task,
          hostId: machine.id,
          spec: { ...spec, ttlSeconds: spec.ttlSeconds ?? commandTtlSecondsOf(machine.environmentConfig) ?? null },
        });
        continue;
      }
      const row = await this.setStatus(
        tx,
        after,
        task,
        "assigned",
        { assignedHostId: machine.id, assignedAt: new Date() },
        `assigned to ${machine.id}`,
      );
      assigned.set(task.id, await this.dispatch(tx, after, row));
    }
    if (bulk.length) for (const row of await this.assignInBulk(tx, after, bulk)) assigned.set(row.id, row);
    return assigned;
  }

  /**
   * Locks (SKIP LOCKED) online machines that are not draining, in maintenance or decommissioned, have a free slot
   * and match the claimed tasks: one statement per kind of task in the batch (same tenant, machine, environment and
   * requirements), each limited to as many machines as there are such tasks, most free slots first.
   */
  private async lockCandidates(q: Queryable, pending: Task[]): Promise<HostRow[]> {
    const kinds = new Map<string, { task: Task; count: number }>();
    for (const task of pending) {
      const key = kindOf(task);
      const kind = kinds.get(key);
      if (kind) kind.count++;
      else kinds.set(key, { task, count: 1 });
    }
    const found = new Map<string, Omit<HostRow, "environmentConfig">>();
    // A batch of many different kinds of task: one statement for all machines of their tenants instead.
    const groups =
      kinds.size <= 8
        ? [...kinds.values()]
        : [...new Set(pending.map((t) => t.tenantId))].map((tenantId) => ({ tenantId }));
    for (const group of groups) {
      let rows: Omit<HostRow, "environmentConfig">[];
      if ("task" in group) {
        const { tenantId, hostId, environmentId, requirements } = group.task;
        const criteria = { tenantId, hostId, environmentId, ...requirements };
        rows = await this.hosts.lockSchedulable(q, criteria, group.count);
      } else rows = await this.hosts.lockSchedulable(q, { tenantId: group.tenantId });
      for (const row of rows) found.set(row.id, row);
    }
    return this.withEnvironmentConfigs(q, [...found.values()]);
  }

  /** The machines with their environments' configs (one statement, none when no machine has an environment). */
  private async withEnvironmentConfigs(q: Queryable, found: Omit<HostRow, "environmentConfig">[]): Promise<HostRow[]> {
    const environmentIds = [...new Set(found.map((m) => m.environmentId).filter((id) => id !== null))];
    const configs = environmentIds.length ? await this.environments.configsOf(q, environmentIds) : new Map();
    return found.map((m) => ({
      ...m,
      environmentConfig: m.environmentId ? (configs.get(m.environmentId) ?? null) : null,
    }));
  }

  /**
   * Assigns tasks whose current stage is a command in one statement: their commands, the tasks, their stage runs,
   * their events (status, stage.dispatched) in order, and the NOTIFY of each assignment. The batch is one JSON
   * parameter: binding a dozen parameters per task cost more than the statement itself.
   */
  private async assignInBulk(
    q: Queryable,
    after: AfterCommit,
    items: { task: Task; hostId: string; spec: StageCommand }[],
  ): Promise<Task[]> {
    const now = new Date();
    const at = sql`${now.toISOString()}::timestamptz`;
    const input = items.map(({ task, hostId, spec }, ord) => {
      const stage = task.pipeline[task.stageIndex]!;
      return {
        ord,
        id: task.id,
        tenant_id: task.tenantId,
        host_id: hostId,
        command_id: newId("cmd"),
        run_id: newId("stage"),
        attempt: task.attempt,
        stage_index: task.stageIndex,
        stage_name: stage.name,
        stage_kind: stage.kind,
        command_kind: spec.kind,
        params: spec.params,
        timeout_ms: spec.timeoutMs,
        ttl_seconds: spec.ttlSeconds ?? null,
        from_status: task.status,
      };
    });
    const rows = rowsOf(
      await q.execute(sql`
      with v as (select * from json_to_recordset(${JSON.stringify(input)}::text::json) as t(ord int, id text,
        tenant_id text, host_id text, command_id text, run_id text, attempt int, stage_index int, stage_name text,
        stage_kind text, command_kind text, params jsonb, timeout_ms int, ttl_seconds float8, from_status text)),
      inserted as (${this.commands.insertRowsSql(
        sql`(select command_id as id, tenant_id, host_id, command_kind as kind, params, timeout_ms, ttl_seconds,
          null::text as batch_id from v)`,
        now,
      )}),
      assigned as (
        update tasks set status = 'assigned', assigned_host_id = v.host_id, assigned_at = ${at},
          current_command_id = v.command_id, updated_at = ${at}
        from v where tasks.id = v.id
      ),
      runs as (
        insert into task_stage_runs (id, tenant_id, task_id, attempt, stage_index, stage_name, kind, status, host_id,
          command_id)
        select run_id, tenant_id, id, attempt, stage_index, stage_name, stage_kind, 'running', host_id, command_id from v
      ),
      notices as (
        select pg_notify(${CLUSTER_CHANNEL}, json_build_object('type', 'task.transition', 'tenantId', v.tenant_id,
          'taskId', v.id, 'status', 'assigned', 'notified', true)::text) from v
      ),
      events as (
        insert into task_events (tenant_id, task_id, attempt, stage_index, type, message, data)
        select v.tenant_id, v.id, v.attempt, case when e.n > 0 then v.stage_index end, e.type, e.message, e.data
        from v cross join lateral (values
          (1, 'status', 'assigned to ' || v.host_id, jsonb_build_object('from', v.from_status, 'to', 'assigned')),
          (2, 'stage.dispatched',
            'stage ' || v.stage_name || ' (' || v.command_kind || ') sent to ' || v.host_id || ' as ' || v.command_id,
            jsonb_build_object('stage', v.stage_name, 'commandId', v.command_id, 'kind', v.command_kind))
        ) as e(n, type, message, data)
        order by v.ord, e.n
      )
      select row_to_json(c) as command from inserted c where (select count(*) from notices) >= 0`),
    );
    const commandOf = new Map<string, Command>();
    for (const row of rows) {
      const command = this.commands.fromJson(row.command);
      commandOf.set(command.id, command);
    }
    return items.map(({ task, hostId }, i) => {
      const command = commandOf.get(input[i]!.command_id)!;
      // Its machine was locked online by this transaction: delivery needs no lookup.
      after.commands.push({ command, hostStatus: "online" });
      after.transitions.push({
        tenantId: task.tenantId,
        taskId: task.id,
        status: "assigned",
        notified: true,
        queuedMs: now.getTime() - task.createdAt.getTime(),
      });
      return {
        ...task,
        status: "assigned" as const,
        assignedHostId: hostId,
        assignedAt: now,
        currentCommandId: command.id,
        updatedAt: now,
      };
    });
  }

  /** Starts the task's current stage on its machine: a command (command/agent stages) or a suspension (confirm). */
  private async dispatch(q: Queryable, after: AfterCommit, task: Task): Promise<Task> {
    const stage = task.pipeline[task.stageIndex];
    if (!stage)
      return this.setStatus(
        q,
        after,
        task,
        "completed",
        { result: { stages: task.stageResults }, currentCommandId: null },
        "all stages completed",
      );
    const hostId = task.assignedHostId!;
    if (stage.kind === "confirm") {
      await this.recordStageRun(q, task, stage, { status: "suspended", hostId });
      this.note(
        after,
        task,
        "stage.suspended",
        `stage ${stage.name} awaits confirmation`,
        { stage: stage.name, prompt: stage.prompt },
        task.stageIndex,
      );
      return this.setStatus(q, after, task, "suspended", { currentCommandId: null });
    }
    const spec = stageCommand(task)!;
    const [command] = await this.commands.insertMany(q, task.tenantId, [{ hostId, ...spec }]);
    after.commands.push({ command: command! });
    await this.recordStageRun(q, task, stage, { status: "running", hostId, commandId: command!.id });
    this.note(
      after,
      task,
      "stage.dispatched",
      `stage ${stage.name} (${spec.kind}) sent to ${hostId} as ${command!.id}`,
      { stage: stage.name, commandId: command!.id, kind: spec.kind },
      task.stageIndex,
    );
    const [row] = await q
      .update(tasks)
      .set({ currentCommandId: command!.id, updatedAt: new Date() })
      .where(eq(tasks.id, task.id))
      .returning();
    return row!;
  }

  // ---------------------------------------------------------------- advancing on command transitions

  /** Applies a stage command's transition to its task. Idempotent: stale or repeated transitions change nothing. */
  /** Whether command `commandId` runs a task's current stage, as a condition of a statement about it. */
  stageCommandSql(tenantId: SQL, commandId: SQL): SQL {
    return sql`exists (select 1 from ${tasks} tk where tk.tenant_id = ${tenantId} and tk.current_command_id = ${commandId})`;
  }

  async onCommandTransition(event: Extract<DomainEvent, { type: "command.transition" }>): Promise<void> {
    if (event.status === "pending") return;
    // The statement that moved the command said whether it is a task's stage (see stageCommandSql).
    if (event.taskStage === false) return;
    // The common moves in one statement each (no transaction round trips): a stage that starts, and the last stage
    // that completes. It also says whether the command is a task's current stage at all (most commands are not).
    if (event.status === "running" || event.status === "completed") {
      const outcome = await this.applyInOneStatement(event.tenantId, event.commandId, event.status);
      if (outcome !== "other") return;
    } else {
      const [candidate] = await this.db
        .select({ id: tasks.id })
        .from(tasks)
        .where(and(eq(tasks.tenantId, event.tenantId), eq(tasks.currentCommandId, event.commandId)))
        .limit(1);
      if (!candidate) return;
    }
    await this.inTx(async (tx, after) => {
      // The task, locked, with its stage command's outcome (one statement).
      const commands = this.commands.commandsView(tx).as("c");
      const [locked] = await tx
        .select({ task: tasks, result: commands.result, error: commands.error })
        .from(tasks)
        .leftJoin(commands, eq(commands.id, tasks.currentCommandId))
        .where(
          and(
            eq(tasks.tenantId, event.tenantId),
            eq(tasks.currentCommandId, event.commandId),
            inArray(tasks.status, ["assigned", "running"]),
          ),
        )
        .for("update", { of: tasks });
      if (!locked) return;
      const { task } = locked;
      const stage = task.pipeline[task.stageIndex]!;
      if (event.status === "running") {
        if (task.status === "assigned")
          await this.setStatus(tx, after, task, "running", {}, `stage ${stage.name} started on ${task.assignedHostId}`);
        this.noteStageStarted(after, task, event.commandId);
        return;
      }
      const now = new Date();
      if (event.status === "completed") {
        const result = stageResultOf(locked.result);
        await tx
          .update(taskStageRuns)
          .set({ status: "completed", result, finishedAt: now })
          .where(eq(taskStageRuns.commandId, event.commandId));
        // The running transition was missed (acks reordered or lost, or its statement found the task completed
        // already): record it and the stage's start, without a second UPDATE.
        let current = task;
        if (task.status === "assigned") {
          this.note(after, task, "status", "assigned → running", { from: "assigned", to: "running" }, task.stageIndex);
          this.noteStageStarted(after, task, event.commandId);
          after.transitions.push({ tenantId: task.tenantId, taskId: task.id, status: "running" });
          current = { ...task, status: "running", startedAt: task.startedAt ?? now };
        }
        this.note(
          after,
          task,
          "stage.completed",
          `stage ${stage.name} completed`,
          { stage: stage.name, commandId: event.commandId },
          task.stageIndex,
        );
        const advanced = {
          stageIndex: task.stageIndex + 1,
          stageResults: { ...task.stageResults, [stage.name]: result },
          currentCommandId: null,
          startedAt: current.startedAt ?? now,
        };
        // The last stage: straight to completed (one UPDATE); otherwise the next stage goes out.
        if (advanced.stageIndex >= task.pipeline.length) {
          await this.setStatus(
            tx,
            after,
            current,
            "completed",
            { ...advanced, result: { stages: advanced.stageResults } },
            "all stages completed",
          );
          return;
        }
        await this.dispatch(tx, after, await this.setStatus(tx, after, current, "running", advanced));
        return;
      }
      // failed or cancelled (by someone else than a task cancel, which makes the task terminal first)
      const error = `stage ${stage.name} failed: ${locked.error ?? event.error ?? event.status}`;
      await tx
        .update(taskStageRuns)
        .set({ status: "failed", error, finishedAt: now })
        .where(eq(taskStageRuns.commandId, event.commandId));
      const excerpt = logExcerpt(locked.result);
      this.note(
        after,
        task,
        "stage.failed",
        error,
        { stage: stage.name, commandId: event.commandId, ...(excerpt ? { excerpt } : {}) },
        task.stageIndex,
      );
      await this.setStatus(tx, after, task, "failed", { error, currentCommandId: null });
    });
  }

  /** The event of a task's current stage starting (its command's RUNNING, seen or implied by its COMPLETED). */
  private noteStageStarted(after: AfterCommit, task: Task, commandId: string): void {
    const stage = task.pipeline[task.stageIndex]!;
    this.note(
      after,
      task,
      "stage.started",
      `stage ${stage.name} started`,
      { stage: stage.name, commandId },
      task.stageIndex,
    );
  }

  /**
   * A stage command's RUNNING, or the COMPLETED of a task's last stage, applied in ONE statement (autocommit): the
   * report batch's stage moves (stageReportSql) over this one command, as it is now. Returns "none" when the command
   * runs no task's current stage (or the task moved on), "done", or "other" when the move needs the transactional
   * path (a next stage to dispatch, or a result that only JavaScript renders exactly).
   */
  private async applyInOneStatement(
    tenantId: string,
    commandId: string,
    status: "running" | "completed",
  ): Promise<"none" | "done" | "other"> {
    const c = this.commands.commandsView(this.db);
    const statement = sql`with moved as (
        select 0 as i, c.id, c.tenant_id, ${status}::text as status, c.result from (${c}) c
        where c.id = ${commandId} and c.tenant_id = ${tenantId}
      ),
      ${this.stageReportSql(new Date().toISOString())}
      select x.id, x.status, x.move, x.queued, x.changes from task_locked l left join task_transitions x on x.i = l.i`;
    const [row] = rowsOf(await this.db.execute(statement));
    if (!row) return "none";
    if (row.move == null) return "other";
    this.announceStageReport(tenantId, {
      id: String(row.id),
      status: String(row.status),
      move: String(row.move),
      queued: Boolean(row.queued),
    });
    return "done";
  }

  /**
   * The agents' report batch (agents/report-batch.ts) applies the common stage moves in its own statement, right
   * where it moves the commands (no statement after it): a stage command's RUNNING, and the COMPLETED of a task's
   * last stage whose result SQL renders (stageResultSql), as the transactional path would (task locked, moved, stage
   * run closed, events in the same order and words as onCommandTransition's, NOTIFY); applyInOneStatement applies
   * the same to one command's move. CTEs over the batch's `moved` (i, id, tenant_id, status, result);
   * `task_transitions` says per report (i) which task moved from which status, and whether its tenant has tasks
   * queued. Anything else (a next stage to dispatch, a failure) is left to onCommandTransition.
   */
  stageReportSql(now: string): SQL {
    const at = sql`${now}::timestamptz`;
    return sql`task_locked as (
        select m.i, t.id, t.tenant_id, t.attempt, t.stage_index, t.status, t.started_at, t.stage_results,
          t.assigned_host_id, t.pipeline->t.stage_index->>'name' as stage, m.id as command_id, m.status as move,
          m.status = 'completed' and t.stage_index = jsonb_array_length(t.pipeline) - 1 as last,
          case when m.status = 'completed' then ${stageResultSql(sql`m.result`)} end as result
        from moved m join ${tasks} t on t.tenant_id = m.tenant_id and t.current_command_id = m.id
        where m.status in ('running', 'completed') and t.status in ('assigned', 'running')
        for update of t
      ),
      task_moves as (
        select l.*, l.stage_results || jsonb_build_object(l.stage, l.result) as results from task_locked l
        where l.move = 'running' or (l.last and l.result is not null)
      ),
      task_started as (
        update ${tasks} set status = 'running', started_at = coalesce(tasks.started_at, ${at}), updated_at = ${at}
        from task_moves x where tasks.id = x.id and x.move = 'running' and x.status = 'assigned' returning tasks.id
      ),
      task_completed as (
        update ${tasks} set status = 'completed', stage_index = x.stage_index + 1, stage_results = x.results,
          result = jsonb_build_object('stages', x.results), current_command_id = null,
          started_at = coalesce(x.started_at, ${at}), finished_at = ${at}, updated_at = ${at}
        from task_moves x where tasks.id = x.id and x.move = 'completed' returning tasks.id
      ),
      task_runs as (
        update task_stage_runs set status = 'completed', result = x.result, finished_at = ${at}
        from task_moves x where task_stage_runs.command_id = x.command_id and x.move = 'completed'
        returning task_stage_runs.id
      ),
      task_events as (
        insert into task_events (tenant_id, task_id, attempt, stage_index, type, message, data)
        select x.tenant_id, x.id, x.attempt, e.stage_index, e.type, e.message, e.data
        from task_moves x cross join lateral (values
          (1, x.stage_index, 'status', case when x.move = 'running'
              then 'stage ' || x.stage || ' started on ' || x.assigned_host_id else 'assigned → running' end,
            jsonb_build_object('from', 'assigned', 'to', 'running')),
          (2, x.stage_index, 'stage.started', 'stage ' || x.stage || ' started',
            jsonb_build_object('stage', x.stage, 'commandId', x.command_id)),
          (3, x.stage_index, 'stage.completed', 'stage ' || x.stage || ' completed',
            jsonb_build_object('stage', x.stage, 'commandId', x.command_id)),
          (4, x.stage_index + 1, 'status', 'all stages completed',
            jsonb_build_object('from', 'running', 'to', 'completed'))
        ) as e(n, stage_index, type, message, data)
        -- The RUNNING (seen now, or missed: acks reordered or lost) moves an assigned task; a completion adds its own.
        where (e.n = 1 and x.status = 'assigned') or e.n = 2 and (x.move = 'running' or x.status = 'assigned')
          or e.n > 2 and x.move = 'completed'
        order by x.i, e.n
      ),
      task_notices as (
        select pg_notify(${CLUSTER_CHANNEL}, json_build_object('type', 'task.transition',
          'tenantId', x.tenant_id, 'taskId', x.id, 'status', s.status, 'notified', true)::text)
        from task_moves x cross join lateral (select 'running' as status, 1 as o where x.status = 'assigned'
          union all select 'completed', 2 where x.move = 'completed' order by o) s
      ),
      task_transitions as (
        select x.i, x.id, x.status, x.move,
          x.move = 'completed' and exists (select 1 from ${tasks} q where q.tenant_id = x.tenant_id
            and q.status = 'pending') as queued,
          (select count(*) from task_started) + (select count(*) from task_completed) + (select count(*) from task_runs)
            + (select count(*) from task_notices) as changes
        from task_moves x
      )`;
  }

  /**
   * The task transitions a report batch made (stageReportSql: `task_transitions` row of the report), to this
   * replica's listeners (other replicas got the NOTIFY).
   */
  announceStageReport(tenantId: string, row: { id: string; status: string; move: string; queued: boolean }): void {
    const base = { type: "task.transition" as const, tenantId, taskId: row.id, notified: true };
    if (row.status === "assigned") this.events.publish({ ...base, status: "running" });
    if (row.move === "completed") this.events.publish({ ...base, status: "completed", queued: row.queued });
  }

  // ---------------------------------------------------------------- operator actions

  /** Cancels a task that has not finished: the running stage's command is cancelled (the agent kills it). */
  async cancel(tenantId: string, id: string, reason = "cancelled by operator"): Promise<Task> {
    return this.inTx(async (tx, after) => {
      const task = await this.lock(tx, tenantId, id);
      if (["completed", "failed", "cancelled"].includes(task.status)) throw conflict(`task is already ${task.status}`);
      if (task.currentCommandId) {
        after.cancels.push({ tenantId, commandId: task.currentCommandId, reason });
        await tx
          .update(taskStageRuns)
          .set({ status: "cancelled", error: reason, finishedAt: new Date() })
          .where(eq(taskStageRuns.commandId, task.currentCommandId));
      } else if (task.status === "suspended") {
        await this.closeSuspendedRun(tx, task, "cancelled", reason);
      }
      return this.setStatus(tx, after, task, "cancelled", { error: reason }, reason);
    });
  }

  /**
   * Cancels every unfinished task of a fleet task batch in one transaction, set-based (one cancel of a whole
   * fleet): the tasks, their running or suspended stage runs, one event each; their running commands are cancelled
   * after the commit (each agent kills or never starts its stage), as for a single cancel. Returns how many.
   */
  async cancelBatch(tenantId: string, batchId: string, reason: string): Promise<number> {
    return this.inTx(async (tx, after) => {
      const locked = await tx
        .select()
        .from(tasks)
        .where(
          and(
            eq(tasks.tenantId, tenantId),
            eq(tasks.batchId, batchId),
            inArray(tasks.status, ["pending", ...TASK_ACTIVE]),
          ),
        )
        .for("update");
      if (locked.length === 0) return 0;
      const now = new Date();
      for (let i = 0; i < locked.length; i += 1000) {
        const chunk = locked.slice(i, i + 1000);
        await tx
          .update(tasks)
          .set({ status: "cancelled", error: reason, finishedAt: now, updatedAt: now })
          .where(
            inArray(
              tasks.id,
              chunk.map((t) => t.id),
            ),
          );
        const commandIds = chunk.map((t) => t.currentCommandId).filter((c): c is string => c !== null);
        if (commandIds.length)
          await tx
            .update(taskStageRuns)
            .set({ status: "cancelled", error: reason, finishedAt: now })
            .where(inArray(taskStageRuns.commandId, commandIds));
        const suspended = chunk.filter((t) => t.status === "suspended" && !t.currentCommandId).map((t) => t.id);
        if (suspended.length)
          await tx
            .update(taskStageRuns)
            .set({ status: "cancelled", error: reason, finishedAt: now })
            .where(and(inArray(taskStageRuns.taskId, suspended), eq(taskStageRuns.status, "suspended")));
      }
      for (const task of locked) {
        if (task.currentCommandId) after.cancels.push({ tenantId, commandId: task.currentCommandId, reason });
        this.note(
          after,
          task,
          "status",
          reason,
          { from: task.status, to: "cancelled", error: reason },
          task.stageIndex,
        );
        after.transitions.push({ tenantId, taskId: task.id, status: "cancelled" });
      }
      return locked.length;
    });
  }

  /** A failed or cancelled task runs again as a new attempt, from the stage that did not finish. */
  async retry(tenantId: string, id: string): Promise<Task> {
    return this.inTx(async (tx, after) => {
      const task = await this.lock(tx, tenantId, id);
      if (task.status !== "failed" && task.status !== "cancelled")
        throw conflict(`only failed or cancelled tasks can be retried (task is ${task.status})`);
      const attempt = task.attempt + 1;
      const row = await this.setStatus(
        tx,
        after,
        task,
        "pending",
        {
          attempt,
          error: null,
          result: null,
          finishedAt: null,
          assignedHostId: null,
          assignedAt: null,
          currentCommandId: null,
        },
        `retry: attempt ${attempt} from stage ${task.pipeline[task.stageIndex]?.name ?? task.stageIndex}`,
      );
      this.note(after, row, "task.retried", `attempt ${attempt} starts at stage ${task.stageIndex}`, {
        previousAttempt: task.attempt,
        stageIndex: task.stageIndex,
      });
      return row;
    });
  }

  /** What a suspended task waits for. */
  async pendingConfirm(tenantId: string, id: string) {
    const [task] = await this.db
      .select()
      .from(tasks)
      .where(and(eq(tasks.id, id), eq(tasks.tenantId, tenantId)));
    if (!task) throw notFound("task");
    const stage = task.pipeline[task.stageIndex];
    if (task.status !== "suspended" || stage?.kind !== "confirm")
      throw conflict(`task is not awaiting confirmation (task is ${task.status})`);
    return {
      taskId: task.id,
      stageIndex: task.stageIndex,
      stageName: stage.name,
      prompt: stage.prompt,
      options: stage.options ?? null,
      input: stage.input ?? null,
      stages: task.stageResults,
    };
  }

  /** A person confirms, chooses an option or gives input: the stage completes with that result and the task resumes. */
  async confirmStage(tenantId: string, id: string, input: { stageIndex: number; result: string }): Promise<Task> {
    return this.inTx(async (tx, after) => {
      const task = await this.lock(tx, tenantId, id);
      if (task.status !== "suspended") throw conflict(`task is not suspended (task is ${task.status})`);
      if (input.stageIndex !== task.stageIndex)
        throw conflict(`stage ${input.stageIndex} is not the suspended stage (${task.stageIndex})`);
      const stage = task.pipeline[task.stageIndex];
      if (stage?.kind !== "confirm") throw conflict("the current stage is not a confirm stage");
      if (stage.options && !stage.options.includes(input.result))
        throw invalid(`invalid body: result: must be one of ${stage.options.join(", ")}`);
      if (stage.input?.maxLength !== undefined && input.result.length > stage.input.maxLength)
        throw invalid(`invalid body: result: at most ${stage.input.maxLength} characters`);
      await this.closeSuspendedRun(tx, task, "completed", undefined, input.result);
      this.note(
        after,
        task,
        "stage.confirmed",
        `stage ${stage.name} confirmed`,
        { stage: stage.name, result: input.result },
        task.stageIndex,
      );
      const next = await this.setStatus(
        tx,
        after,
        task,
        "running",
        { stageIndex: task.stageIndex + 1, stageResults: { ...task.stageResults, [stage.name]: input.result } },
        `stage ${stage.name} confirmed: resuming`,
      );
      return this.dispatch(tx, after, next);
    });
  }

  private async closeSuspendedRun(
    q: Queryable,
    task: Task,
    status: "completed" | "cancelled" | "failed",
    error?: string,
    result?: string,
  ) {
    await q
      .update(taskStageRuns)
      .set({ status, finishedAt: new Date(), ...(error ? { error } : {}), ...(result !== undefined ? { result } : {}) })
      .where(
        and(
          eq(taskStageRuns.taskId, task.id),
          eq(taskStageRuns.attempt, task.attempt),
          eq(taskStageRuns.stageIndex, task.stageIndex),
          eq(taskStageRuns.status, "suspended"),
        ),
      );
  }

  private async lock(q: Queryable, tenantId: string, id: string): Promise<Task> {
    const [task] = await q
      .select()
      .from(tasks)
      .where(and(eq(tasks.id, id), eq(tasks.tenantId, tenantId)))
      .for("update");
    if (!task) throw notFound("task");
    return task;
  }

  // ---------------------------------------------------------------- machines going away

  /**
   * Takes a machine's work back: assigned and suspended tasks return to the queue (their undelivered or idle
   * command is cancelled, so it can never run there later); running tasks fail with `reason`, or are re-queued
   * when `requeueIdempotent` and their current stage is marked idempotent. Returns what happened per task.
   */
  async releaseMachine(
    tenantId: string,
    hostId: string,
    reason: string,
    opts: {
      requeueIdempotent: boolean;
      include: TaskStatus[];
      awaitCancelDelivery?: boolean;
      /** The machine is gone for good: tasks pinned to it fail instead of going back to the queue. */
      failPinned?: boolean;
    },
  ) {
    return this.inTx(async (tx, after) => {
      after.awaitCancelDelivery = opts.awaitCancelDelivery ?? false;
      const active = await tx
        .select()
        .from(tasks)
        .where(and(eq(tasks.tenantId, tenantId), eq(tasks.assignedHostId, hostId), inArray(tasks.status, opts.include)))
        .orderBy(asc(tasks.createdAt))
        .for("update");
      const outcome: { taskId: string; status: TaskStatus }[] = [];
      for (const task of active) {
        const stage = task.pipeline[task.stageIndex];
        const pinnedHere = opts.failPinned === true && task.hostId === hostId;
        const requeue =
          !pinnedHere &&
          (task.status !== "running" ||
            (opts.requeueIdempotent && stage !== undefined && stage.kind !== "confirm" && stage.idempotent === true));
        if (task.currentCommandId) {
          after.cancels.push({ tenantId, commandId: task.currentCommandId, reason });
          await tx
            .update(taskStageRuns)
            .set({ status: requeue ? "cancelled" : "failed", error: reason, finishedAt: new Date() })
            .where(eq(taskStageRuns.commandId, task.currentCommandId));
        } else if (task.status === "suspended") {
          await this.closeSuspendedRun(tx, task, pinnedHere ? "failed" : "cancelled", reason);
        }
        const row = requeue
          ? await this.setStatus(
              tx,
              after,
              task,
              "pending",
              { assignedHostId: null, assignedAt: null, currentCommandId: null },
              `re-queued: ${reason}`,
            )
          : await this.setStatus(
              tx,
              after,
              task,
              "failed",
              {
                error: `stage ${stage?.name ?? task.stageIndex} failed: ${reason}${pinnedHere ? PINNED : ""}`,
                currentCommandId: null,
              },
              reason,
            );
        outcome.push({ taskId: row.id, status: row.status });
      }
      if (opts.failPinned) outcome.push(...(await this.failQueuedPinned(tx, after, { tenantId, hostId })));
      return outcome;
    });
  }

  /**
   * Pending tasks pinned to a decommissioned machine can never run: they fail with a clear error instead of
   * waiting forever (a trigger or a request racing the decommission may still queue one). One machine, or all.
   */
  async failUnrunnable(limit = 100): Promise<number> {
    return (await this.inTx((tx, after) => this.failQueuedPinned(tx, after, { limit }))).length;
  }

  private async failQueuedPinned(
    q: Queryable,
    after: AfterCommit,
    scope: { tenantId?: string; hostId?: string; limit?: number },
  ) {
    const gone = this.hosts.decommissionedIds(q, scope.hostId);
    const queued = await q
      .select()
      .from(tasks)
      .where(
        and(
          eq(tasks.status, "pending"),
          scope.tenantId ? eq(tasks.tenantId, scope.tenantId) : undefined,
          inArray(tasks.hostId, gone),
        ),
      )
      .orderBy(asc(tasks.createdAt))
      .limit(scope.limit ?? 10_000)
      // The sweep leaves tasks a scheduler pass holds to the next sweep; a decommission waits for them.
      .for("update", scope.hostId ? {} : { skipLocked: true });
    const outcome: { taskId: string; status: TaskStatus }[] = [];
    for (const task of queued) {
      const error = `machine ${task.hostId} is decommissioned${PINNED}`;
      const row = await this.setStatus(q, after, task, "failed", { error, currentCommandId: null }, error);
      outcome.push({ taskId: row.id, status: row.status });
    }
    return outcome;
  }

  /**
   * Repairs tasks whose stage command moved on without the task following (the replica that processed the
   * command's transition stopped before applying it to the task): replays the transition.
   */
  async reconcile(limit = 100): Promise<number> {
    const commands = this.commands.commandsView(this.db).as("c");
    const stuck = await this.db
      .select({
        tenantId: tasks.tenantId,
        commandId: commands.id,
        hostId: commands.hostId,
        status: commands.status,
        error: commands.error,
        taskStatus: tasks.status,
      })
      .from(tasks)
      .innerJoin(commands, eq(commands.id, tasks.currentCommandId))
      .where(
        and(
          inArray(tasks.status, ["assigned", "running"]),
          inArray(commands.status, ["running", "completed", "failed", "cancelled"]),
          lte(tasks.updatedAt, new Date(Date.now() - 5_000)),
        ),
      )
      .limit(limit);
    let repaired = 0;
    for (const s of stuck) {
      if (s.status === "running" && s.taskStatus === "running") continue;
      await this.onCommandTransition({
        type: "command.transition",
        tenantId: s.tenantId,
        hostId: s.hostId,
        commandId: s.commandId,
        status: s.status,
        error: s.error,
      });
      repaired++;
    }
    return repaired;
  }

  /**
   * The assignment lease: a task still `assigned` (its first stage not started) `leaseMs` after assignment goes
   * back to the queue, its command cancelled so that it can never start late on that machine. Covers a machine
   * that looks online but does not take its work. Claimed with SKIP LOCKED like assignment.
   */
  async expireAssignments(cutoff: Date, limit = 100): Promise<number> {
    return this.inTx(async (tx, after) => {
      const expired = await tx
        .select()
        .from(tasks)
        .where(and(eq(tasks.status, "assigned"), lte(tasks.assignedAt, cutoff)))
        .orderBy(asc(tasks.assignedAt))
        .limit(limit)
        .for("update", { skipLocked: true });
      for (const task of expired) {
        const reason = `assignment lease expired: ${task.assignedHostId} did not start the task`;
        if (task.currentCommandId) {
          after.cancels.push({ tenantId: task.tenantId, commandId: task.currentCommandId, reason });
          await tx
            .update(taskStageRuns)
            .set({ status: "cancelled", error: reason, finishedAt: new Date() })
            .where(eq(taskStageRuns.commandId, task.currentCommandId));
        }
        await this.setStatus(
          tx,
          after,
          task,
          "pending",
          { assignedHostId: null, assignedAt: null, currentCommandId: null },
          `re-queued: ${reason}`,
        );
      }
      return expired.length;
    });
  }

  /**
   * Why a pending task is still waiting, in words: the machine it is pinned to is offline, draining or busy; no
   * machine of the tenant has the environment, labels or capabilities it requires; or every matching machine is
   * unavailable or busy. Undefined when nothing stands in its way (the scheduler takes it on its next pass).
   */
  async whyPending(task: Task): Promise<string | undefined> {
    const machines = await this.hosts.slotsOf(task.tenantId, task.hostId);
    const { labels = {}, capabilities = [] } = task.requirements;
    const mismatch = (m: (typeof machines)[number]) => {
      if (task.environmentId && m.environmentId !== task.environmentId) return `environment ${task.environmentId}`;
      const label = Object.entries(labels).find(([k, v]) => m.labels[k] !== v);
      if (label) return `label ${label[0]}=${label[1]}`;
      const capability = capabilities.find((c) => !m.capabilities.includes(c));
      if (capability) return `capability ${capability}`;
      return undefined;
    };
    const unavailable = (m: (typeof machines)[number]) =>
      m.decommissionedAt
        ? "decommissioned"
        : m.draining
          ? "draining"
          : m.status === "online"
            ? undefined
            : m.status === "offline"
              ? "offline"
              : `in ${m.status}`;
    if (task.hostId) {
      const m = machines[0];
      if (!m) return `machine ${task.hostId} no longer exists`;
      const state = unavailable(m);
      if (state) return `machine ${m.id} (the task is pinned to it) is ${state}`;
      const missing = mismatch(m);
      if (missing) return `machine ${m.id} (the task is pinned to it) lacks the required ${missing}`;
      if (m.used >= m.maxConcurrentTasks)
        return `machine ${m.id} (the task is pinned to it) has no free slot (${m.used} of ${m.maxConcurrentTasks} in use)`;
      return undefined;
    }
    const live = machines.filter((m) => !m.decommissionedAt);
    const matching = live.filter((m) => !mismatch(m));
    if (matching.length === 0) {
      if (live.length === 0) return "the tenant has no machines";
      const missing = [...new Set(live.map((m) => mismatch(m)!))];
      return `no machine of the tenant matches the task's requirements (missing: ${missing.join("; ")})`;
    }
    const available = matching.filter((m) => !unavailable(m));
    if (available.length === 0) {
      const states = new Map<string, number>();
      for (const m of matching) states.set(unavailable(m)!, (states.get(unavailable(m)!) ?? 0) + 1);
      const summary = [...states].map(([state, n]) => `${n} ${state}`).join(", ");
      return `none of the ${matching.length} matching machine(s) is available (${summary})`;
    }
    if (available.every((m) => m.used >= m.maxConcurrentTasks))
      return `all ${available.length} available matching machine(s) are busy (no free slot)`;
    return undefined;
  }

  /** Active (assigned, running, suspended) task count of each of the machines `hostIds` that has any. */
  async activeCounts(hostIds: string[]): Promise<Map<string, number>> {
    if (hostIds.length === 0) return new Map();
    const counts = await this.db
      .select({ hostId: tasks.assignedHostId, n: sql<number>`count(*)::int` })
      .from(tasks)
      .where(and(inArray(tasks.assignedHostId, hostIds), inArray(tasks.status, [...TASK_ACTIVE])))
      .groupBy(tasks.assignedHostId);
    return new Map(counts.map((c) => [c.hostId!, c.n]));
  }

  /** The tasks assigned to a machine (any status), newest first. */
  async assignedTo(tenantId: string, hostId: string, page: { limit?: number; offset?: number }, scope?: ProjectScope) {
    return this.db
      .select({
        id: tasks.id,
        status: tasks.status,
        prompt: tasks.prompt,
        projectId: tasks.projectId,
        stageIndex: tasks.stageIndex,
        attempt: tasks.attempt,
        assignedAt: tasks.assignedAt,
        createdAt: tasks.createdAt,
        finishedAt: tasks.finishedAt,
        error: tasks.error,
      })
      .from(tasks)
      .where(
        and(
          eq(tasks.tenantId, tenantId),
          eq(tasks.assignedHostId, hostId),
          scope && inArray(tasks.projectId, scope.projectIds),
        ),
      )
      .orderBy(desc(tasks.createdAt))
      .limit(page.limit ?? 100)
      .offset(page.offset ?? 0);
  }

  /** Machines offline since before `cutoff` that still hold assigned or running tasks. */
  async lostMachines(cutoff: Date): Promise<{ id: string; tenantId: string }[]> {
    const rows = await this.db
      .selectDistinct({ id: tasks.assignedHostId, tenantId: tasks.tenantId })
      .from(tasks)
      .where(
        and(
          inArray(tasks.status, ["assigned", "running"]),
          inArray(tasks.assignedHostId, this.hosts.offlineSinceBefore(cutoff)),
        ),
      );
    return rows.map((r) => ({ id: r.id!, tenantId: r.tenantId }));
  }

  /** Stores a log line of a stage command (deduped by command and line index); false for non-task commands. */
  async recordLog(
    tenantId: string,
    hostId: string,
    line: { commandId: string; index: number; stream: string; line: string; atMs: number },
  ): Promise<boolean> {
    const [run] = await this.db
      .select({ taskId: taskStageRuns.taskId, attempt: taskStageRuns.attempt, stageIndex: taskStageRuns.stageIndex })
      .from(taskStageRuns)
      .where(
        and(
          eq(taskStageRuns.commandId, line.commandId),
          eq(taskStageRuns.tenantId, tenantId),
          eq(taskStageRuns.hostId, hostId),
        ),
      );
    if (!run) return false;
    await this.db
      .insert(taskLogs)
      .values({
        tenantId,
        ...run,
        commandId: line.commandId,
        lineIndex: line.index,
        stream: line.stream,
        line: line.line,
        at: new Date(line.atMs || Date.now()),
      })
      .onConflictDoNothing();
    return true;
  }
}

type StageCommand = {
  kind: string;
  params: Record<string, unknown>;
  timeoutMs: number | null;
  /** null: no deadline (resolved); undefined: the machine environment's default. */
  ttlSeconds?: number | null;
};

/** The command running the task's current stage (templates filled in), or undefined for a confirm stage. */
function stageCommand(
  task: Pick<Task, "id" | "prompt" | "agentType" | "pipeline" | "stageIndex" | "stageResults">,
): StageCommand | undefined {
  const stage = task.pipeline[task.stageIndex];
  if (!stage || stage.kind === "confirm") return undefined;
  if (stage.kind === "command") {
    const ctx = { task: { id: task.id, prompt: task.prompt }, stages: task.stageResults };
    return {
      kind: stage.command.kind,
      params: render(stage.command.params ?? {}, ctx),
      timeoutMs: stage.command.timeoutMs ?? null,
      ttlSeconds: stage.ttlSeconds,
    };
  }
  return {
    kind: "agent",
    params: {
      agentType: task.agentType,
      prompt: task.prompt,
      taskId: task.id,
      stage: stage.name,
      stages: task.stageResults,
    },
    timeoutMs: stage.timeoutMs ?? AGENT_STAGE_TIMEOUT_MS,
    ttlSeconds: stage.ttlSeconds,
  };
}

/** Tasks of one kind (tenant, pinned machine, environment, requirements) may run on the same machines. */
function kindOf(task: Task): string {
  return JSON.stringify([task.tenantId, task.hostId, task.environmentId, task.requirements]);
}

/** Whether machine `m` may run `task` (slots aside). */
function canTake(m: HostRow, task: Task): boolean {
  if (m.tenantId !== task.tenantId) return false;
  if (task.hostId && task.hostId !== m.id) return false;
  if (task.environmentId && task.environmentId !== m.environmentId) return false;
  const { labels = {}, capabilities = [] } = task.requirements;
  if (Object.entries(labels).some(([k, v]) => m.labels[k] !== v)) return false;
  return capabilities.every((c) => m.capabilities.includes(c));
}

/** The machine with the most free slots (the first of them), if any has one. */
function freest(machines: HostRow[], free: Map<string, number>): HostRow | undefined {
  let best: HostRow | undefined;
  let most = 0;
  for (const m of machines) {
    const n = free.get(m.id) ?? 0;
    if (n > most) [best, most] = [m, n];
  }
  return best;
}

/**
 * stageResultOf in SQL, for the results it renders the same way (strings, null, {}); null: JavaScript's turn (the
 * transactional path). `r` is the command's result (jsonb).
 */
function stageResultSql(r: SQL): SQL {
  return sql`case
      when ${r} is null or ${r} = 'null'::jsonb then ''
      when jsonb_typeof(${r}->'runId') = 'string' and ${r} ? 'result' then
        case when jsonb_typeof(${r}->'result') = 'string' then ${r}->>'result'
          when jsonb_typeof(${r}->'result') in ('null', 'boolean') then (${r}->'result')::text end
      when jsonb_typeof(${r}->'runId') = 'string' then null
      when jsonb_typeof(${r}->'stdout') = 'string' then regexp_replace(${r}->>'stdout', E'\n$', '')
      when ${r} ? 'stdout' then null
      when jsonb_typeof(${r}->'value') = 'string' then ${r}->>'value'
      when ${r} = '{}'::jsonb then '{}'
    end`;
}

/**
 * What later stages see of a stage's command result: an agent run's result (agent), its stdout (exec) or the
 * result as JSON.
 */
export function stageResultOf(result: Record<string, unknown> | null | undefined): string {
  if (!result) return "";
  if (typeof result.runId === "string" && "result" in result)
    return typeof result.result === "string" ? result.result : JSON.stringify(result.result ?? null);
  if (typeof result.stdout === "string") return result.stdout.replace(/\n$/, "");
  if (typeof result.value === "string") return result.value;
  return JSON.stringify(result);
}

/** The last lines of a failed command's output, for the failure event. */
function logExcerpt(result: Record<string, unknown> | null | undefined): string | undefined {
  if (!result) return undefined;
  const text = [result.stdout, result.stderr]
    .filter((v): v is string => typeof v === "string" && v.length > 0)
    .join("\n");
  if (!text) return undefined;
  return text.split("\n").filter(Boolean).slice(-10).join("\n");
}

export type { PipelineStage };
