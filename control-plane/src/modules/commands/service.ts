/** Robot commands: created for a host, delivered to its agent, moved through pending → running → completed | failed. */
import { and, asc, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db } from "../../db/connect";
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
      .select({ id: hosts.id })
      .from(hosts)
      .where(and(eq(hosts.id, input.hostId), eq(hosts.tenantId, tenantId)));
    if (!host) throw badRequest(`unknown host ${input.hostId}`);
    const [row] = await this.db
      .insert(commands)
      .values({ ...input, id: newId("cmd"), tenantId, createdAt: new Date() })
      .returning();
    this.events.publish({ type: "command.created", tenantId, hostId: row!.hostId, commandId: row!.id, command: row! });
    return publicRow(row!);
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

  async transition(tenantId: string, id: string, input: TransitionInput) {
    const row = await transitionRow(this.db, commands, "command", tenantId, id, input);
    this.events.publish({
      type: "command.transition",
      tenantId,
      hostId: row.hostId,
      commandId: id,
      status: input.status,
      error: row.error,
    });
    return publicRow(row);
  }

  /**
   * Commands to (re)send to a host's agent after a gap, oldest first: pending ones (perhaps never delivered)
   * and running ones (the agent answers with the final report if it has finished them).
   */
  async unfinishedFor(tenantId: string, hostId: string) {
    return this.db
      .select()
      .from(commands)
      .where(and(eq(commands.tenantId, tenantId), eq(commands.hostId, hostId), inArray(commands.status, ["pending", "running"])))
      .orderBy(asc(commands.createdAt), asc(commands.id));
  }

  /**
   * Commands of every tenant still pending since before `before`, oldest first: their delivery may have been lost
   * (e.g. the replica that was to publish them died), so they are sent again.
   */
  async pendingSince(before: Date, limit: number) {
    return this.db
      .select()
      .from(commands)
      .where(and(eq(commands.status, "pending"), lt(commands.createdAt, before)))
      .orderBy(asc(commands.createdAt), asc(commands.id))
      .limit(limit);
  }

  /**
   * Applies a transition reported by a host's agent. Redelivered or stale reports (the command
   * already moved on, or belongs to another host) are ignored: returns false. Reports may arrive out of order
   * (several replicas, resends): a completion seen before its RUNNING report passes through `running`, and the
   * late RUNNING report is then stale.
   */
  async applyAgentReport(tenantId: string, hostId: string, commandId: string, input: TransitionInput): Promise<boolean> {
    const [row] = await this.db
      .select({ hostId: commands.hostId, status: commands.status })
      .from(commands)
      .where(and(eq(commands.id, commandId), eq(commands.tenantId, tenantId)));
    if (!row || row.hostId !== hostId) return false;
    const attempt = async (step: TransitionInput) => {
      try {
        await this.transition(tenantId, commandId, step);
        return true;
      } catch (error) {
        if (error instanceof HttpError && error.status === 409) return false;
        throw error;
      }
    };
    if (input.status === "completed" && row.status === "pending") await attempt({ status: "running" });
    return attempt(input);
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
