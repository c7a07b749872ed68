/**
 * Two-person rule: does a policy change loosen anything? Pure comparison over the agent's own rules schema
 * (edge-agent/src/policy/rules.ts). "Looser" means some command the old version refused could now run.
 * When exactness would need more than a field-by-field comparison (time windows), any window that is not one
 * of the old ones counts as widening: unsure means ask the second person.
 */
import type { PolicyRules, TimeWindow } from "@edge/proto/policy/rules";

export interface PolicyState {
  enabled: boolean;
  rules: PolicyRules;
}

/** Every loosening from `before` to `after`, as readable reasons; empty = same or tighter (applies at once). */
export function policyLoosenings(before: PolicyState, after: PolicyState | undefined): string[] {
  if (!before.enabled) return []; // a disabled policy restricts nothing: any change to it is not looser
  if (!after) return ["policy deleted"];
  if (!after.enabled) return ["policy disabled"];
  const a = before.rules;
  const b = after.rules;
  const found: string[] = [];

  if (a.allowedKinds && !b.allowedKinds) found.push("allowedKinds removed (every kind allowed)");
  else if (a.allowedKinds && b.allowedKinds)
    for (const kind of added(a.allowedKinds, b.allowedKinds)) found.push(`allowedKinds adds ${kind}`);

  for (const kind of added(b.deniedKinds ?? [], a.deniedKinds ?? [])) found.push(`deniedKinds removes ${kind}`);

  // No allowlist in a policy allows no executable through it: only new entries widen it.
  for (const command of added(a.exec?.allowedCommands ?? [], b.exec?.allowedCommands ?? []))
    found.push(`exec allowlist adds ${command}`);

  for (const [name, old] of Object.entries(a.paramBounds ?? {})) {
    const next = b.paramBounds?.[name];
    if (old.min !== undefined && (next?.min === undefined || next.min < old.min))
      found.push(`paramBounds.${name}.min lowered or removed`);
    if (old.max !== undefined && (next?.max === undefined || next.max > old.max))
      found.push(`paramBounds.${name}.max raised or removed`);
  }

  if (a.rateLimit) {
    if (!b.rateLimit) found.push("rateLimit removed");
    else if (b.rateLimit.maxCommands > a.rateLimit.maxCommands || b.rateLimit.perSeconds < a.rateLimit.perSeconds)
      found.push("rateLimit raised");
  }

  if (a.maxConcurrent !== undefined && (b.maxConcurrent === undefined || b.maxConcurrent > a.maxConcurrent))
    found.push("maxConcurrent raised or removed");

  if (a.timeWindows) {
    if (!b.timeWindows) found.push("timeWindows removed (any time allowed)");
    else if (b.timeWindows.some((w) => !a.timeWindows!.some((old) => sameWindow(old, w))))
      found.push("timeWindows widened (a window is new or changed)");
  }
  return found;
}

/** Entries of `next` missing from `previous`. */
const added = (previous: string[], next: string[]) => next.filter((x) => !previous.includes(x));

/** `next` allows nothing `old` did not: same hours and zone, on a subset of its days. */
function sameWindow(old: TimeWindow, next: TimeWindow): boolean {
  return (
    old.start === next.start &&
    old.end === next.end &&
    (old.timezone ?? "UTC") === (next.timezone ?? "UTC") &&
    subsetDays(next, old)
  );
}

/** `inner` runs on a subset of `outer`'s days (same hours and zone): not wider. */
function subsetDays(inner: TimeWindow, outer: TimeWindow): boolean {
  if (!outer.days) return true;
  if (!inner.days) return false;
  return inner.days.every((d) => outer.days!.includes(d));
}
