/**
 * A background loop of passes: one on every tick, and one at once when woken. Wakes are coalesced: while
 * `concurrency` passes run, a wake starts another pass as soon as one ends. A pass that reports progress (returns
 * true) runs again at once. Used by the task scheduler and the rollout driver.
 */
import { asSystem } from "../db/context";

export class PassLoop {
  private timer?: ReturnType<typeof setTimeout>;
  private readonly passes = new Set<Promise<void>>();
  private again = false;
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
    await Promise.all(this.passes);
  }

  /** Runs a pass now (or, when `concurrency` passes are running, right after one ends). */
  wake(): void {
    if (this.stopped) return;
    if (this.passes.size >= (this.opts.concurrency ?? 1)) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.runPass();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.runPass(), delayMs);
  }

  private runPass(): void {
    this.again = false;
    // Passes span tenants; a wake from a request would otherwise run this one in the request's tenant context.
    const pass: Promise<void> = asSystem("background pass (task scheduler, rollout driver)", () => this.pass())
      .then((progress) => {
        if (progress) this.again = true;
      })
      .catch(this.onError)
      .finally(() => {
        this.passes.delete(pass);
        if (this.again) this.wake();
        else if (this.passes.size === 0) this.schedule(this.opts.tickMs);
      });
    this.passes.add(pass);
  }
}
