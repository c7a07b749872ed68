/**
 * What agents tell the control plane, whatever the transport (MQTT or a gRPC session):
 * command transitions, safety state, status reports, telemetry, log lines. Numbered messages are applied at most once.
 */
import { hasNul, parseJsonObject } from "../../lib/json-guard";
import {
  CommandStatus,
  type AgentSafetyState,
  type AgentStatus,
  type CommandLog,
  type CommandUpdate,
  type TelemetryPoint,
} from "@edge/proto/wire";
import { boundStatusReport, type BoundedStatus } from "../hosts/status-report";
import type { CleanPoint } from "../hosts/telemetry";
import type { AgentDeps } from "./deps";
import type { AgentRef, AgentSequences } from "./sequence";
import type { CommandReport, CommandReportBatcher } from "./report-batch";

const STATUS_OF: Record<number, "running" | "completed" | "failed" | "expired" | undefined> = {
  [CommandStatus.COMMAND_STATUS_RUNNING]: "running",
  [CommandStatus.COMMAND_STATUS_COMPLETED]: "completed",
  [CommandStatus.COMMAND_STATUS_FAILED]: "failed",
  [CommandStatus.COMMAND_STATUS_EXPIRED]: "expired",
};

/** Agent-supplied text bound for a text column: NUL (which PostgreSQL cannot store) shown as U+FFFD, length capped. */
export const storableText = (s: string, max: number) =>
  (hasNul(s) ? s.replaceAll("\u0000", "\uFFFD") : s).slice(0, max);

/** Republishes what was applied for MQTT consumers (the opt-in JSON mirror). */
export interface InboxMirror {
  status(tenantId: string, hostId: string, report: BoundedStatus): Promise<void> | undefined;
  telemetry(tenantId: string, hostId: string, points: CleanPoint[]): Promise<void> | undefined;
}

export class AgentInbox {
  private mirror?: InboxMirror;

  constructor(
    private readonly deps: AgentDeps,
    private readonly sequences: AgentSequences,
    private readonly reports: CommandReportBatcher,
  ) {}

  /** Applied status and telemetry are mirrored from now on (best effort: never holds up the agent's message). */
  mirrorTo(mirror: InboxMirror | undefined): void {
    this.mirror = mirror;
  }

  private mirrored(what: string, publishing: Promise<void> | undefined): void {
    publishing?.catch((err) => this.deps.log.error(`JSON mirror of ${what} failed`, err));
  }

  /**
   * Applies an agent's numbered message (`seq` > 0) at most once, over either transport; returns the agent's
   * contiguous processed floor. Messages of agents that do not number them (seq 0) are simply applied.
   */
  async numbered(
    agent: AgentRef,
    seq: number,
    floor: number,
    apply: () => Promise<unknown>,
  ): Promise<number | undefined> {
    if (!seq) {
      await apply();
      return undefined;
    }
    return this.sequences.once(agent, seq, floor, apply);
  }

  /**
   * A numbered command report (an agent's ack), applied with others in one statement (see report-batch.ts):
   * returns the agent's contiguous processed floor, undefined for an unnumbered report (applied alone), or null if
   * the agent's identity is revoked (nothing applied, nothing to receipt).
   */
  async numberedCommandUpdate(
    agent: AgentRef,
    seq: number,
    floor: number,
    update: CommandUpdate,
  ): Promise<number | undefined | null> {
    const report = this.reportOf(agent.hostId, update);
    const single = () => this.commandUpdate(agent.tenantId, agent.hostId, update);
    if (!seq || !report) return this.numbered(agent, seq, floor, single);
    const outcome = await this.reports.apply(agent, seq, floor, report, () =>
      this.sequences.once(agent, seq, floor, single),
    );
    return "refused" in outcome ? null : outcome.floor;
  }

  /** The report an ack makes, or undefined if it reports nothing (unknown status, bad id). */
  private reportOf(hostId: string, update: CommandUpdate): CommandReport | undefined {
    const status = STATUS_OF[update.status];
    if (!status || !update.commandId || update.commandId.length > 100 || hasNul(update.commandId)) return undefined;
    // The transition is what matters (the agent did run it); an unstorable result is dropped, not the report.
    const { limits, log } = this.deps;
    const parsed = update.resultJson ? parseJsonObject(update.resultJson, limits) : undefined;
    if (parsed && !parsed.ok)
      log.info(`result of command ${update.commandId.slice(0, 100)} from ${hostId} dropped: ${parsed.reason}`);
    return {
      commandId: update.commandId,
      status,
      ...(update.error ? { error: storableText(update.error, 10_000) } : {}),
      ...(parsed?.ok ? { result: parsed.value } : {}),
    };
  }

  async commandUpdate(tenantId: string, hostId: string, update: CommandUpdate): Promise<void> {
    const report = this.reportOf(hostId, update);
    if (!report) return;
    const { commandId, ...input } = report;
    await this.deps.commands.applyAgentReport(tenantId, hostId, commandId, input);
  }

  /** The stop latch and policy version the agent enforces now. */
  async safety(tenantId: string, hostId: string, state: AgentSafetyState): Promise<void> {
    const INT32_MAX = 2 ** 31 - 1;
    const inRange = (n: number, max: number) => Number.isSafeInteger(n) && n >= 0 && n <= max;
    if (!inRange(state.estopGeneration, Number.MAX_SAFE_INTEGER) || !inRange(state.policyVersion, INT32_MAX)) {
      this.deps.log.info(`safety state from ${hostId} refused: generation or policy version out of range`);
      return;
    }
    const killed = inRange(state.killed, INT32_MAX) ? state.killed : INT32_MAX;
    await this.deps.safety.recordAgentState(tenantId, hostId, {
      ...state,
      killed,
      localReason: storableText(state.localReason, 500),
    });
  }

  /**
   * A durable output line of a command: stored with its task (when the command runs a task stage) and shown to
   * live watches unless the line already went to them live (`alreadyLive`: gRPC sessions stream lines as they come).
   */
  async commandLog(tenantId: string, hostId: string, line: CommandLog, alreadyLive: boolean): Promise<void> {
    if (!line.commandId) return;
    line = { ...line, stream: storableText(line.stream, 16), line: storableText(line.line, 16_384) };
    await this.deps.execution.recordLog(tenantId, hostId, line);
    if (!alreadyLive) this.liveLog(tenantId, hostId, line);
  }

  /** A log line streamed as it comes (gRPC): shown to live watches only, stored when it arrives numbered. */
  liveLog(tenantId: string, hostId: string, line: Pick<CommandLog, "commandId" | "stream" | "line" | "atMs">): void {
    this.deps.events.publish({
      type: "command.log",
      tenantId,
      hostId,
      commandId: line.commandId,
      stream: line.stream,
      line: line.line,
      atMs: line.atMs,
    });
  }

  /**
   * A numbered status report, applied with other reports in one statement (see report-batch.ts); returns as
   * `numberedCommandUpdate`.
   */
  async numberedStatus(
    agent: AgentRef,
    seq: number,
    floor: number,
    report: AgentStatus,
  ): Promise<number | undefined | null> {
    if (!seq) return this.numbered(agent, seq, floor, () => this.status(agent.tenantId, agent.hostId, report));
    const { agentVersion, ...rest } = report;
    const bounded = boundStatusReport(rest as Record<string, unknown>, agentVersion ?? "");
    // The single path stores it unmirrored: it is mirrored below, whichever way it went.
    const store = () => this.deps.hosts.recordReport(agent.tenantId, agent.hostId, rest, agentVersion ?? "");
    const outcome = await this.reports.apply(agent, seq, floor, { status: bounded }, () =>
      this.sequences.once(agent, seq, floor, store),
    );
    if ("refused" in outcome) return null;
    this.mirrored(`status of ${agent.hostId}`, this.mirror?.status(agent.tenantId, agent.hostId, bounded));
    return outcome.floor;
  }

  async status(tenantId: string, hostId: string, report: AgentStatus): Promise<void> {
    // HostService bounds it (known fields in range, a sane version); delivery numbering is not a status field.
    const { agentVersion, ...rest } = report;
    const bounded = await this.deps.hosts.recordReport(
      tenantId,
      hostId,
      rest as Record<string, unknown>,
      agentVersion ?? "",
    );
    this.mirrored(`status of ${hostId}`, this.mirror?.status(tenantId, hostId, bounded));
  }

  /** Keeps a batch's good points; bad ones are counted on the host and logged (never fatal to the batch or session). */
  async telemetry(tenantId: string, hostId: string, points: TelemetryPoint[]): Promise<void> {
    const { rejected, problem, stored } = await this.deps.hosts.recordTelemetry(tenantId, hostId, points);
    this.mirrored(`telemetry of ${hostId}`, this.mirror?.telemetry(tenantId, hostId, stored));
    if (rejected)
      this.deps.log.info(`telemetry from ${hostId}: ${rejected} of ${points.length} points refused (${problem})`);
  }
}
