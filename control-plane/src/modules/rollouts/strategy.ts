/**
 * Rollout strategies as pure functions: validation with defaults, batch planning, the disruption budget and
 * maintenance windows (evaluated like safety policies' timeWindows, by the agent's own code).
 */
import type { Static } from "elysia";
import type { Amount, RolloutStrategy } from "../../db/schema";
import { invalid } from "../../lib/errors";
import { isInTimeWindow } from "@edge/proto/policy/time-window";
import { isValidTimeZone } from "@edge/proto/policy/clock";
import { LABEL_KEY } from "../fleets/selector";
import type { RolloutStrategyBody } from "./model";

const percent = (a: string | number) => (typeof a === "string" ? Number(a.slice(0, -1)) : undefined);

/** Validates a requested strategy (a 400 names the field) and fills in the defaults. */
export function normalizeStrategy(input: Static<typeof RolloutStrategyBody> = {}): RolloutStrategy {
  const fail = (field: string, problem: string) => invalid(`invalid strategy: ${field}: ${problem}`);
  const checkAmount = (field: string, a: string | number | undefined, min: number) => {
    if (a === undefined) return;
    const p = percent(a);
    if (p !== undefined && (p < min || p > 100)) throw fail(field, `percentage must be ${min}% to 100%`);
    if (p === undefined && (a as number) < min) throw fail(field, `must be at least ${min}`);
  };
  const batches = input.batches ?? { sizes: ["100%"] };
  if ((batches.sizes === undefined) === (batches.byLabel === undefined))
    throw fail("batches", "give either sizes or byLabel");
  for (const [i, size] of (batches.sizes ?? []).entries()) checkAmount(`batches.sizes[${i}]`, size, 1);
  if (batches.byLabel !== undefined && !LABEL_KEY.test(batches.byLabel))
    throw fail("batches.byLabel", "not a valid label key");
  checkAmount("maxUnavailable", input.maxUnavailable, 1);
  checkAmount("minAvailable", input.minAvailable, 0);
  checkAmount("failureThreshold", input.failureThreshold, 1);
  input.groupBy?.forEach((k, i) => {
    if (!LABEL_KEY.test(k)) throw fail(`groupBy[${i}]`, "not a valid label key");
  });
  input.maintenanceWindows?.forEach((w, i) => {
    if (w.timezone !== undefined && !isValidTimeZone(w.timezone))
      throw fail(`maintenanceWindows[${i}].timezone`, "unknown IANA time zone");
    if (w.start === w.end) throw fail(`maintenanceWindows[${i}]`, "start and end are equal (an empty window)");
  });
  return {
    batches: batches as RolloutStrategy["batches"],
    ...(input.maxUnavailable !== undefined ? { maxUnavailable: input.maxUnavailable as Amount } : {}),
    ...(input.minAvailable !== undefined ? { minAvailable: input.minAvailable as Amount } : {}),
    ...(input.groupBy?.length ? { groupBy: input.groupBy } : {}),
    successThresholdPercent: input.successThresholdPercent ?? 100,
    failureThreshold: (input.failureThreshold as Amount | undefined) ?? 1,
    healthWaitSeconds: input.healthWaitSeconds ?? 0,
    hostTimeoutSeconds: input.hostTimeoutSeconds ?? 1800,
    ...(input.maintenanceWindows?.length ? { maintenanceWindows: input.maintenanceWindows } : {}),
    requireApproval: input.requireApproval ?? false,
  };
}

/** An amount of `total`: percentages of a budget round down (at least 1 when above 0%); `up` rounds up. */
export function resolveAmount(a: Amount, total: number, round: "down" | "up" = "down"): number {
  const p = percent(a);
  if (p === undefined) return a as number;
  const exact = (p * total) / 100;
  if (round === "up") return Math.ceil(exact);
  return p > 0 ? Math.max(1, Math.floor(exact)) : 0;
}

export interface PlannedHost {
  id: string;
  labels: Record<string, string>;
}

/** The budget group of a host: its groupBy labels' values ("" without groupBy). */
export function budgetGroupOf(strategy: RolloutStrategy, labels: Record<string, string>): string {
  return (strategy.groupBy ?? []).map((k) => `${k}=${labels[k] ?? ""}`).join(",");
}

/** Assigns every host (in the given order) to a batch: by sizes (the last repeating) or one batch per label value. */
export function planBatches(strategy: RolloutStrategy, members: PlannedHost[]): { hostId: string; batch: number }[] {
  const { byLabel, sizes } = strategy.batches;
  if (byLabel !== undefined) {
    const values = [...new Set(members.map((h) => h.labels[byLabel] ?? ""))].sort();
    return members.map((h) => ({ hostId: h.id, batch: values.indexOf(h.labels[byLabel] ?? "") }));
  }
  const out: { hostId: string; batch: number }[] = [];
  let batch = 0;
  for (let i = 0; i < members.length; batch++) {
    const size = Math.max(1, resolveAmount(sizes![Math.min(batch, sizes!.length - 1)]!, members.length, "up"));
    for (const h of members.slice(i, i + size)) out.push({ hostId: h.id, batch });
    i += size;
  }
  return out;
}

/**
 * How many more hosts of a budget group may be taken down now: `maxUnavailable` minus those already unavailable
 * (updating or offline), and no more than keeps `minAvailable` up. Infinity without a budget.
 */
export function budgetLeft(strategy: RolloutStrategy, groupSize: number, unavailable: number): number {
  let left = Number.POSITIVE_INFINITY;
  if (strategy.maxUnavailable !== undefined) left = resolveAmount(strategy.maxUnavailable, groupSize) - unavailable;
  if (strategy.minAvailable !== undefined)
    left = Math.min(left, groupSize - unavailable - resolveAmount(strategy.minAvailable, groupSize, "up"));
  return Math.max(0, left);
}

/** Whether hosts may be started now: always without maintenance windows, else inside one of them. */
export function inMaintenanceWindow(strategy: RolloutStrategy, now: Date): boolean {
  const windows = strategy.maintenanceWindows;
  return !windows?.length || windows.some((w) => isInTimeWindow(w, now));
}

/** The number of failed hosts at which the rollout pauses. */
export function failureLimit(strategy: RolloutStrategy, total: number): number {
  return Math.max(1, resolveAmount(strategy.failureThreshold, total, "up"));
}
