/** Hosts: registered edge workers (robots or compute nodes). */
import { and, asc, desc, eq, sql, type SQL } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db } from "../../db/connect";
import { hosts, type HOST_STATUSES, telemetryPoints } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { notFound } from "../../http/errors";
import type { EnvironmentService } from "../environments/service";
import type { HostCreateBody, HostListQuery, HostUpdateBody } from "./model";
import { INSERT_CHUNK, screenTelemetry, type RawPoint } from "./telemetry";
import { boundStatusReport } from "./status-report";

export type HostStatus = (typeof HOST_STATUSES)[number];

export class HostService {
  constructor(
    private readonly db: Db,
    private readonly environments: EnvironmentService,
    private readonly events: EventBus,
  ) {}

  async register(tenantId: string, input: Static<typeof HostCreateBody>) {
    if (input.environmentId) await this.environments.assertOwned(this.db, tenantId, input.environmentId);
    const [row] = await this.db
      .insert(hosts)
      .values({ ...input, id: newId("host"), tenantId })
      .returning();
    return publicRow(row!);
  }

  async list(tenantId: string, filter: Static<typeof HostListQuery>) {
    const where: SQL[] = [eq(hosts.tenantId, tenantId)];
    if (filter.status) where.push(eq(hosts.status, filter.status));
    if (filter.environmentId) where.push(eq(hosts.environmentId, filter.environmentId));
    const rows = await this.db
      .select()
      .from(hosts)
      .where(and(...where))
      .orderBy(asc(hosts.name));
    return rows.map(publicRow);
  }

  async get(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(hosts)
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)));
    if (!row) throw notFound("host");
    return publicRow(row);
  }

  async update(tenantId: string, id: string, input: Static<typeof HostUpdateBody>) {
    if (input.environmentId) await this.environments.assertOwned(this.db, tenantId, input.environmentId);
    const [row] = await this.db
      .update(hosts)
      .set({ ...input, updatedAt: new Date() })
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("host");
    if (input.environmentId !== undefined) this.events.publish({ type: "policies.changed", tenantId });
    return publicRow(row);
  }

  /** Sets (string) or removes (null) some labels, keeping the others; fleets see the change at once. */
  async patchLabels(tenantId: string, id: string, changes: Record<string, string | null>) {
    const set = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== null));
    const removed = Object.keys(changes).filter((k) => changes[k] === null);
    const without = removed.reduce((acc, key) => sql`(${acc} - ${key}::text)`, sql`${hosts.labels}`);
    const [row] = await this.db
      .update(hosts)
      .set({ labels: sql`${without} || ${JSON.stringify(set)}::jsonb`, updatedAt: new Date() })
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("host");
    return publicRow(row);
  }

  /**
   * Sets the status; agents' presence and operators both come through here. The row lock makes
   * "changed" exact, so however many replicas see the same presence message, one event results.
   */
  async setStatus(
    tenantId: string,
    id: string,
    requested: HostStatus,
    details: { agentVersion?: string; presence?: boolean } = {},
  ) {
    const { presence, ...fields } = details;
    const { row, previous, status } = await this.db.transaction(async (tx) => {
      const [current] = await tx
        .select({ status: hosts.status, offlineSince: hosts.offlineSince })
        .from(hosts)
        .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
        .for("update");
      if (!current) throw notFound("host");
      // Maintenance is an operator's decision: the agent coming and going does not end it (connectivity is
      // still tracked in offlineSince, which the worker-loss rules read).
      const status = presence && current.status === "maintenance" ? "maintenance" : requested;
      const now = new Date();
      const connectivity =
        requested === "online"
          ? { lastSeenAt: now, offlineSince: null }
          : requested === "offline"
            ? { offlineSince: current.offlineSince ?? now }
            : {};
      const [updated] = await tx
        .update(hosts)
        .set({ ...fields, status, updatedAt: now, ...connectivity })
        .where(eq(hosts.id, id))
        .returning();
      return { row: updated!, previous: current.status, status };
    });
    if (previous !== status) this.events.publish({ type: "host.status", tenantId, hostId: id, status, previous });
    return publicRow(row);
  }

  /** Machine-side fields (drain, slots, capabilities, decommission): see modules/machines. */
  async setMachineFields(
    tenantId: string,
    id: string,
    fields: Partial<
      Pick<
        typeof hosts.$inferInsert,
        | "draining"
        | "maxConcurrentTasks"
        | "capabilities"
        | "hardware"
        | "labels"
        | "decommissionedAt"
        | "workerMachineId"
        | "name"
      >
    >,
  ) {
    const [row] = await this.db
      .update(hosts)
      .set({ ...fields, updatedAt: new Date() })
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("host");
    return row;
  }

  /** Stores an agent's latest status report. */
  async recordReport(tenantId: string, id: string, report: Record<string, unknown>, agentVersion: string) {
    const bounded = boundStatusReport(report, agentVersion);
    await this.db
      .update(hosts)
      .set({
        lastStatus: bounded.report,
        ...(bounded.agentVersion ? { agentVersion: bounded.agentVersion } : {}),
        lastSeenAt: new Date(),
      })
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)));
  }

  /**
   * Stores an agent's telemetry points; a point seen before (same host and seq) is ignored. Each point is checked
   * on its own: bad ones are refused and counted on the host (`telemetryRejected`), the good ones are kept.
   */
  async recordTelemetry(
    tenantId: string,
    hostId: string,
    points: RawPoint[],
  ): Promise<{ accepted: number; rejected: number; problem?: string }> {
    const { accepted, rejected, firstProblem } = screenTelemetry(points);
    for (let i = 0; i < accepted.length; i += INSERT_CHUNK) {
      await this.db
        .insert(telemetryPoints)
        .values(accepted.slice(i, i + INSERT_CHUNK).map((p) => ({ ...p, tenantId, hostId })))
        .onConflictDoNothing();
    }
    if (rejected > 0) {
      await this.db
        .update(hosts)
        .set({ telemetryRejected: sql`${hosts.telemetryRejected} + ${rejected}` })
        .where(and(eq(hosts.id, hostId), eq(hosts.tenantId, tenantId)));
    }
    return { accepted: accepted.length, rejected, ...(firstProblem ? { problem: firstProblem } : {}) };
  }

  async telemetry(tenantId: string, hostId: string, query: { name?: string; limit?: number }) {
    await this.get(tenantId, hostId);
    const where: SQL[] = [eq(telemetryPoints.tenantId, tenantId), eq(telemetryPoints.hostId, hostId)];
    if (query.name) where.push(eq(telemetryPoints.name, query.name));
    const rows = await this.db
      .select()
      .from(telemetryPoints)
      .where(and(...where))
      .orderBy(desc(telemetryPoints.seq))
      .limit(query.limit ?? 100);
    return rows.map(({ tenantId: _t, hostId: _h, ...point }) => point);
  }

  async remove(tenantId: string, id: string) {
    const [row] = await this.db
      .delete(hosts)
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
      .returning({ id: hosts.id });
    if (!row) throw notFound("host");
    return { id: row.id, deleted: true };
  }
}
