/**
 * The task scheduler loop: assigns pending tasks to machines and applies the worker-loss rules. Safe with any
 * number of control planes on one database (claims use FOR UPDATE SKIP LOCKED; see TaskExecution.assignPending).
 * A pass runs on every tick and at once when something may have freed a slot or queued a task (coalesced).
 */
import type { DomainEvent, EventBus } from "../../lib/events";
import type { TaskExecution } from "../tasks/execution";

export interface TaskSchedulerOptions {
  tickMs: number;
  /** A machine offline this long with assigned or running work loses it (worker-loss rules). */
  workerLossGraceMs: number;
  /** A task assigned this long without its first stage starting is re-queued (the assignment lease). */
  assignmentLeaseMs: number;
  batchSize?: number;
}

export class TaskScheduler {
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private unsubscribe?: () => void;
  private lastSweep = 0;

  constructor(
    private readonly execution: TaskExecution,
    private readonly events: EventBus,
    private readonly opts: TaskSchedulerOptions,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.unsubscribe = this.events.subscribe((event) => this.onEvent(event));
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    clearTimeout(this.timer);
    await this.running;
  }

  /** Runs a pass now (or right after the current one). */
  wake(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.runPass();
  }

  private onEvent(event: DomainEvent): void {
    if (event.type === "task.transition" && ["pending", "completed", "failed", "cancelled"].includes(event.status))
      this.wake();
    else if (event.type === "host.status" && event.status === "online") this.wake();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.runPass(), delayMs);
  }

  private runPass(): void {
    this.again = false;
    this.running = this.pass()
      .catch(this.onError)
      .finally(() => {
        this.running = undefined;
        if (this.again) this.wake();
        else this.schedule(this.opts.tickMs);
      });
  }

  private async pass(): Promise<void> {
    const batch = this.opts.batchSize ?? 500;
    // Keep assigning while full batches come back (a backlog), then sweep for lost workers now and then.
    for (let assigned = batch; assigned >= batch && !this.stopped; )
      assigned = await this.execution.assignPending(batch);
    if (Date.now() - this.lastSweep >= Math.min(this.opts.tickMs, this.opts.workerLossGraceMs / 2)) {
      this.lastSweep = Date.now();
      await this.sweepLostWorkers();
      await this.execution.reconcile();
      await this.execution.failUnrunnable();
      await this.execution.expireAssignments(new Date(Date.now() - this.opts.assignmentLeaseMs));
    }
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
