/** Rollout strategies and label selectors as pure functions: planning, budgets, windows, validation. */
import { describe, expect, test } from "bun:test";
import {
  budgetLeft,
  failureLimit,
  inMaintenanceWindow,
  normalizeStrategy,
  planBatches,
  resolveAmount,
} from "../../control-plane/src/modules/rollouts/strategy";
import { selectorMatches, validateSelector } from "../../control-plane/src/modules/fleets/selector";

const hosts = (n: number, labels: (i: number) => Record<string, string> = () => ({})) =>
  Array.from({ length: n }, (_, i) => ({ id: `h${i}`, labels: labels(i) }));
const batchSizes = (plan: { batch: number }[]) =>
  plan.reduce<number[]>((acc, p) => {
    acc[p.batch] = (acc[p.batch] ?? 0) + 1;
    return acc;
  }, []);

describe("rollout strategy", () => {
  test("defaults: one batch of everything, pause at the first failure, no budget", () => {
    const s = normalizeStrategy();
    expect(s).toMatchObject({ batches: { sizes: ["100%"] }, failureThreshold: 1, successThresholdPercent: 100 });
    expect(batchSizes(planBatches(s, hosts(7)))).toEqual([7]);
    expect(budgetLeft(s, 7, 3)).toBe(Number.POSITIVE_INFINITY);
  });

  test("sizes: counts and percentages (rounded up), the last repeating", () => {
    const s = normalizeStrategy({ batches: { sizes: [1, "10%", "50%"] } });
    expect(batchSizes(planBatches(s, hosts(100)))).toEqual([1, 10, 50, 39]);
    expect(batchSizes(planBatches(normalizeStrategy({ batches: { sizes: [3] } }), hosts(9)))).toEqual([3, 3, 3]);
  });

  test("byLabel: one batch per value, in sorted order", () => {
    const s = normalizeStrategy({ batches: { byLabel: "site" } });
    const plan = planBatches(
      s,
      hosts(5, (i) => ({ site: ["c", "a", "b", "a", "c"][i]! })),
    );
    expect(plan.map((p) => p.batch)).toEqual([2, 0, 1, 0, 2]);
  });

  test("budget: maxUnavailable (rounded down, at least 1) and minAvailable (rounded up)", () => {
    expect(resolveAmount("25%", 10)).toBe(2);
    expect(resolveAmount("1%", 10)).toBe(1);
    expect(resolveAmount("25%", 10, "up")).toBe(3);
    const s = normalizeStrategy({ maxUnavailable: "25%", minAvailable: "80%" });
    expect(budgetLeft(s, 10, 0)).toBe(2);
    expect(budgetLeft(s, 10, 1)).toBe(1);
    expect(budgetLeft(s, 10, 2)).toBe(0); // min available 8 of 10
    expect(budgetLeft(normalizeStrategy({ maxUnavailable: 1 }), 10, 3)).toBe(0); // offline hosts count
  });

  test("failure threshold: a count or a share of all hosts", () => {
    expect(failureLimit(normalizeStrategy({ failureThreshold: "10%" }), 35)).toBe(4);
    expect(failureLimit(normalizeStrategy({ failureThreshold: 3 }), 35)).toBe(3);
  });

  test("maintenance windows: as safety policies' time windows, with time zones", () => {
    const s = normalizeStrategy({ maintenanceWindows: [{ start: "22:00", end: "05:00", timezone: "Europe/Berlin" }] });
    expect(inMaintenanceWindow(s, new Date("2026-01-15T22:30:00Z"))).toBe(true); // 23:30 in Berlin
    expect(inMaintenanceWindow(s, new Date("2026-01-15T12:00:00Z"))).toBe(false);
    expect(inMaintenanceWindow(normalizeStrategy(), new Date())).toBe(true);
  });

  test("invalid strategies name the field", () => {
    expect(() => normalizeStrategy({ batches: {} })).toThrow(/batches/);
    expect(() => normalizeStrategy({ batches: { sizes: ["101%"] } })).toThrow(/batches\.sizes\[0\]/);
    expect(() => normalizeStrategy({ groupBy: ["ok", "not ok"] })).toThrow(/groupBy\[1\]/);
    expect(() => normalizeStrategy({ maintenanceWindows: [{ start: "01:00", end: "01:00" }] })).toThrow(
      /maintenanceWindows\[0\]/,
    );
  });
});

describe("label selectors", () => {
  const labels = { site: "berlin", role: "picker" };
  test("Kubernetes semantics", () => {
    expect(selectorMatches({ matchLabels: { site: "berlin" } }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "site", operator: "In", values: ["oslo"] }] }, labels)).toBe(
      false,
    );
    expect(selectorMatches({ matchExpressions: [{ key: "zone", operator: "NotIn", values: ["a"] }] }, labels)).toBe(
      true,
    );
    expect(selectorMatches({ matchExpressions: [{ key: "role", operator: "Exists" }] }, labels)).toBe(true);
    expect(selectorMatches({ matchExpressions: [{ key: "role", operator: "DoesNotExist" }] }, labels)).toBe(false);
    expect(selectorMatches({}, labels)).toBe(true);
  });
  test("validation names the field", () => {
    expect(() => validateSelector({ matchExpressions: [{ key: "a", operator: "In", values: [] }] })).toThrow(
      /matchExpressions\[0\]\.values/,
    );
    expect(() => validateSelector({ matchLabels: { "bad key": "x" } })).toThrow(/matchLabels\.bad key/);
  });
});
