/** Runs the trigger service's due-check on a fixed tick while the control plane runs. */
import { asSystem } from "../../db/context";
import type { TriggerService } from "./service";

export class TriggerScheduler {
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<void>;
  private stopped = true;

  constructor(
    private readonly triggers: TriggerService,
    private readonly tickMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = asSystem("trigger tick: every tenant's due triggers", () => this.triggers.fireDue())
        .then(() => undefined, this.onError)
        .finally(() => this.schedule());
    }, this.tickMs);
  }
}
