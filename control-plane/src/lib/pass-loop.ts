/**
 * A background loop of passes: one on every tick, and one at once when woken (unless `concurrency` passes run
 * already). A pass runs again at once when it ends if it reported progress (returned true), or if a wake came while
 * it ran: the pass started for that wake beside it (if any) could not see what this one held (rows it locked, which
 * SKIP LOCKED passes over) and this one may have read before the change that woke it, so only a pass started after
 * this one ends is sure to see that change. Wakes during a pass are coalesced into that one re-run. Used by the task
 * scheduler, the rollout driver and chat delivery.
 */
import { asSystem } from "../db/context";

export class PassLoop {
  private timer?: ReturnType<typeof setTimeout>;
  private readonly passes = new Set<Promise<void>>();
  /** Wakes so far: a pass compares the count at its end with the count at its start. */
  private wakes = 0;
  private stopped = true;

  constructor(
    private readonly pass: () => Promise<boolean | undefined | void>,
    private readonly opts: { tickMs: number; concurrency?: number },
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Whether stop() was called: a long pass checks it between steps. */
  get isStopped(): boolean {
    return this.stopped;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.settled();
  }

  /** Resolves once no pass runs, the re-runs included (a quiet loop: tests that need one, shutdown). */
  async settled(): Promise<void> {
    while (this.passes.size > 0) await Promise.all(this.passes);
  }

  /** Runs a pass now (unless `concurrency` passes run already); every pass running now runs once more when it ends. */
  wake(): void {
    if (this.stopped) return;
    this.wakes++;
    if (this.passes.size < (this.opts.concurrency ?? 1)) this.runPass();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.runPass(), delayMs);
  }

  private runPass(): void {
    clearTimeout(this.timer);
    const wakesAtStart = this.wakes;
    let progress = false;
    // Passes span tenants; a wake from a request would otherwise run this one in the request's tenant context.
    const pass: Promise<void> = asSystem("background pass (task scheduler, rollout driver)", () => this.pass())
      .then((result) => {
        progress = result === true;
      })
      .catch(this.onError)
      .finally(() => {
        this.passes.delete(pass);
        if (this.stopped) return;
        // (A re-run is no wake: the passes still running need not run again for it.)
        if (progress || this.wakes !== wakesAtStart) this.runPass();
        else if (this.passes.size === 0) this.schedule(this.opts.tickMs);
      });
    this.passes.add(pass);
  }
}
