/**
 * How tasks run: the scheduler's assignment (claimed with FOR UPDATE SKIP LOCKED, machine rows locked while
 * their slots are counted), stage dispatch as ordinary commands (same delivery, same safety gate on the agent),
 * advancing on command transitions, confirm stages, cancel, retry, and re-queueing work of lost or
 * decommissioned machines. Every state change is a task event, written in the same transaction.
 */
import { and, asc, desc, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { commands, hosts, taskEvents, taskLogs, taskStageRuns, tasks, type PipelineStage } from "../../db/schema";
import type { DomainEvent, EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { TASK_ACTIVE, type TaskStatus } from "../../lib/lifecycle";
import { invalid, conflict, notFound } from "../../lib/errors";
import type { CommandService } from "../commands/service";
import { render } from "../projects/pipeline";

export type Task = typeof tasks.$inferSelect;
type Command = typeof commands.$inferSelect;
type HostRow = Pick<
  typeof hosts.$inferSelect,
  "id" | "tenantId" | "environmentId" | "labels" | "capabilities" | "maxConcurrentTasks"
>;

/** A stage's `agent` command runs this long unless the stage says otherwise. */
export const AGENT_STAGE_TIMEOUT_MS = 3_600_000;

/** Work done in a transaction that must be announced once it has committed. */
class AfterCommit {
  readonly commands: Command[] = [];
  readonly transitions: { tenantId: string; taskId: string; status: TaskStatus }[] = [];
  readonly cancels: { tenantId: string; commandId: string; reason: string }[] = [];
  /** Wait until cancels have been handed to the agent (before its identity is revoked, say). */
  awaitCancelDelivery = false;
}

export class TaskExecution {
  constructor(
    private readonly db: Db,
    private readonly commands: CommandService,
    private readonly events: EventBus,
  ) {}

  /** Runs `fn` in a transaction, then delivers its new commands, cancels and transition events. */
  private async inTx<T>(fn: (tx: Queryable, after: AfterCommit) => Promise<T>): Promise<T> {
    const after = new AfterCommit();
    const result = await this.db.transaction((tx) => fn(tx, after));
    await this.flush(after);
    return result;
  }

  private async flush(after: AfterCommit): Promise<void> {
    for (const c of after.commands) this.commands.announce(c);
    for (const t of after.transitions) this.events.publish({ type: "task.transition", ...t });
    for (const c of after.cancels)
      await this.commands.cancelIfActive(c.tenantId, c.commandId, c.reason, {
        awaitDelivery: after.awaitCancelDelivery,
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
      await this.event(
        q,
        row!,
        "status",
        message ?? `${task.status} → ${status}`,
        { from: task.status, to: status, ...(set.error ? { error: set.error } : {}) },
        row!.stageIndex,
      );
      after.transitions.push({ tenantId: task.tenantId, taskId: task.id, status });
    }
    return row!;
  }

  // ---------------------------------------------------------------- scheduling

  /**
   * One scheduling pass: claims up to `limit` pending tasks (highest priority, then oldest) with SKIP LOCKED,
   * locks the eligible machines of their tenants (SKIP LOCKED: another replica's machines are left alone),
   * counts their used slots, assigns and dispatches each task's current stage. Returns how many were assigned.
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
      const tenantIds = [...new Set(pending.map((t) => t.tenantId))];
      const eligible = and(
        inArray(hosts.tenantId, tenantIds),
        eq(hosts.status, "online"),
        eq(hosts.draining, false),
        isNull(hosts.decommissionedAt),
      );
      const machines: HostRow[] = await tx
        .select({
          id: hosts.id,
          tenantId: hosts.tenantId,
          environmentId: hosts.environmentId,
          labels: hosts.labels,
          capabilities: hosts.capabilities,
          maxConcurrentTasks: hosts.maxConcurrentTasks,
        })
        .from(hosts)
        .where(eligible)
        .orderBy(asc(hosts.id));
      if (machines.length === 0) return 0;
      const usedSlots = async (ids: string[]) => {
        const used = new Map<string, number>();
        if (ids.length === 0) return used;
        const counts = await tx
          .select({ hostId: tasks.assignedHostId, n: sql<number>`count(*)::int` })
          .from(tasks)
          .where(and(inArray(tasks.assignedHostId, ids), inArray(tasks.status, [...TASK_ACTIVE])))
          .groupBy(tasks.assignedHostId);
        for (const c of counts) used.set(c.hostId!, c.n);
        return used;
      };
      // Plan on an unlocked snapshot, then lock only the machines the plan uses (SKIP LOCKED: a machine another
      // replica is assigning to right now is left for the next pass) and recount their slots under the lock.
      const snapshot = await usedSlots(machines.map((m) => m.id));
      const planFree = new Map(machines.map((m) => [m.id, m.maxConcurrentTasks - (snapshot.get(m.id) ?? 0)]));
      const plan: { task: Task; machine: HostRow }[] = [];
      for (const task of pending) {
        const machine = pickMachine(task, machines, planFree);
        if (!machine) continue;
        planFree.set(machine.id, planFree.get(machine.id)! - 1);
        plan.push({ task, machine });
      }
      if (plan.length === 0) return 0;
      const chosen = [...new Set(plan.map((p) => p.machine.id))];
      const locked = await tx
        .select({ id: hosts.id, maxConcurrentTasks: hosts.maxConcurrentTasks })
        .from(hosts)
        .where(and(inArray(hosts.id, chosen), eligible))
        .for("update", { skipLocked: true });
      const used = await usedSlots(locked.map((m) => m.id));
      const free = new Map(locked.map((m) => [m.id, m.maxConcurrentTasks - (used.get(m.id) ?? 0)]));
      let assigned = 0;
      // Command and agent stages are dispatched in bulk (a handful of statements per pass, whatever the count);
      // a confirm stage (a re-queued suspended task) takes the one-by-one path.
      const bulk: { task: Task; hostId: string; spec: StageCommand }[] = [];
      for (const { task, machine } of plan) {
        if ((free.get(machine.id) ?? 0) <= 0) continue; // skipped (locked elsewhere) or filled meanwhile
        free.set(machine.id, free.get(machine.id)! - 1);
        assigned++;
        const spec = stageCommand(task);
        if (spec) {
          bulk.push({ task, hostId: machine.id, spec });
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
        await this.dispatch(tx, after, row);
      }
      if (bulk.length) await this.assignInBulk(tx, after, bulk);
      return assigned;
    });
  }

  /** Assigns tasks whose current stage is a command: one UPDATE, and one INSERT each for commands, stage runs, events. */
  private async assignInBulk(
    q: Queryable,
    after: AfterCommit,
    items: { task: Task; hostId: string; spec: StageCommand }[],
  ) {
    const now = new Date();
    const byTenant = new Map<string, typeof items>();
    for (const item of items) byTenant.set(item.task.tenantId, [...(byTenant.get(item.task.tenantId) ?? []), item]);
    const commandOf = new Map<string, Command>();
    for (const [tenantId, group] of byTenant) {
      const rows = await this.commands.insertMany(
        q,
        tenantId,
        group.map((g) => ({ hostId: g.hostId, ...g.spec })),
      );
      for (const [i, g] of group.entries()) commandOf.set(g.task.id, rows[i]!);
    }
    const values = sql.join(
      items.map((i) => sql`(${i.task.id}, ${i.hostId}, ${commandOf.get(i.task.id)!.id})`),
      sql`, `,
    );
    await q.execute(sql`
      update ${tasks} set status = 'assigned', assigned_host_id = v.host_id, assigned_at = ${now.toISOString()}::timestamptz,
        current_command_id = v.command_id, updated_at = ${now.toISOString()}::timestamptz
      from (values ${values}) as v(id, host_id, command_id) where ${tasks.id} = v.id`);
    await q.insert(taskStageRuns).values(
      items.map(({ task, hostId }) => {
        const stage = task.pipeline[task.stageIndex]!;
        return {
          id: newId("stage"),
          tenantId: task.tenantId,
          taskId: task.id,
          attempt: task.attempt,
          stageIndex: task.stageIndex,
          stageName: stage.name,
          kind: stage.kind,
          status: "running" as const,
          hostId,
          commandId: commandOf.get(task.id)!.id,
        };
      }),
    );
    await q.insert(taskEvents).values(
      items.flatMap(({ task, hostId, spec }) => {
        const stage = task.pipeline[task.stageIndex]!;
        const commandId = commandOf.get(task.id)!.id;
        const base = { tenantId: task.tenantId, taskId: task.id, attempt: task.attempt, stageIndex: task.stageIndex };
        return [
          { ...base, type: "status", message: `assigned to ${hostId}`, data: { from: task.status, to: "assigned" } },
          {
            ...base,
            type: "stage.dispatched",
            message: `stage ${stage.name} (${spec.kind}) sent to ${hostId} as ${commandId}`,
            data: { stage: stage.name, commandId, kind: spec.kind },
          },
        ];
      }),
    );
    for (const { task } of items) {
      after.commands.push(commandOf.get(task.id)!);
      after.transitions.push({ tenantId: task.tenantId, taskId: task.id, status: "assigned" });
    }
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
      await q.insert(taskStageRuns).values({
        id: newId("stage"),
        tenantId: task.tenantId,
        taskId: task.id,
        attempt: task.attempt,
        stageIndex: task.stageIndex,
        stageName: stage.name,
        kind: stage.kind,
        status: "suspended",
        hostId,
      });
      await this.event(
        q,
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
    after.commands.push(command!);
    await q.insert(taskStageRuns).values({
      id: newId("stage"),
      tenantId: task.tenantId,
      taskId: task.id,
      attempt: task.attempt,
      stageIndex: task.stageIndex,
      stageName: stage.name,
      kind: stage.kind,
      status: "running",
      hostId,
      commandId: command!.id,
    });
    await this.event(
      q,
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
  async onCommandTransition(event: Extract<DomainEvent, { type: "command.transition" }>): Promise<void> {
    if (event.status === "pending") return;
    // Most commands are not task stages: find out without a transaction (the lookup is indexed).
    const [candidate] = await this.db
      .select({ id: tasks.id })
      .from(tasks)
      .where(and(eq(tasks.tenantId, event.tenantId), eq(tasks.currentCommandId, event.commandId)))
      .limit(1);
    if (!candidate) return;
    await this.inTx(async (tx, after) => {
      const [task] = await tx
        .select()
        .from(tasks)
        .where(
          and(
            eq(tasks.tenantId, event.tenantId),
            eq(tasks.currentCommandId, event.commandId),
            inArray(tasks.status, ["assigned", "running"]),
          ),
        )
        .for("update");
      if (!task) return;
      const stage = task.pipeline[task.stageIndex]!;
      if (event.status === "running") {
        if (task.status === "assigned")
          await this.setStatus(tx, after, task, "running", {}, `stage ${stage.name} started on ${task.assignedHostId}`);
        await this.event(
          tx,
          task,
          "stage.started",
          `stage ${stage.name} started`,
          { stage: stage.name, commandId: event.commandId },
          task.stageIndex,
        );
        return;
      }
      const [command] = await tx.select().from(commands).where(eq(commands.id, event.commandId));
      const now = new Date();
      if (event.status === "completed") {
        const result = stageResultOf(command?.result);
        await tx
          .update(taskStageRuns)
          .set({ status: "completed", result, finishedAt: now })
          .where(eq(taskStageRuns.commandId, event.commandId));
        await this.event(
          tx,
          task,
          "stage.completed",
          `stage ${stage.name} completed`,
          { stage: stage.name, commandId: event.commandId },
          task.stageIndex,
        );
        const running = task.status === "assigned" ? await this.setStatus(tx, after, task, "running") : task;
        const next = await this.setStatus(tx, after, running, "running", {
          stageIndex: task.stageIndex + 1,
          stageResults: { ...task.stageResults, [stage.name]: result },
          currentCommandId: null,
        });
        await this.dispatch(tx, after, next);
        return;
      }
      // failed or cancelled (by someone else than a task cancel, which makes the task terminal first)
      const error = `stage ${stage.name} failed: ${command?.error ?? event.error ?? event.status}`;
      await tx
        .update(taskStageRuns)
        .set({ status: "failed", error, finishedAt: now })
        .where(eq(taskStageRuns.commandId, event.commandId));
      const excerpt = logExcerpt(command?.result);
      await this.event(
        tx,
        task,
        "stage.failed",
        error,
        { stage: stage.name, commandId: event.commandId, ...(excerpt ? { excerpt } : {}) },
        task.stageIndex,
      );
      await this.setStatus(tx, after, task, "failed", { error, currentCommandId: null });
    });
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
      await this.event(tx, row, "task.retried", `attempt ${attempt} starts at stage ${task.stageIndex}`, {
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
      await this.event(
        tx,
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
    status: "completed" | "cancelled",
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
    opts: { requeueIdempotent: boolean; include: TaskStatus[]; awaitCancelDelivery?: boolean },
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
        const requeue =
          task.status !== "running" ||
          (opts.requeueIdempotent && stage !== undefined && stage.kind !== "confirm" && stage.idempotent === true);
        if (task.currentCommandId) {
          after.cancels.push({ tenantId, commandId: task.currentCommandId, reason });
          await tx
            .update(taskStageRuns)
            .set({ status: requeue ? "cancelled" : "failed", error: reason, finishedAt: new Date() })
            .where(eq(taskStageRuns.commandId, task.currentCommandId));
        } else if (task.status === "suspended") {
          await this.closeSuspendedRun(tx, task, "cancelled", reason);
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
              { error: `stage ${stage?.name ?? task.stageIndex} failed: ${reason}`, currentCommandId: null },
              reason,
            );
        outcome.push({ taskId: row.id, status: row.status });
      }
      return outcome;
    });
  }

  /**
   * Repairs tasks whose stage command moved on without the task following (the replica that processed the
   * command's transition stopped before applying it to the task): replays the transition.
   */
  async reconcile(limit = 100): Promise<number> {
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

  /** Machines offline since before `cutoff` that still hold assigned or running tasks. */
  async lostMachines(cutoff: Date): Promise<{ id: string; tenantId: string }[]> {
    return this.db
      .selectDistinct({ id: hosts.id, tenantId: hosts.tenantId })
      .from(tasks)
      .innerJoin(hosts, eq(hosts.id, tasks.assignedHostId))
      .where(and(inArray(tasks.status, ["assigned", "running"]), lte(hosts.offlineSince, cutoff)));
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

type StageCommand = { kind: string; params: Record<string, unknown>; timeoutMs: number | null; ttlSeconds?: number };

/** The command running the task's current stage (templates filled in), or undefined for a confirm stage. */
function stageCommand(task: Task): StageCommand | undefined {
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

/** The first machine (fewest used slots first) that may take the task. */
function pickMachine(task: Task, machines: HostRow[], free: Map<string, number>): HostRow | undefined {
  let best: HostRow | undefined;
  for (const m of machines) {
    if (m.tenantId !== task.tenantId || (free.get(m.id) ?? 0) <= 0) continue;
    if (task.hostId && task.hostId !== m.id) continue;
    if (task.environmentId && task.environmentId !== m.environmentId) continue;
    const { labels = {}, capabilities = [] } = task.requirements;
    if (Object.entries(labels).some(([k, v]) => m.labels[k] !== v)) continue;
    if (capabilities.some((c) => !m.capabilities.includes(c))) continue;
    if (!best || free.get(m.id)! > free.get(best.id)!) best = m;
  }
  return best;
}

/** What later stages see of a stage's command result: its stdout (exec, agent) or the result as JSON. */
export function stageResultOf(result: Record<string, unknown> | null | undefined): string {
  if (!result) return "";
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
