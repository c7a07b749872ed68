/** The audit trail: append-only, tenant-scoped. */
import { and, desc, eq, type SQL } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { auditEvents } from "../../db/schema";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";

export interface AuditEntry {
  tenantId: string;
  hostId?: string;
  actor: string;
  action: string;
  detail?: Record<string, unknown>;
}

export class AuditService {
  constructor(private readonly db: Db) {}

  async record(entry: AuditEntry, q: Queryable = this.db): Promise<void> {
    await q.insert(auditEvents).values({ id: newId("aud"), ...entry, createdAt: new Date() });
  }

  /** Several entries in one statement (e.g. a grant per host of a rollout batch). */
  async recordMany(entries: AuditEntry[], q: Queryable = this.db): Promise<void> {
    const createdAt = new Date();
    if (entries.length) await q.insert(auditEvents).values(entries.map((e) => ({ id: newId("aud"), ...e, createdAt })));
  }

  async list(tenantId: string, filter: { hostId?: string; action?: string; limit?: number }) {
    const where: SQL[] = [eq(auditEvents.tenantId, tenantId)];
    if (filter.hostId) where.push(eq(auditEvents.hostId, filter.hostId));
    if (filter.action) where.push(eq(auditEvents.action, filter.action));
    const rows = await this.db
      .select()
      .from(auditEvents)
      .where(and(...where))
      .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
      .limit(filter.limit ?? 100);
    return rows.map(publicRow);
  }
}
