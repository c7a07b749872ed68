/** Cron schedules (croner): validation and next fire time. */
import { Cron } from "croner";

/** The next tick strictly after `after`, or null if the schedule never fires again. */
export function nextFireTime(schedule: string, timezone: string | null | undefined, after: Date): Date | null {
  return new Cron(schedule, { timezone: timezone ?? "UTC", paused: true }).nextRun(after);
}

/** A readable problem with the schedule, or null if it is valid. */
export function scheduleProblem(schedule: string, timezone?: string): string | null {
  if (timezone) {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    } catch {
      return `unknown time zone ${timezone}`;
    }
  }
  try {
    if (!nextFireTime(schedule, timezone, new Date())) return "schedule never fires";
    return null;
  } catch (error) {
    return `invalid cron schedule: ${(error as Error).message}`;
  }
}
