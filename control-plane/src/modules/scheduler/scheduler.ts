/**
 * The task scheduler loop: assigns pending tasks to machines and applies the worker-loss rules. Safe with any
 * number of control planes on one database (claims use FOR UPDATE SKIP LOCKED; see TaskExecution.assignPending).
 * A pass runs on every tick and at once when something may have freed a slot or queued a task (coalesced).
 */
import type { DomainEvent, EventBus } from "../../lib/events";
import type { TaskExecution } from "../tasks/execution";
import { PassLoop } from "../../lib/pass-loop";

export interface TaskSchedulerOptions {
  tickMs: number;
  /** A machine offline this long with assigned or running work loses it (worker-loss rules). */
  workerLossGraceMs: number;
  /** A task assigned this long without its first stage starting is re-queued (the assignment lease). */
  assignmentLeaseMs: number;
  batchSize?: number;
}

/**
 * Passes at once in one control plane: a task queued while a pass runs is claimed by a second pass instead of
 * waiting for the first to end. SKIP LOCKED keeps them apart exactly as it keeps replicas apart.
 */
const CONCURRENT_PASSES = 2;

export class TaskScheduler {
  private readonly loop: PassLoop;
  private unsubscribe?: () => void;
  private lastSweep = 0;

  constructor(
    private readonly execution: TaskExecution,
    private readonly events: EventBus,
    private readonly opts: TaskSchedulerOptions,
    onError: (err: unknown) => void,
  ) {
    // Tasks whose machine the other pass held were skipped: a pass that assigned something runs once more, and so
    // does one that a wake came during (a finished task's slot: the pass started for it beside this one skipped the
    // tasks this one had claimed, and this one may have counted the slot taken).
    this.loop = new PassLoop(() => this.pass(), { tickMs: opts.tickMs, concurrency: CONCURRENT_PASSES }, onError);
  }

  start(): void {
    this.unsubscribe = this.events.subscribe((event) => this.onEvent(event));
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
  }

  /** Resolves once no scheduling pass runs (none woken since will have started). */
  settled(): Promise<void> {
    return this.loop.settled();
  }

  /** Runs a pass now (or, when CONCURRENT_PASSES are running, right after one ends). */
  wake(): void {
    this.loop.wake();
  }

  private onEvent(event: DomainEvent): void {
    if (event.type === "task.transition" && ["pending", "completed", "failed", "cancelled"].includes(event.status)) {
      // A finished task whose tenant had nothing queued frees a slot nobody waits for (a task queued meanwhile
      // wakes the scheduler itself).
      if (event.queued !== false) this.wake();
    } else if (event.type === "host.status" && event.status === "online") this.wake();
  }

  /** Returns whether it assigned any task. */
  private async pass(): Promise<boolean> {
    const batch = this.opts.batchSize ?? 500;
    let total = 0;
    // Keep assigning while full batches come back (a backlog), then sweep for lost workers now and then.
    for (let assigned = batch; assigned >= batch && !this.loop.isStopped; ) {
      assigned = await this.execution.assignPending(batch);
      total += assigned;
    }
    if (Date.now() - this.lastSweep >= Math.min(this.opts.tickMs, this.opts.workerLossGraceMs / 2)) {
      this.lastSweep = Date.now();
      await this.sweepLostWorkers();
      await this.execution.reconcile();
      await this.execution.failUnrunnable();
      await this.execution.expireAssignments(new Date(Date.now() - this.opts.assignmentLeaseMs));
    }
    return total > 0;
  }

  /** Worker loss: assigned tasks go back to the queue; running ones fail (or re-queue if the stage is idempotent). */
  async sweepLostWorkers(): Promise<void> {
    for (const host of await this.execution.lostMachines(new Date(Date.now() - this.opts.workerLossGraceMs))) {
      const seconds = Math.round(this.opts.workerLossGraceMs / 1000);
      await this.execution.releaseMachine(
        host.tenantId,
        host.id,
        `worker lost: machine ${host.id} offline for more than ${seconds}s`,
        {
          requeueIdempotent: true,
          include: ["assigned", "running"],
        },
      );
    }
  }
}
