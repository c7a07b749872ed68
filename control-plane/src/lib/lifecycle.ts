/**
 * The work-item state machine shared by commands and tasks: pending → running → completed | failed (or cancelled),
 * and pending → expired when its deadline passed before it started (it never runs).
 */
export const STATUSES = ["pending", "running", "completed", "failed", "cancelled", "expired"] as const;
export type Status = (typeof STATUSES)[number];

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
  return STATUSES.filter((from) => NEXT[from].includes(to));
}

/** Timestamps that entering `to` sets. */
export function timestampsFor(to: Status, now = new Date()): { startedAt?: Date; finishedAt?: Date } {
  if (to === "running") return { startedAt: now };
  if (isTerminal(to)) return { finishedAt: now };
  return {};
}
