import { WEEKDAYS, formatHHMM, localClock, parseHHMM } from "@edge/proto/policy/clock";
import type { TimeWindow } from "@edge/proto/policy/rules";

/**
 * Whether `now` falls in [start, end) local time. A window crossing midnight
 * belongs to the day it starts: Fri 22:00-06:00 covers Saturday 02:00.
 * Empty (start == end) or malformed windows never match. Throws on an invalid zone.
 */
export function isInTimeWindow(window: TimeWindow, now: Date): boolean {
  const { day, minutes } = localClock(now, window.timezone ?? "UTC");
  const start = parseHHMM(window.start);
  const end = parseHHMM(window.end);
  const onDay = (d: number) => window.days === undefined || window.days.includes(d);
  if (start < end) return minutes >= start && minutes < end && onDay(day);
  if (start > end) {
    if (minutes >= start) return onDay(day);
    if (minutes < end) return onDay((day + 6) % 7);
  }
  return false;
}

/** e.g. `22:00-06:00 Fri,Sat Europe/Berlin (now Sat 07:15)` */
export function describeTimeWindow(window: TimeWindow, now: Date): string {
  const timeZone = window.timezone ?? "UTC";
  const days = window.days ? ` ${window.days.map((d) => WEEKDAYS[d] ?? d).join(",")}` : "";
  let local: string;
  try {
    const clock = localClock(now, timeZone);
    local = `${WEEKDAYS[clock.day]} ${formatHHMM(clock.minutes)}`;
  } catch {
    local = "unknown";
  }
  return `${window.start}-${window.end}${days} ${timeZone} (now ${local})`;
}
