/**
 * What agents tell the control plane, whatever the transport (MQTT or a gRPC session):
 * command transitions, status reports, telemetry, coming online.
 */
import { and, desc, eq, inArray, isNotNull, isNull, ne } from "drizzle-orm";
import { hosts, runtimeIdentities } from "../db/schema";
import type { Services } from "../services";
import { hasNul, parseUntrustedJson } from "../lib/json-guard";
import {
  CommandStatus,
  type AgentSafetyState,
  type AgentStatus,
  type CommandLog,
  type CommandUpdate,
  type TelemetryPoint,
} from "../../../proto/wire";
import { AgentSequences, type AgentRef } from "./agent-sequence";

const STATUS_OF: Record<number, "running" | "completed" | "failed" | "expired" | undefined> = {
  [CommandStatus.RUNNING]: "running",
  [CommandStatus.COMPLETED]: "completed",
  [CommandStatus.FAILED]: "failed",
  [CommandStatus.EXPIRED]: "expired",
};

/** An agent's result JSON, if it is a storable object (bounded size and depth, no NUL, finite numbers). */
function parseObject(
  json: string,
  maxBytes: number,
  maxDepth: number,
): { value?: Record<string, unknown>; problem?: string } {
  if (!json) return {};
  if (json.length > maxBytes) return { problem: `result larger than ${maxBytes} bytes` };
  const parsed = parseUntrustedJson(json, maxDepth);
  if (!parsed.ok) return { problem: parsed.reason };
  const value = parsed.value;
  return value && typeof value === "object" && !Array.isArray(value)
    ? { value: value as Record<string, unknown> }
    : { problem: "result is not a JSON object" };
}

/** Agent-supplied text bound for a text column: NUL (which PostgreSQL cannot store) shown as U+FFFD, length capped. */
export const storableText = (s: string, max: number) =>
  (hasNul(s) ? s.replaceAll("\u0000", "\uFFFD") : s).slice(0, max);

export class AgentInbox {
  readonly sequences: AgentSequences;

  constructor(private readonly services: Services) {
    this.sequences = new AgentSequences(services.db);
  }

  /**
   * The host's live (bootstrapped, unrevoked) runtime identity: an agent acts for a host only while it has one.
   * The most recently bootstrapped one if there are several.
   */
  async liveRuntimeOf(tenantId: string, hostId: string): Promise<string | undefined> {
    const [row] = await this.services.db
      .select({ id: runtimeIdentities.id })
      .from(runtimeIdentities)
      .where(
        and(
          eq(runtimeIdentities.tenantId, tenantId),
          eq(runtimeIdentities.hostId, hostId),
          isNull(runtimeIdentities.revokedAt),
          isNotNull(runtimeIdentities.bootstrapUsedAt),
        ),
      )
      .orderBy(desc(runtimeIdentities.bootstrapUsedAt))
      .limit(1);
    return row?.id;
  }

  async hostHasLiveRuntime(tenantId: string, hostId: string): Promise<boolean> {
    return (await this.liveRuntimeOf(tenantId, hostId)) !== undefined;
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
   * Whether to publish a new command now. Not to an offline host: it gets its pending commands when it comes
   * back online, so one cancelled meanwhile is never delivered at all.
   */
  async reachable(tenantId: string, hostId: string): Promise<boolean> {
    const [host] = await this.services.db
      .select({ status: hosts.status })
      .from(hosts)
      .where(and(eq(hosts.id, hostId), eq(hosts.tenantId, tenantId)));
    return Boolean(host && host.status !== "offline") && (await this.hostHasLiveRuntime(tenantId, hostId));
  }

  /** Of `hostIds`, those to publish new commands to now (as `reachable`, for many hosts in one query). */
  async reachableHosts(tenantId: string, hostIds: string[]): Promise<Set<string>> {
    if (hostIds.length === 0) return new Set();
    const rows = await this.services.db
      .selectDistinct({ id: hosts.id })
      .from(hosts)
      .innerJoin(
        runtimeIdentities,
        and(
          eq(runtimeIdentities.hostId, hosts.id),
          isNull(runtimeIdentities.revokedAt),
          isNotNull(runtimeIdentities.bootstrapUsedAt),
        ),
      )
      .where(and(eq(hosts.tenantId, tenantId), inArray(hosts.id, hostIds), ne(hosts.status, "offline")));
    return new Set(rows.map((r) => r.id));
  }

  async commandUpdate(tenantId: string, hostId: string, update: CommandUpdate): Promise<void> {
    const status = STATUS_OF[update.status];
    if (!status || !update.commandId || update.commandId.length > 100 || hasNul(update.commandId)) return;
    // The transition is what matters (the agent did run it); an unstorable result is dropped, not the report.
    const { config, log } = this.services;
    const { value: result, problem } = parseObject(update.resultJson, config.maxBodyBytes, config.maxJsonDepth);
    if (problem) log.info(`result of command ${update.commandId.slice(0, 100)} from ${hostId} dropped: ${problem}`);
    await this.services.commands.applyAgentReport(tenantId, hostId, update.commandId, {
      status,
      ...(update.error ? { error: storableText(update.error, 10_000) } : {}),
      ...(result ? { result } : {}),
    });
  }

  /** The stop latch and policy version the agent enforces now. */
  async safety(tenantId: string, hostId: string, state: AgentSafetyState): Promise<void> {
    const INT32_MAX = 2 ** 31 - 1;
    const inRange = (n: number, max: number) => Number.isSafeInteger(n) && n >= 0 && n <= max;
    if (!inRange(state.estopGeneration, Number.MAX_SAFE_INTEGER) || !inRange(state.policyVersion, INT32_MAX)) {
      this.services.log.info(`safety state from ${hostId} refused: generation or policy version out of range`);
      return;
    }
    const killed = inRange(state.killed, INT32_MAX) ? state.killed : INT32_MAX;
    await this.services.safety.recordAgentState(tenantId, hostId, {
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
    // Agent text bound for text columns: NUL (which PostgreSQL cannot store) replaced, length capped.
    line = { ...line, stream: storableText(line.stream, 16), line: storableText(line.line, 16_384) };
    await this.services.tasks.execution.recordLog(tenantId, hostId, line);
    if (!alreadyLive) {
      this.services.events.publish({
        type: "command.log",
        tenantId,
        hostId,
        commandId: line.commandId,
        stream: line.stream,
        line: line.line,
        atMs: line.atMs,
      });
    }
  }

  async status(tenantId: string, hostId: string, report: AgentStatus): Promise<void> {
    // HostService bounds it (known fields in range, a sane version); delivery numbering is not a status field.
    const { agentVersion, ...rest } = report;
    await this.services.hosts.recordReport(tenantId, hostId, rest as Record<string, unknown>, agentVersion ?? "");
  }

  /** Keeps a batch's good points; bad ones are counted on the host and logged (never fatal to the batch or session). */
  async telemetry(tenantId: string, hostId: string, points: TelemetryPoint[]): Promise<void> {
    const { rejected, problem } = await this.services.hosts.recordTelemetry(tenantId, hostId, points);
    if (rejected)
      this.services.log.info(`telemetry from ${hostId}: ${rejected} of ${points.length} points refused (${problem})`);
  }
}
