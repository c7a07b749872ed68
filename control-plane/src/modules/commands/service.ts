/** Robot commands: created for a host, delivered to its agent, moved through pending → running → completed | failed. */
import { and, asc, desc, eq, type SQL } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db, Queryable } from "../../db/connect";
import { commands, hosts } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { DEFAULT_LIMIT, afterCursor, toPage } from "../../lib/pagination";
import { publicRow } from "../../lib/rows";
import { transitionRow, type TransitionInput } from "../../lib/transition";
import { HttpError, badRequest, conflict, notFound } from "../../http/errors";
import type { CommandCreateBody, CommandListQuery } from "./model";

export class CommandService {
  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
  ) {}

  async create(tenantId: string, input: Static<typeof CommandCreateBody>) {
    const [host] = await this.db
      .select({ id: hosts.id, status: hosts.status, decommissionedAt: hosts.decommissionedAt })
      .from(hosts)
      .where(and(eq(hosts.id, input.hostId), eq(hosts.tenantId, tenantId)));
    if (!host) throw badRequest(`unknown host ${input.hostId}`);
    // Maintenance and decommission mean no new work for the machine (see README "Machines").
    if (host.decommissionedAt) throw conflict("host is decommissioned");
    if (host.status === "maintenance") throw conflict("host is in maintenance: it accepts no new commands");
    const [row] = await this.db
      .insert(commands)
      .values({ ...input, id: newId("cmd"), tenantId, createdAt: new Date() })
      .returning();
    this.announce(row!);
    return publicRow(row!);
  }

  /** Inserts commands inside the caller's transaction (task stages); call `announce` once it has committed. */
  async insertMany(q: Queryable, tenantId: string, items: { hostId: string; kind: string; params: Record<string, unknown>; timeoutMs?: number | null }[]) {
    if (items.length === 0) return [];
    const now = new Date();
    return q
      .insert(commands)
      .values(items.map((c) => ({ ...c, id: newId("cmd"), tenantId, createdAt: now })))
      .returning();
  }

  /** Hands a committed new command to delivery (live session or MQTT). */
  announce(row: typeof commands.$inferSelect): void {
    this.events.publish({ type: "command.created", tenantId: row.tenantId, hostId: row.hostId, commandId: row.id, command: row });
  }

  /** Cancels a command if it has not finished (the agent kills or never starts it); false if it already had. */
  async cancelIfActive(tenantId: string, id: string, reason: string, opts: { awaitDelivery?: boolean } = {}): Promise<boolean> {
    try {
      await this.transition(tenantId, id, { status: "cancelled", error: reason }, opts);
      return true;
    } catch (error) {
      if (error instanceof HttpError && (error.status === 409 || error.status === 404)) return false;
      throw error;
    }
  }

  async list(tenantId: string, query: Static<typeof CommandListQuery>) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const where: (SQL | undefined)[] = [eq(commands.tenantId, tenantId), afterCursor(query.cursor, commands.createdAt, commands.id)];
    if (query.status) where.push(eq(commands.status, query.status));
    if (query.hostId) where.push(eq(commands.hostId, query.hostId));
    const rows = await this.db
      .select()
      .from(commands)
      .where(and(...where))
      .orderBy(desc(commands.createdAt), desc(commands.id))
      .limit(limit + 1);
    const page = toPage(rows, limit);
    return { ...page, items: page.items.map(publicRow) };
  }

  async get(tenantId: string, id: string) {
    const [row] = await this.db.select().from(commands).where(and(eq(commands.id, id), eq(commands.tenantId, tenantId)));
    if (!row) throw notFound("command");
    return publicRow(row);
  }

  /** `awaitDelivery`: resolve only once the transports have handled the transition (a cancel has gone out). */
  async transition(tenantId: string, id: string, input: TransitionInput, { awaitDelivery = false } = {}) {
    const row = await transitionRow(this.db, commands, "command", tenantId, id, input);
    await this.events[awaitDelivery ? "publishAndWait" : "publish"]({
      type: "command.transition",
      tenantId,
      hostId: row.hostId,
      commandId: id,
      status: row.status,
      error: row.error,
    });
    return publicRow(row);
  }

  /** Commands an agent has not acknowledged yet, oldest first (re-sent when it comes online). */
  async pendingFor(tenantId: string, hostId: string) {
    return this.db
      .select()
      .from(commands)
      .where(and(eq(commands.tenantId, tenantId), eq(commands.hostId, hostId), eq(commands.status, "pending")))
      .orderBy(asc(commands.createdAt), asc(commands.id));
  }

  /**
   * Applies a transition reported by a host's agent. Redelivered or stale reports (the command
   * already moved on, or belongs to another host) are ignored: returns false.
   */
  async applyAgentReport(tenantId: string, hostId: string, commandId: string, input: TransitionInput): Promise<boolean> {
    const [row] = await this.db
      .select({ hostId: commands.hostId, status: commands.status })
      .from(commands)
      .where(and(eq(commands.id, commandId), eq(commands.tenantId, tenantId)));
    if (!row || row.hostId !== hostId) return false;
    // With several control planes on a shared subscription, the RUNNING and COMPLETED reports of one command
    // can be processed by different replicas, the COMPLETED one first. A completed command did run.
    if (input.status === "completed" && row.status === "pending") await this.applyAgentReport(tenantId, hostId, commandId, { status: "running" });
    try {
      await this.transition(tenantId, commandId, input);
      return true;
    } catch (error) {
      if (error instanceof HttpError && error.status === 409) return false;
      throw error;
    }
  }

  /** Deletes a command that is not running (cancel a running one first). */
  async remove(tenantId: string, id: string) {
    const current = await this.get(tenantId, id);
    if (current.status === "running") throw conflict("command is running; cancel it before deleting");
    const [row] = await this.db
      .delete(commands)
      .where(and(eq(commands.id, id), eq(commands.tenantId, tenantId), eq(commands.status, current.status)))
      .returning({ id: commands.id });
    if (!row) throw conflict("command changed state while deleting; retry");
    return { id: row.id, deleted: true };
  }
}
