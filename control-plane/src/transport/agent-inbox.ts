/**
 * What agents tell the control plane, whatever the transport (MQTT or a gRPC session):
 * command transitions, status reports, telemetry, coming online.
 */
import { and, eq, isNotNull, isNull } from "drizzle-orm";
import { hosts, runtimeIdentities } from "../db/schema";
import type { Services } from "../services";
import { CommandStatus, type AgentStatus, type CommandLog, type CommandUpdate, type TelemetryPoint } from "../../../proto/wire";

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
  constructor(private readonly services: Services) {}

  /** An agent acts for a host only while the host has a live (bootstrapped, unrevoked) runtime identity. */
  async hostHasLiveRuntime(tenantId: string, hostId: string): Promise<boolean> {
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
      .limit(1);
    return Boolean(row);
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

  /**
   * A durable output line of a command: stored with its task (when the command runs a task stage) and shown to
   * live watches unless the line already went to them live (`alreadyLive`: gRPC sessions stream lines as they come).
   */
  async commandLog(tenantId: string, hostId: string, line: CommandLog, alreadyLive: boolean): Promise<void> {
    if (!line.commandId) return;
    await this.services.tasks.execution.recordLog(tenantId, hostId, line);
    if (!alreadyLive) {
      this.services.events.publish({ type: "command.log", tenantId, hostId, commandId: line.commandId, stream: line.stream, line: line.line, atMs: line.atMs });
    }
  }

  async status(tenantId: string, hostId: string, report: AgentStatus): Promise<void> {
    const { agentVersion, ...rest } = report;
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
