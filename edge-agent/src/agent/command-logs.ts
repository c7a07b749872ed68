/**
 * Durable command output: each line goes into the outbox (topic .../log) with its index within the command's
 * output, so it reaches the control plane in order over MQTT or the gRPC session, survives reconnects and
 * restarts, and is deduped by (command, index). Capped per command so a chatty command cannot flood the outbox.
 */
import type { OutputStream } from "../commands/kind.ts";
import type { Outbox } from "../store/outbox.ts";
import { codecs } from "@edge/proto/wire";

export const MAX_DURABLE_LINES_PER_COMMAND = 10_000;

export class CommandLogs {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly outbox: Outbox,
    private readonly topic: string,
    private readonly now: () => number = Date.now,
    private readonly maxLines = MAX_DURABLE_LINES_PER_COMMAND,
  ) {}

  append(commandId: string, stream: OutputStream, line: string): void {
    const index = this.counts.get(commandId) ?? 0;
    if (index > this.maxLines) return;
    const text = index === this.maxLines ? `[output truncated after ${this.maxLines} lines]` : line;
    this.counts.set(commandId, index + 1);
    this.outbox.append(
      this.topic,
      codecs.commandLog.encode({ commandId, stream, line: text, atMs: this.now(), index }),
    );
  }

  /** The command finished: forget its counter. */
  finished(commandId: string): void {
    this.counts.delete(commandId);
  }
}
