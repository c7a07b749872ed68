/** Robot commands: created for a host, delivered to its agent, moved through pending → running → completed | failed. */
import { and, asc, desc, eq, inArray, lt, type SQL } from "drizzle-orm";
import type { Static } from "elysia";
import { createHash } from "node:crypto";
import type { Db, Queryable } from "../../db/connect";
import { commands, hosts, idempotencyKeys } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { DEFAULT_LIMIT, afterCursor, toPage } from "../../lib/pagination";
import { publicRow } from "../../lib/rows";
import { transitionRow, type TransitionInput } from "../../lib/transition";
import { HttpError, badRequest, conflict, notFound } from "../../http/errors";
import type { CommandCreateBody, CommandListQuery } from "./model";

/** How long an `Idempotency-Key` of a command creation is remembered. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3600_000;

/** JSON with object keys sorted: the same request body always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export class CommandService {
  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
  ) {}

  async create(tenantId: string, input: Static<typeof CommandCreateBody>, idempotency?: { key: string; requestSha256: string }) {
    const [host] = await this.db
      .select({ id: hosts.id })
      .from(hosts)
      .where(and(eq(hosts.id, input.hostId), eq(hosts.tenantId, tenantId)));
    if (!host) throw badRequest(`unknown host ${input.hostId}`);
    const insert = async (q: Queryable) => {
      const [row] = await q
        .insert(commands)
        .values({ ...input, id: newId("cmd"), tenantId, createdAt: new Date() })
        .returning();
      if (idempotency) {
        await q.insert(idempotencyKeys).values({ tenantId, ...idempotency, commandId: row!.id, expiresAt: new Date(Date.now() + IDEMPOTENCY_KEY_TTL_MS) });
      }
      return row!;
    };
    // With a key, the command and its key commit together: a concurrent twin fails on the key and replays.
    const row = idempotency ? await this.db.transaction(insert) : await insert(this.db);
    this.events.publish({ type: "command.created", tenantId, hostId: row.hostId, commandId: row.id, command: row });
    return publicRow(row);
  }

  /**
   * Creates a command once per `Idempotency-Key` (per tenant, for IDEMPOTENCY_KEY_TTL_MS): the same key with the same
   * body gives the command created first (`replayed`); with another body it is refused (422).
   */
  async createOnce(tenantId: string, key: string, input: Static<typeof CommandCreateBody>) {
    const requestSha256 = createHash("sha256").update(canonicalJson(input)).digest("hex");
    await this.db.delete(idempotencyKeys).where(lt(idempotencyKeys.expiresAt, new Date()));
    const replay = async () => {
      const [seen] = await this.db
        .select()
        .from(idempotencyKeys)
        .where(and(eq(idempotencyKeys.tenantId, tenantId), eq(idempotencyKeys.key, key)));
      if (!seen) return undefined;
      if (seen.requestSha256 !== requestSha256) throw new HttpError(422, "Idempotency-Key was already used with a different request");
      const [row] = await this.db.select().from(commands).where(and(eq(commands.id, seen.commandId), eq(commands.tenantId, tenantId)));
      if (!row) throw conflict("the command created with this Idempotency-Key has been deleted");
      return { command: publicRow(row), replayed: true };
    };
    const earlier = await replay();
    if (earlier) return earlier;
    try {
      return { command: await this.create(tenantId, input, { key, requestSha256 }), replayed: false };
    } catch (error) {
      const code = (error as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (error as { code?: unknown })?.code;
      const twin = code === "23505" ? await replay() : undefined;
      if (twin) return twin;
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

  async transition(tenantId: string, id: string, input: TransitionInput) {
    const row = await transitionRow(this.db, commands, "command", tenantId, id, input);
    this.events.publish({
      type: "command.transition",
      tenantId,
      hostId: row.hostId,
      commandId: id,
      kind: row.kind,
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
