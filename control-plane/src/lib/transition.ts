/** Applies a lifecycle transition to a command or task row atomically (compare-and-set on the current status). */
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Queryable } from "../db/connect";
import { type commands, tasks } from "../db/schema";
import { conflict, notFound } from "../http/errors";
import { isTaskTerminal, isTerminal, sourcesOf, taskSourcesOf, type Status, type TaskStatus } from "./lifecycle";

type WorkTable = typeof commands | typeof tasks;

export interface TransitionInput {
  status: Status | TaskStatus;
  result?: Record<string, unknown>;
  error?: string;
}

export async function transitionRow<T extends WorkTable>(
  q: Queryable,
  table: T,
  what: string,
  tenantId: string,
  id: string,
  { status, result, error }: TransitionInput,
): Promise<T["$inferSelect"]> {
  const t = table as typeof commands; // both tables share these columns
  const now = new Date();
  // Tasks have their own state machine (assigned, suspended); commands the shared one.
  const isTask = (table as unknown) === tasks;
  const sources = isTask ? taskSourcesOf(status as TaskStatus) : sourcesOf(status as Status);
  const terminal = isTask ? isTaskTerminal(status as TaskStatus) : isTerminal(status as Status);
  const [row] = await q
    .update(t)
    .set({
      status: status as Status,
      updatedAt: now,
      ...(status === "running" ? { startedAt: sql`coalesce(${t.startedAt}, ${now.toISOString()}::timestamptz)` } : {}),
      ...(terminal ? { finishedAt: now } : {}),
      ...(result !== undefined ? { result } : {}),
      ...(error !== undefined ? { error } : {}),
    })
    .where(and(eq(t.id, id), eq(t.tenantId, tenantId), inArray(t.status, sources as Status[])))
    .returning();
  if (row) return row as T["$inferSelect"];
  const [current] = await q
    .select({ status: t.status })
    .from(t)
    .where(and(eq(t.id, id), eq(t.tenantId, tenantId)));
  if (!current) throw notFound(what);
  throw conflict(`cannot transition ${what} from ${current.status} to ${status}`);
}
