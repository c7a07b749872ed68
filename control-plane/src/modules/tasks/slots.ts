/**
 * SQL of the tasks table that the owner of hosts needs inside its own statements (a machine's occupied slots, the
 * unfinished work that keeps a host from being deleted). Written here, by the owner of `tasks`, so no other module
 * spells that table; the host id is an expression of the caller's statement.
 */
import { type SQL, sql } from "drizzle-orm";

/** How many task slots of the machine `hostId` are taken (assigned, running or suspended tasks), as an int. */
export function occupiedSlots(hostId: SQL): SQL<number> {
  return sql<number>`(select count(*)::int from tasks t where t.assigned_host_id = ${hostId}
    and t.status in ('assigned', 'running', 'suspended'))`;
}

/** True while a task pinned or assigned to `hostId` is unfinished (pending, assigned, running, suspended). */
export function holdsUnfinishedTasks(hostId: string): SQL<boolean> {
  return sql<boolean>`exists (select 1 from tasks t where (t.host_id = ${hostId} or t.assigned_host_id = ${hostId})
    and t.status in ('pending', 'assigned', 'running', 'suspended'))`;
}

/**
 * occupiedSlots counted with a fresh snapshot (migration 0023_task_slots_used): in a statement that has just locked
 * the machine's row, every assignment committed before the lock is counted, not only those of the statement's own
 * snapshot.
 */
export function occupiedSlotsNow(hostId: SQL): SQL<number> {
  return sql<number>`edge_task_slots_used(${hostId})`;
}
