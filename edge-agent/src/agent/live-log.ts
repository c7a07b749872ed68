/**
 * Where live command output goes: the gRPC session while one is up, nowhere otherwise. Best effort, never
 * persisted. Shared between the command runner (writer) and the session actor (which plugs its stream in).
 */
import type { OutputStream } from "../commands/kind.ts";
import type { LogLine } from "@edge/proto/grpc";

export type LogSink = (line: LogLine) => void;

export class LiveLog {
  private sink: LogSink | undefined;

  attach(sink: LogSink): void {
    this.sink = sink;
  }

  /** Unplugs `sink` if it is still the current one. */
  detach(sink: LogSink): void {
    if (this.sink === sink) this.sink = undefined;
  }

  get active(): boolean {
    return this.sink !== undefined;
  }

  send(commandId: string, stream: OutputStream, line: string, atMs = Date.now()): void {
    this.sink?.({ commandId, stream, line, atMs });
  }
}
