/**
 * Commands between receipt and final report, with the means to cancel the executing ones. Lives outside the
 * command runner actor so a restarted runner can still cancel and await work its previous incarnation started.
 */
import { CommandCancelledError } from "../commands/abort.ts";

export class InflightCommands {
  private readonly entries = new Map<string, { controller: AbortController; started: boolean }>();
  private idleWaiters: (() => void)[] = [];

  add(commandId: string): AbortSignal {
    const controller = new AbortController();
    this.entries.set(commandId, { controller, started: false });
    return controller.signal;
  }

  /** The command's cancellation signal, while it is in flight. */
  signalOf(commandId: string): AbortSignal | undefined {
    return this.entries.get(commandId)?.controller.signal;
  }

  /** The command is executing from now on: its settlement reports it. */
  markStarted(commandId: string): void {
    const entry = this.entries.get(commandId);
    if (entry) entry.started = true;
  }

  /** Aborts one command; says whether it was executing, waiting to start, or not in flight. */
  cancel(commandId: string, reason: string): "started" | "waiting" | undefined {
    const entry = this.entries.get(commandId);
    if (!entry) return undefined;
    entry.controller.abort(new CommandCancelledError(reason));
    return entry.started ? "started" : "waiting";
  }

  /** Commands received but not executing (waiting for the safety policy). */
  waitingIds(): string[] {
    return [...this.entries].filter(([, entry]) => !entry.started).map(([id]) => id);
  }

  remove(commandId: string): void {
    this.entries.delete(commandId);
    if (this.entries.size === 0) {
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    }
  }

  get size(): number {
    return this.entries.size;
  }

  cancelAll(reason: string): void {
    for (const { controller } of this.entries.values()) controller.abort(new CommandCancelledError(reason));
  }

  /** Resolves true once nothing is in flight, false after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.entries.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.idleWaiters.push(done);
    });
  }
}
