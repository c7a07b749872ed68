/** Builds CommandUpdate payloads and records them: final ones atomically with the command's final state. */
import type { Database } from "bun:sqlite";
import type { CommandStore } from "../store/command-store.ts";
import type { Outbox } from "../store/outbox.ts";
import { isJsonObject } from "@edge/proto/json";
import { CommandStatus, codecs } from "@edge/proto/wire";

export type FinalReport =
  | { status: "completed"; result: unknown }
  | { status: "failed"; error: string; result?: unknown }
  /** Never started: its deadline had passed. Recorded locally as failed (it is final either way). */
  | { status: "expired"; error: string };

export class CommandReports {
  constructor(
    private readonly db: Database,
    private readonly commands: CommandStore,
    private readonly outbox: Outbox,
    private readonly ackTopic: string,
    private readonly now: () => number = Date.now,
  ) {}

  running(commandId: string): void {
    this.outbox.append(this.ackTopic, this.encode(commandId, CommandStatus.COMMAND_STATUS_RUNNING, "", ""));
  }

  /** Final state and its report commit together: a crash can lose neither, nor send one without the other. */
  finish(commandId: string, report: FinalReport): void {
    const payload =
      report.status === "completed"
        ? this.encode(commandId, CommandStatus.COMMAND_STATUS_COMPLETED, "", toJson(report.result))
        : report.status === "expired"
          ? this.encode(commandId, CommandStatus.COMMAND_STATUS_EXPIRED, report.error, "")
          : this.encode(
              commandId,
              CommandStatus.COMMAND_STATUS_FAILED,
              report.error,
              report.result === undefined ? "" : toJson(report.result),
            );
    this.db.transaction(() => {
      this.commands.finish(commandId, report.status === "completed" ? "completed" : "failed", payload, this.now());
      this.outbox.append(this.ackTopic, payload);
    })();
  }

  /** Re-sends the stored final report of a redelivered, already finished command. */
  resend(finalUpdate: Uint8Array): void {
    this.outbox.append(this.ackTopic, finalUpdate);
  }

  private encode(commandId: string, status: CommandStatus, error: string, resultJson: string): Uint8Array {
    return codecs.commandUpdate.encode({ commandId, status, error, resultJson, atMs: this.now() });
  }
}

/** result_json must be a JSON object (the control plane stores it as one). */
function toJson(result: unknown): string {
  const value = isJsonObject(result) ? result : { value: result ?? null };
  try {
    return JSON.stringify(value);
  } catch (error) {
    return JSON.stringify({ unserializable: (error as Error).message });
  }
}
