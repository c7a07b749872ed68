/** Applies a lifecycle transition to a command or task row atomically (compare-and-set on the current status). */
import { and, eq, getTableName, inArray, sql } from "drizzle-orm";
import type { Queryable } from "../db/connect";
import type { commands, tasks } from "../db/schema";
import { conflict, notFound } from "./errors";
import { isTaskTerminal, isTerminal, sourcesOf, taskSourcesOf, type Status, type TaskStatus } from "./lifecycle";

type WorkTable = typeof commands | typeof tasks;

export interface TransitionInput {
  status: Status | TaskStatus;
  result?: Record<string, unknown>;
  error?: string;
}

/** What a compare-and-set transition did: moved the row, or found no such row, or found it in another status. */
export type TransitionOutcome<Row> =
  | { moved: true; row: Row }
  | { moved: false; missing: true }
  | { moved: false; missing: false; current: string };

/** Applies a transition; a missing row is `not_found`, a row in a status it cannot leave that way a `conflict`. */
export async function transitionRow<T extends WorkTable>(
  q: Queryable,
  table: T,
  what: string,
  tenantId: string,
  id: string,
  input: TransitionInput,
): Promise<T["$inferSelect"]> {
  const outcome = await tryTransitionRow(q, table, tenantId, id, input);
  if (outcome.moved) return outcome.row;
  if (outcome.missing) throw notFound(what);
  throw conflict(`cannot transition ${what} from ${outcome.current} to ${input.status}`);
}

/** Applies a transition if the row's current status allows it; says what happened instead of throwing. */
export async function tryTransitionRow<T extends WorkTable>(
  q: Queryable,
  table: T,
  tenantId: string,
  id: string,
  { status, result, error }: TransitionInput,
): Promise<TransitionOutcome<T["$inferSelect"]>> {
  const t = table as typeof commands; // both tables share these columns
  const now = new Date();
  // Tasks have their own state machine (assigned, suspended); commands the shared one.
  const isTask = getTableName(table) === "tasks";
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
  if (row) return { moved: true, row: row as T["$inferSelect"] };
  const [current] = await q
    .select({ status: t.status })
    .from(t)
    .where(and(eq(t.id, id), eq(t.tenantId, tenantId)));
  return current ? { moved: false, missing: false, current: current.status } : { moved: false, missing: true };
}
