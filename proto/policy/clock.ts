/** Local wall-clock helpers for time windows (IANA time zones via Intl). */

export const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;

export interface LocalClock {
  /** 0 = Sunday … 6 = Saturday */
  day: number;
  /** Minutes since local midnight, 0…1439 */
  minutes: number;
}

// Intl formatters are costly to build; valid zone names are a small finite set.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      weekday: "short",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: unknown): boolean {
  if (typeof timeZone !== "string" || timeZone === "") return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Day of week and minute of day of `now` in `timeZone`. Throws RangeError on an invalid zone or date. */
export function localClock(now: Date, timeZone: string): LocalClock {
  if (Number.isNaN(now.getTime())) throw new RangeError("invalid date");
  if (timeZone === "UTC") return { day: now.getUTCDay(), minutes: now.getUTCHours() * 60 + now.getUTCMinutes() };
  let day = -1;
  let hour = 0;
  let minute = 0;
  for (const part of formatterFor(timeZone).formatToParts(now)) {
    if (part.type === "weekday") day = WEEKDAYS.indexOf(part.value as (typeof WEEKDAYS)[number]);
    else if (part.type === "hour") hour = Number(part.value) % 24;
    else if (part.type === "minute") minute = Number(part.value);
  }
  if (day < 0) throw new RangeError(`cannot determine local weekday in ${timeZone}`);
  return { day, minutes: hour * 60 + minute };
}

/** "HH:MM" → minutes since midnight; NaN if malformed. */
export function parseHHMM(value: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : Number.NaN;
}

export function formatHHMM(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}
