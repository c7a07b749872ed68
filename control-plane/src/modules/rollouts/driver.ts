/**
 * The rollout driver loop: steps every unsettled rollout on each tick, and at once when one of their hosts may have
 * moved (an update command finished, a host came or went, an operator steered a rollout). Safe with any number of
 * control planes on one database: each step holds its rollout's row lock, and a replica skips rollouts locked by
 * another (FOR UPDATE SKIP LOCKED), so a rollout is stepped by one replica at a time and never by a client.
 */
import type { DomainEvent, EventBus } from "../../lib/events";
import { PassLoop } from "../../lib/pass-loop";
import type { RolloutService } from "./service";

const PASS_LIMIT = 100;

export class RolloutDriver {
  private readonly loop: PassLoop;
  private unsubscribe?: () => void;

  constructor(
    private readonly rollouts: RolloutService,
    private readonly events: EventBus,
    tickMs: number,
    private readonly onError: (err: unknown) => void,
  ) {
    this.loop = new PassLoop(() => this.pass(), { tickMs }, onError);
  }

  start(): void {
    this.unsubscribe = this.events.subscribe((event) => this.onEvent(event));
    this.loop.start();
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    await this.loop.stop();
  }

  /** Runs a pass now (or right after the current one). */
  wake(): void {
    this.loop.wake();
  }

  private onEvent(event: DomainEvent): void {
    if (event.type === "rollout.changed" || event.type === "host.status") this.wake();
    else if (event.type === "command.transition" && event.kind === "runtime.update") this.wake();
  }

  private async pass(): Promise<void> {
    for (const id of await this.rollouts.unsettled(PASS_LIMIT)) {
      if (this.loop.isStopped) return;
      await this.rollouts.advance(id).catch(this.onError);
    }
  }
}
