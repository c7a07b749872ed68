/** Two-person rule: which policy changes loosen a rule (need approval) and which tighten (apply at once). */
import { describe, expect, test } from "bun:test";
import { policyLoosenings, type PolicyState } from "../../control-plane/src/modules/safety-policies/loosening";
import type { PolicyRules } from "@edge/proto/policy/rules";

const on = (rules: PolicyRules): PolicyState => ({ enabled: true, rules });
const loosens = (before: PolicyRules, after: PolicyRules) => policyLoosenings(on(before), on(after));

describe("policyLoosenings", () => {
  test("identical rules loosen nothing", () => {
    const rules: PolicyRules = {
      allowedKinds: ["exec"],
      paramBounds: { speed: { min: 0, max: 1 } },
      rateLimit: { maxCommands: 5, perSeconds: 60 },
      maxConcurrent: 1,
    };
    expect(loosens(rules, structuredClone(rules))).toEqual([]);
  });

  test("numeric bounds: raising a max or lowering a min loosens; the reverse tightens", () => {
    expect(loosens({ paramBounds: { speed: { max: 1.5 } } }, { paramBounds: { speed: { max: 2 } } })).toEqual([
      "paramBounds.speed.max raised or removed",
    ]);
    expect(loosens({ paramBounds: { speed: { max: 1.5 } } }, { paramBounds: { speed: { max: 1 } } })).toEqual([]);
    expect(loosens({ paramBounds: { speed: { min: 0 } } }, { paramBounds: { speed: { min: -1 } } })).toEqual([
      "paramBounds.speed.min lowered or removed",
    ]);
    expect(loosens({ paramBounds: { speed: { max: 1 } } }, {})).toEqual(["paramBounds.speed.max raised or removed"]);
    expect(loosens({}, { paramBounds: { speed: { max: 1 } } })).toEqual([]);
  });

  test("kinds: allowing a kind or removing the allowlist or a denied kind loosens", () => {
    expect(loosens({ allowedKinds: ["exec"] }, { allowedKinds: ["exec", "move"] })).toEqual(["allowedKinds adds move"]);
    expect(loosens({ allowedKinds: ["exec"] }, {})).toEqual(["allowedKinds removed (every kind allowed)"]);
    expect(loosens({ allowedKinds: ["exec", "move"] }, { allowedKinds: ["exec"] })).toEqual([]);
    expect(loosens({}, { allowedKinds: ["exec"] })).toEqual([]);
    expect(loosens({ deniedKinds: ["self_destruct"] }, {})).toEqual(["deniedKinds removes self_destruct"]);
    expect(loosens({}, { deniedKinds: ["self_destruct"] })).toEqual([]);
  });

  test("exec allowlist: a new executable widens it, removing one (or the allowlist) tightens", () => {
    expect(loosens({ exec: { allowedCommands: ["ls"] } }, { exec: { allowedCommands: ["ls", "rm"] } })).toEqual([
      "exec allowlist adds rm",
    ]);
    expect(loosens({}, { exec: { allowedCommands: ["ls"] } })).toEqual(["exec allowlist adds ls"]);
    expect(loosens({ exec: { allowedCommands: ["ls", "rm"] } }, { exec: { allowedCommands: ["ls"] } })).toEqual([]);
    expect(loosens({ exec: { allowedCommands: ["ls"] } }, {})).toEqual([]);
  });

  test("rate and concurrency limits", () => {
    expect(
      loosens({ rateLimit: { maxCommands: 5, perSeconds: 60 } }, { rateLimit: { maxCommands: 6, perSeconds: 60 } }),
    ).toEqual(["rateLimit raised"]);
    expect(
      loosens({ rateLimit: { maxCommands: 5, perSeconds: 60 } }, { rateLimit: { maxCommands: 5, perSeconds: 30 } }),
    ).toEqual(["rateLimit raised"]);
    expect(loosens({ rateLimit: { maxCommands: 5, perSeconds: 60 } }, {})).toEqual(["rateLimit removed"]);
    expect(
      loosens({ rateLimit: { maxCommands: 5, perSeconds: 60 } }, { rateLimit: { maxCommands: 4, perSeconds: 120 } }),
    ).toEqual([]);
    expect(loosens({ maxConcurrent: 1 }, { maxConcurrent: 2 })).toEqual(["maxConcurrent raised or removed"]);
    expect(loosens({ maxConcurrent: 2 }, { maxConcurrent: 1 })).toEqual([]);
    expect(loosens({ maxConcurrent: 2 }, {})).toEqual(["maxConcurrent raised or removed"]);
  });

  test("time windows: removing them or a new or changed window widens; dropping a window or days narrows", () => {
    const weekdays = { days: [1, 2, 3, 4, 5], start: "08:00", end: "18:00", timezone: "Europe/Paris" };
    expect(loosens({ timeWindows: [weekdays] }, {})).toEqual(["timeWindows removed (any time allowed)"]);
    expect(loosens({ timeWindows: [weekdays] }, { timeWindows: [{ ...weekdays, end: "19:00" }] })).toEqual([
      "timeWindows widened (a window is new or changed)",
    ]);
    expect(loosens({ timeWindows: [weekdays] }, { timeWindows: [{ ...weekdays, days: [1, 2, 3, 4, 5, 6] }] })).toEqual([
      "timeWindows widened (a window is new or changed)",
    ]);
    expect(loosens({ timeWindows: [weekdays] }, { timeWindows: [{ ...weekdays, days: [1, 2] }] })).toEqual([]);
    expect(loosens({ timeWindows: [weekdays, { start: "20:00", end: "22:00" }] }, { timeWindows: [weekdays] })).toEqual(
      [],
    );
    expect(loosens({}, { timeWindows: [weekdays] })).toEqual([]);
  });

  test("disabling or deleting an enabled policy loosens; changes to a disabled one never do", () => {
    expect(policyLoosenings(on({ maxConcurrent: 1 }), { enabled: false, rules: { maxConcurrent: 1 } })).toEqual([
      "policy disabled",
    ]);
    expect(policyLoosenings(on({ maxConcurrent: 1 }), undefined)).toEqual(["policy deleted"]);
    expect(policyLoosenings({ enabled: false, rules: { maxConcurrent: 1 } }, undefined)).toEqual([]);
    expect(policyLoosenings({ enabled: false, rules: {} }, on({}))).toEqual([]);
  });

  test("several loosenings are all reported", () => {
    expect(
      loosens({ allowedKinds: ["exec"], maxConcurrent: 1 }, { allowedKinds: ["exec", "move"], maxConcurrent: 3 }),
    ).toHaveLength(2);
  });
});
