/**
 * Interactive terminals on agents: a terminal is opened by a PtyInput `open` over the host's live gRPC session and
 * fed/resized/closed by later PtyInput messages; the agent's PtyOutput messages (output bytes, then the exit) go to
 * the terminal's sink. Live sessions only (no broker path): no session here → `unavailable`. When the host's session
 * ends, its terminals end at once.
 */
import { randomBytes } from "node:crypto";
import type { PtyInput, PtyOutput } from "@edge/proto/grpc";
import { unavailable } from "../../lib/errors";

type PtyInputOut = Partial<PtyInput> & { id: string };

/** Sends a terminal message to the host's agent over its live session; false when it has none here. */
export type PtyOutlet = (tenantId: string, hostId: string, input: PtyInputOut) => boolean;

export interface PtySink {
  opened(): void;
  data(bytes: Uint8Array): void;
  /** The end: the shell's exit code (-1 when it was refused, killed or the agent went away) and why. */
  exited(code: number, error: string): void;
}

export interface PtyHandle {
  readonly id: string;
  write(bytes: Uint8Array): void;
  resize(cols: number, rows: number): void;
  close(): void;
}

interface Channel {
  tenantId: string;
  hostId: string;
  sink: PtySink;
}

export class PtyChannels {
  private readonly channels = new Map<string, Channel>();

  constructor(private readonly outlet: PtyOutlet) {}

  open(tenantId: string, hostId: string, size: { cols: number; rows: number }, sink: PtySink): PtyHandle {
    const id = `pty_${randomBytes(12).toString("hex")}`;
    this.channels.set(id, { tenantId, hostId, sink });
    if (!this.outlet(tenantId, hostId, { id, open: true, cols: size.cols, rows: size.rows })) {
      this.channels.delete(id);
      throw unavailable("the host's agent is offline");
    }
    const send = (input: Omit<PtyInputOut, "id">) => {
      if (this.channels.has(id)) this.outlet(tenantId, hostId, { id, ...input });
    };
    return {
      id,
      write: (data) => send({ data }),
      resize: (cols, rows) => send({ cols, rows }),
      close: () => {
        send({ close: true });
        this.channels.delete(id);
      },
    };
  }

  /** A message of the agent of (tenantId, hostId); other hosts' terminals are not its to feed. */
  deliver(tenantId: string, hostId: string, output: PtyOutput): void {
    const channel = this.channels.get(output.id);
    if (!channel || channel.tenantId !== tenantId || channel.hostId !== hostId) return;
    if (output.opened) channel.sink.opened();
    if (output.data.length) channel.sink.data(output.data);
    if (output.exited) {
      this.channels.delete(output.id);
      channel.sink.exited(output.exitCode, output.error);
    }
  }

  /** The host's session ended: its terminals end. */
  hostGone(tenantId: string, hostId: string): void {
    for (const [id, channel] of this.channels) {
      if (channel.tenantId !== tenantId || channel.hostId !== hostId) continue;
      this.channels.delete(id);
      channel.sink.exited(-1, "the host's agent went offline");
    }
  }
}
