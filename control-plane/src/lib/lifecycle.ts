/**
 * The work-item state machine shared by commands and tasks: pending → running → completed | failed (or cancelled),
 * and pending → expired when its deadline passed before it started (it never runs).
 */
export const COMMAND_STATUSES = ["pending", "running", "completed", "failed", "cancelled", "expired"] as const;
export type Status = (typeof COMMAND_STATUSES)[number];

const NEXT: Record<Status, readonly Status[]> = {
  pending: ["running", "failed", "cancelled", "expired"],
  running: ["completed", "failed", "cancelled"],
  completed: [],
  failed: [],
  cancelled: [],
  expired: [],
};

export const isTerminal = (s: Status) => NEXT[s].length === 0;

/** The states from which `to` may be entered. */
export function sourcesOf(to: Status): Status[] {
  return COMMAND_STATUSES.filter((from) => NEXT[from].includes(to));
}

/** Timestamps that entering `to` sets. */
export function timestampsFor(to: Status, now = new Date()): { startedAt?: Date; finishedAt?: Date } {
  if (to === "running") return { startedAt: now };
  if (isTerminal(to)) return { finishedAt: now };
  return {};
}

/**
 * Tasks run on machines, so they have more states: `assigned` (a machine slot is reserved and the first stage
 * dispatched), `suspended` (a confirm stage waits for a person). `assigned|running|suspended → pending` re-queues
 * (worker loss, decommission); the scheduler and the task service make those moves, operators use cancel/retry.
 */
export const TASK_STATUSES = [
  "pending",
  "assigned",
  "running",
  "suspended",
  "completed",
  "failed",
  "cancelled",
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const TASK_NEXT: Record<TaskStatus, readonly TaskStatus[]> = {
  pending: ["assigned", "running", "failed", "cancelled"],
  assigned: ["pending", "running", "failed", "cancelled"],
  running: ["pending", "suspended", "completed", "failed", "cancelled"],
  suspended: ["pending", "running", "failed", "cancelled"],
  completed: [],
  failed: [],
  cancelled: [],
};

export const isTaskTerminal = (s: TaskStatus) => TASK_NEXT[s].length === 0;
/** Statuses in which a task holds a slot of its machine. */
export const TASK_ACTIVE: readonly TaskStatus[] = ["assigned", "running", "suspended"];

export function taskSourcesOf(to: TaskStatus): TaskStatus[] {
  return TASK_STATUSES.filter((from) => TASK_NEXT[from].includes(to));
}
