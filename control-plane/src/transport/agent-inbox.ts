/**
 * What agents tell the control plane, whatever the transport (MQTT or a gRPC session):
 * command transitions, status reports, telemetry, coming online.
 */
import { and, desc, eq, isNotNull, isNull } from "drizzle-orm";
import { hosts, runtimeIdentities } from "../db/schema";
import type { Services } from "../services";
import { CommandStatus, type AgentStatus, type CommandUpdate, type TelemetryPoint } from "../../../proto/wire";
import { AgentSequences, type AgentRef } from "./agent-sequence";

const STATUS_OF: Record<number, "running" | "completed" | "failed" | undefined> = {
  [CommandStatus.RUNNING]: "running",
  [CommandStatus.COMPLETED]: "completed",
  [CommandStatus.FAILED]: "failed",
};

function parseObject(json: string): Record<string, unknown> | undefined {
  if (!json) return undefined;
  try {
    const value = JSON.parse(json);
    return value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

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
  async numbered(agent: AgentRef, seq: number, floor: number, apply: () => Promise<unknown>): Promise<number | undefined> {
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

  async commandUpdate(tenantId: string, hostId: string, update: CommandUpdate): Promise<void> {
    const status = STATUS_OF[update.status];
    if (!status || !update.commandId) return;
    const result = parseObject(update.resultJson);
    await this.services.commands.applyAgentReport(tenantId, hostId, update.commandId, {
      status,
      ...(update.error ? { error: update.error } : {}),
      ...(result ? { result } : {}),
    });
  }

  async status(tenantId: string, hostId: string, report: AgentStatus): Promise<void> {
    const { agentVersion, agentSeq: _seq, agentSeqFloor: _floor, ...rest } = report;
    await this.services.hosts.recordReport(tenantId, hostId, rest as Record<string, unknown>, agentVersion);
  }

  async telemetry(tenantId: string, hostId: string, points: TelemetryPoint[]): Promise<void> {
    await this.services.hosts.recordTelemetry(
      tenantId,
      hostId,
      points
        .filter((p) => p.name && Number.isFinite(p.value))
        .map((p) => ({ seq: p.seq, name: p.name, value: p.value, tags: p.tags ?? {}, at: new Date(p.atMs || Date.now()) })),
    );
  }
}
