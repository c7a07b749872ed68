/**
 * The rollout driver loop: steps every unsettled rollout on each tick, and at once when one of their hosts may have
 * moved (an update command finished, a host came or went, an operator steered a rollout). Safe with any number of
 * control planes on one database: each step holds its rollout's row lock, and a replica skips rollouts locked by
 * another (FOR UPDATE SKIP LOCKED), so a rollout is stepped by one replica at a time and never by a client.
 */
import type { DomainEvent, EventBus } from "../../lib/events";
import type { RolloutService } from "./service";

const PASS_LIMIT = 100;

export class RolloutDriver {
  private timer?: ReturnType<typeof setTimeout>;
  private running?: Promise<void>;
  private again = false;
  private stopped = true;
  private unsubscribe?: () => void;

  constructor(
    private readonly rollouts: RolloutService,
    private readonly events: EventBus,
    private readonly tickMs: number,
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
    if (event.type === "rollout.changed" || event.type === "host.status") this.wake();
    else if (event.type === "command.transition" && event.kind === "runtime.update") this.wake();
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
        else this.schedule(this.tickMs);
      });
  }

  private async pass(): Promise<void> {
    for (const id of await this.rollouts.unsettled(PASS_LIMIT)) {
      if (this.stopped) return;
      await this.rollouts.advance(id).catch(this.onError);
    }
  }
}
