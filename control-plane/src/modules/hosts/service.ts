/** Hosts: registered edge workers (robots or compute nodes). */
import { and, asc, eq, type SQL } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db } from "../../db/connect";
import { hosts, HOST_STATUSES } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { notFound } from "../../http/errors";
import type { EnvironmentService } from "../environments/service";
import type { HostCreateBody, HostListQuery, HostUpdateBody } from "./model";

export type HostStatus = (typeof HOST_STATUSES)[number];

export class HostService {
  constructor(
    private readonly db: Db,
    private readonly environments: EnvironmentService,
    private readonly events: EventBus,
  ) {}

  async register(tenantId: string, input: Static<typeof HostCreateBody>) {
    if (input.environmentId) await this.environments.assertOwned(this.db, tenantId, input.environmentId);
    const [row] = await this.db.insert(hosts).values({ ...input, id: newId("host"), tenantId }).returning();
    return publicRow(row!);
  }

  async list(tenantId: string, filter: Static<typeof HostListQuery>) {
    const where: SQL[] = [eq(hosts.tenantId, tenantId)];
    if (filter.status) where.push(eq(hosts.status, filter.status));
    if (filter.environmentId) where.push(eq(hosts.environmentId, filter.environmentId));
    const rows = await this.db.select().from(hosts).where(and(...where)).orderBy(asc(hosts.name));
    return rows.map(publicRow);
  }

  async get(tenantId: string, id: string) {
    const [row] = await this.db.select().from(hosts).where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)));
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
    return publicRow(row);
  }

  /** Sets the status; agents' presence and operators both come through here. */
  async setStatus(tenantId: string, id: string, status: HostStatus, details: { agentVersion?: string } = {}) {
    const current = await this.get(tenantId, id);
    const now = new Date();
    const [row] = await this.db
      .update(hosts)
      .set({ status, updatedAt: now, ...(status === "online" ? { lastSeenAt: now } : {}), ...details })
      .where(and(eq(hosts.id, id), eq(hosts.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("host");
    if (current.status !== status) {
      this.events.publish({ type: "host.status", tenantId, hostId: id, status, previous: current.status });
    }
    return publicRow(row);
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
