/** The live agent sessions (gRPC) open on this replica, by host: the faster path to an agent. */
import type { CommandToDeliver, EstopOrder } from "../../lib/events";
import type { Command, EmergencyStop, RuntimeRequest } from "@edge/proto/wire";
import type { PtyInput } from "@edge/proto/grpc";

export type CommandToPush = CommandToDeliver;

/** A command as the `Command` wire message, for MQTT and gRPC alike. */
export const toWireCommand = (c: CommandToDeliver): Command => ({
  id: c.id,
  kind: c.kind,
  paramsJson: JSON.stringify(c.params),
  timeoutMs: c.timeoutMs ?? 0,
  createdAtMs: c.createdAt.getTime(),
  alreadyStarted: c.status === "running",
  notAfterMs: c.notAfter?.getTime() ?? 0,
});

export const toWireEstop = (o: EstopOrder): EmergencyStop => ({
  generation: o.generation,
  engaged: o.engaged,
  reason: o.reason,
  atMs: o.atMs,
});

export interface LiveSession {
  runtimeId: string;
  pushCommand(command: CommandToPush): void;
  pushCancel(commandId: string, reason: string): void;
  pushEstop(order: EstopOrder): void;
  /** A request to the agent's workspace runtime API (answered with RuntimeResponse parts). */
  pushRuntimeRequest(request: RuntimeRequest): void;
  /** A message for an interactive terminal on the agent (answered with PtyOutput frames). */
  pushPty(input: Partial<PtyInput> & { id: string }): void;
  /** Ends the stream with an error status (e.g. the identity was revoked). */
  abort(reason: string): void;
}

export class LiveSessions {
  private readonly byHost = new Map<string, LiveSession>();

  private key = (tenantId: string, hostId: string) => `${tenantId}/${hostId}`;

  /** Registers a session; a previous one of the same host is aborted (an agent has one session). */
  open(tenantId: string, hostId: string, session: LiveSession): void {
    const key = this.key(tenantId, hostId);
    const previous = this.byHost.get(key);
    this.byHost.set(key, session);
    if (previous && previous !== session) previous.abort("replaced by a newer session");
  }

  close(tenantId: string, hostId: string, session: LiveSession): void {
    const key = this.key(tenantId, hostId);
    if (this.byHost.get(key) === session) this.byHost.delete(key);
  }

  has(tenantId: string, hostId: string): boolean {
    return this.byHost.has(this.key(tenantId, hostId));
  }

  /** Pushes a command through the host's live session; false if it has none here. */
  push(tenantId: string, hostId: string, command: CommandToPush): boolean {
    const session = this.byHost.get(this.key(tenantId, hostId));
    if (!session) return false;
    session.pushCommand(command);
    return true;
  }

  /** Tells the host's agent to stop a command; false if it has no session here. */
  cancel(tenantId: string, hostId: string, commandId: string, reason: string): boolean {
    const session = this.byHost.get(this.key(tenantId, hostId));
    if (!session) return false;
    session.pushCancel(commandId, reason);
    return true;
  }

  /** Pushes an emergency stop/reset through the host's live session; false if it has none here. */
  estop(tenantId: string, order: EstopOrder): boolean {
    const session = this.byHost.get(this.key(tenantId, order.hostId));
    if (!session) return false;
    session.pushEstop(order);
    return true;
  }

  /** Sends a runtime API request through the host's live session; false if it has none here. */
  runtimeRequest(tenantId: string, hostId: string, request: RuntimeRequest): boolean {
    const session = this.byHost.get(this.key(tenantId, hostId));
    if (!session) return false;
    session.pushRuntimeRequest(request);
    return true;
  }

  /** Sends a terminal message through the host's live session; false if it has none here. */
  pty(tenantId: string, hostId: string, input: Partial<PtyInput> & { id: string }): boolean {
    const session = this.byHost.get(this.key(tenantId, hostId));
    if (!session) return false;
    session.pushPty(input);
    return true;
  }

  abortRuntime(runtimeId: string, reason: string): void {
    for (const session of this.byHost.values()) if (session.runtimeId === runtimeId) session.abort(reason);
  }

  abortAll(reason: string): void {
    for (const session of [...this.byHost.values()]) session.abort(reason);
  }
}
