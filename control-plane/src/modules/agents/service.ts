/**
 * The agents module: everything the control plane exchanges with edge agents, whatever the transport. It owns the
 * per-agent delivery sequence (`agent_sessions`), the inbox (what agents report), the live sessions of this replica
 * and delivery (what goes to agents, redelivery, receipts). MQTT and gRPC (`transport/`) are thin adapters over it:
 * they decode, authenticate the connection and call this; they never query the database.
 */
import type { Db } from "../../db/connect";
import type { RuntimePrincipal } from "../runtime/principal";
import type { AgentDeps } from "./deps";
import { AgentDelivery } from "./delivery";
import { AgentInbox } from "./inbox";
import { type LiveSession, LiveSessions } from "./live-sessions";
import { type AgentRef, AgentSequences } from "./sequence";
import { CommandReportBatcher } from "./report-batch";
import { PresenceBatcher } from "./presence-batch";
import {
  type ForwardedResponse,
  type ForwardRequest,
  RuntimeForwarding,
  type RuntimeOutlet,
} from "./runtime-forwarding";
import type { RuntimeResponse } from "@edge/proto/wire";
import type { PtyOutput } from "@edge/proto/grpc";
import { PtyChannels, type PtyHandle, type PtySink } from "./pty-channels";

export type { AgentRef } from "./sequence";
export type { BrokerOutlet, OutboundMessages } from "./delivery";
export type { PtyHandle, PtySink } from "./pty-channels";
export type { ForwardedResponse, ForwardRequest, RuntimeOutlet } from "./runtime-forwarding";
export { storableText } from "./inbox";
export { MAX_REPORTS_APPLYING } from "./report-batch";
export { toWireCommand, toWireEstop, type LiveSession } from "./live-sessions";

export class AgentService {
  readonly inbox: AgentInbox;
  readonly delivery: AgentDelivery;
  private readonly sessions = new LiveSessions();
  private readonly sequences: AgentSequences;
  private readonly presences: PresenceBatcher;
  private readonly forwarding: RuntimeForwarding;
  private readonly terminals = new PtyChannels((t, h, input) => this.sessions.pty(t, h, input));
  /** The broker's way to the agent's runtime API (set by the MQTT bridge). */
  private brokerRuntimeOutlet?: RuntimeOutlet;

  constructor(
    db: Db,
    private readonly deps: AgentDeps,
  ) {
    this.forwarding = new RuntimeForwarding({
      timeoutMs: deps.runtimeForward?.timeoutMs ?? 30_000,
      idleTimeoutMs: deps.runtimeForward?.idleTimeoutMs ?? 600_000,
    });
    this.sequences = new AgentSequences(db);
    this.inbox = new AgentInbox(deps, this.sequences, new CommandReportBatcher(db, deps, this.sequences));
    this.delivery = new AgentDelivery(deps, this.sessions);
    this.presences = new PresenceBatcher(deps, this.delivery, this.sequences);
  }

  /** The agent a runtime access token speaks for, if the token is live and its identity not revoked. */
  authenticate(accessToken: string): Promise<RuntimePrincipal | undefined> {
    // Connect storms: the checks of tokens presented together are made together (never cached: revocation is immediate).
    return this.deps.runtime.principalForAccessTokenBatched(accessToken);
  }

  /** The runtime identity a host's messages are accepted from; undefined = ignore the host's messages. */
  liveRuntimeOf(tenantId: string, hostId: string): Promise<string | undefined> {
    return this.deps.runtime.liveRuntimeOf(tenantId, hostId);
  }

  /**
   * A live session opens (after the agent's hello): returns the agent's processed seq (every seq <= it is applied),
   * then — once the transport has welcomed the agent with it — `start()` pushes the stop state, registers the
   * session (a previous one of the host is aborted) and pushes the host's unfinished commands.
   */
  async openSession(agent: AgentRef, session: LiveSession): Promise<{ lastSeq: number; start(): Promise<void> }> {
    const lastSeq = await this.sequences.open(agent);
    // Read before the welcome, so that `start()` registers the session before its first wait: once the agent has
    // its welcome, new commands already go out on the session.
    const order = await this.deps.safety.currentOrder(agent.tenantId, agent.hostId);
    return {
      lastSeq,
      start: async () => {
        // The emergency stop state first, ahead of any command (the agent re-acknowledges a known generation).
        if (order) session.pushEstop(order);
        this.sessions.open(agent.tenantId, agent.hostId, session);
        // Reconcile: pending commands are (re)delivered; running ones are answered with their final report.
        for (const command of await this.deps.commands.unfinishedFor(agent.tenantId, agent.hostId))
          session.pushCommand(command);
      },
    };
  }

  closeSession(agent: AgentRef, session: LiveSession): void {
    this.sessions.close(agent.tenantId, agent.hostId, session);
    if (!this.sessions.has(agent.tenantId, agent.hostId)) {
      this.forwarding.hostGone(agent.tenantId, agent.hostId);
      this.terminals.hostGone(agent.tenantId, agent.hostId);
    }
  }

  /** Sets how runtime API requests reach agents over the broker (MQTT request/response topics). */
  setBrokerRuntimeOutlet(outlet: RuntimeOutlet): void {
    this.brokerRuntimeOutlet = outlet;
  }

  /**
   * Forwards a request to the host's workspace runtime API: over its live session, else over the broker when its
   * agent is online there. The caller has checked that the host is the tenant's.
   */
  async forwardRuntime(tenantId: string, hostId: string, request: ForwardRequest): Promise<ForwardedResponse> {
    const outlets: RuntimeOutlet[] = [(t, h, r) => this.sessions.runtimeRequest(t, h, r)];
    const broker = this.brokerRuntimeOutlet;
    if (broker) {
      outlets.push(async (t, h, r) => {
        const host = await this.deps.hosts.get(t, h);
        return host.status === "online" && broker(t, h, r);
      });
    }
    return this.forwarding.forward(tenantId, hostId, request, outlets);
  }

  /** A part of an agent's answer to a forwarded runtime request (either transport). */
  runtimeResponse(tenantId: string, hostId: string, part: RuntimeResponse): void {
    this.forwarding.deliver(tenantId, hostId, part);
  }

  /**
   * Opens an interactive terminal on the host's agent over its live session (`unavailable` without one here). The
   * caller has checked that the host is the tenant's and that the user may open it.
   */
  openPty(tenantId: string, hostId: string, size: { cols: number; rows: number }, sink: PtySink): PtyHandle {
    return this.terminals.open(tenantId, hostId, size, sink);
  }

  /** A terminal message of an agent (gRPC session). */
  ptyOutput(tenantId: string, hostId: string, output: PtyOutput): void {
    this.terminals.deliver(tenantId, hostId, output);
  }

  /** Whether the host has a live session on this replica (a new command would go out on it). */
  hasLiveSession(tenantId: string, hostId: string): boolean {
    return this.sessions.has(tenantId, hostId);
  }

  /** Ends every live session of this replica (shutdown). */
  abortAllSessions(reason: string): void {
    this.sessions.abortAll(reason);
  }

  /** The agent's presence on the broker: online starts a reconcile over the broker; offline marks the host. */
  async presence(
    tenantId: string,
    hostId: string,
    online: boolean,
    agentVersion: string,
    runtimeId?: string,
  ): Promise<void> {
    // Batched with other agents' presence (presence-batch.ts): a connect storm costs a few statements per batch.
    await this.presences.apply(tenantId, hostId, online, online ? agentVersion : "", runtimeId);
  }
}
