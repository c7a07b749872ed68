/** Background safety sweeps on every replica: expire overdue commands, flag hosts whose policy version lags. */
import { asSystem } from "../../db/context";
import type { Config } from "../../config";
import type { CommandService } from "../commands/service";
import type { SafetyService } from "./service";

export class SafetySweeper {
  private timer?: ReturnType<typeof setInterval>;
  private running?: Promise<void>;

  constructor(
    private readonly commands: CommandService,
    private readonly safety: SafetyService,
    private readonly config: Pick<Config, "safetySweepMs" | "commandDeadlineGraceMs" | "policyLagSeconds">,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      // One sweep at a time per replica; replicas themselves are safe together (guarded UPDATEs).
      this.running ??= asSystem("safety sweep: every tenant's overdue commands and lagging policies", () =>
        this.sweep(),
      )
        .catch(this.onError)
        .finally(() => (this.running = undefined));
    }, this.config.safetySweepMs);
  }

  async sweep(): Promise<void> {
    await this.commands.expireOverdue(this.config.commandDeadlineGraceMs);
    await this.safety.flagPolicyLag(this.config.policyLagSeconds * 1000);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
