/** The audit trail: append-only, tenant-scoped. */
import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import { invalid } from "../../lib/errors";
import { DEFAULT_LIMIT, type Page, afterCursor, toPage } from "../../lib/pagination";
import type { Db, Queryable } from "../../db/connect";
import { auditEvents } from "../../db/schema";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";

export interface AuditEntry {
  tenantId: string;
  hostId?: string;
  actor: string;
  action: string;
  /** What the action was about (user, token, project, host... id). */
  target?: string;
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

  /** `/api/admin/audit-logs`: filters, newest first, keyset pages. */
  async query(
    tenantId: string,
    filter: {
      actor?: string;
      action?: string;
      target?: string;
      since?: string;
      until?: string;
      limit?: number;
      cursor?: string;
    },
  ): Promise<Page<ReturnType<typeof publicRow<typeof auditEvents.$inferSelect>>>> {
    const where: (SQL | undefined)[] = [eq(auditEvents.tenantId, tenantId)];
    if (filter.actor) where.push(eq(auditEvents.actor, filter.actor));
    if (filter.action) where.push(eq(auditEvents.action, filter.action));
    if (filter.target) where.push(eq(auditEvents.target, filter.target));
    if (filter.since) where.push(gte(auditEvents.createdAt, parseTime(filter.since, "since")));
    if (filter.until) where.push(lt(auditEvents.createdAt, parseTime(filter.until, "until")));
    where.push(afterCursor(filter.cursor, auditEvents.createdAt, auditEvents.id));
    const limit = filter.limit ?? DEFAULT_LIMIT;
    const rows = await this.db
      .select()
      .from(auditEvents)
      .where(and(...where))
      .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
      .limit(limit + 1);
    const page = toPage(rows, limit);
    return { ...page, items: page.items.map(publicRow) };
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

function parseTime(value: string, field: string): Date {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(at.getTime()))
    throw invalid(`invalid query: ${field}: expected an ISO 8601 time`);
  return at;
}
