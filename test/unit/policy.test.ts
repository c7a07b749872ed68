import { describe, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import {
  PolicyRulesSchema,
  evaluateCommand,
  isInTimeWindow,
  isValidTimeZone,
  pruneRecentAccepted,
  rateWindowMs,
  validateRules,
  type CommandRequest,
  type EvaluationState,
  type PolicyRules,
  type SafetyPolicy,
} from "../../edge-agent/src/policy/index.ts";

// 2024-06-07 is a Friday.
const FRIDAY_10_UTC = new Date("2024-06-07T10:00:00Z");

let seq = 0;
function policy(rules: PolicyRules, overrides: Partial<SafetyPolicy> = {}): SafetyPolicy {
  seq++;
  return { id: `pol_${seq}`, name: `policy-${seq}`, enabled: true, rules, ...overrides };
}

function cmd(kind: string, params: Record<string, unknown> = {}): CommandRequest {
  return { kind, params };
}

function state(overrides: Partial<EvaluationState> = {}): EvaluationState {
  return { now: FRIDAY_10_UTC, running: 0, recentAcceptedAt: [], ...overrides };
}

const at = (iso: string) => state({ now: new Date(iso) });

describe("evaluateCommand", () => {
  test("with no policies everything but exec is allowed", () => {
    expect(evaluateCommand([], cmd("move", { speed: 99 }), state())).toEqual({ allowed: true });
  });

  describe("kinds", () => {
    test("allowedKinds only lets listed kinds through", () => {
      const p = policy({ allowedKinds: ["move", "stop"] });
      expect(evaluateCommand([p], cmd("move"), state()).allowed).toBe(true);
      expect(evaluateCommand([p], cmd("dock"), state())).toEqual({
        allowed: false,
        rule: "allowedKinds",
        policyId: p.id,
        reason: `policy "${p.name}" (${p.id}): command kind "dock" is not allowed (allowedKinds: "move", "stop")`,
      });
    });

    test("kind matching is exact", () => {
      const p = policy({ allowedKinds: ["move"] });
      expect(evaluateCommand([p], cmd("Move"), state()).allowed).toBe(false);
      expect(evaluateCommand([p], cmd("mov"), state()).allowed).toBe(false);
    });

    test("deniedKinds wins over allowedKinds in the same policy", () => {
      const p = policy({ allowedKinds: ["move", "reboot"], deniedKinds: ["reboot"] });
      const decision = evaluateCommand([p], cmd("reboot"), state());
      expect(decision).toMatchObject({ allowed: false, rule: "deniedKinds", policyId: p.id });
      expect(decision.allowed || decision.reason).toContain('command kind "reboot" is denied');
    });

    test("deniedKinds in one policy wins over allowedKinds in another", () => {
      const allow = policy({ allowedKinds: ["reboot"] });
      const deny = policy({ deniedKinds: ["reboot"] });
      expect(evaluateCommand([allow, deny], cmd("reboot"), state())).toMatchObject({
        allowed: false,
        rule: "deniedKinds",
        policyId: deny.id,
      });
    });

    test("an empty allowedKinds list allows nothing", () => {
      expect(evaluateCommand([policy({ allowedKinds: [] })], cmd("move"), state()).allowed).toBe(false);
    });
  });

  describe("exec", () => {
    const execPolicy = () => policy({ exec: { allowedCommands: ["ls", "uptime"] } });

    test("is denied by default when no enabled policy defines exec.allowedCommands", () => {
      expect(evaluateCommand([], cmd("exec", { command: "ls" }), state())).toEqual({
        allowed: false,
        rule: "exec",
        reason: 'command kind "exec" is denied by default: no enabled policy defines exec.allowedCommands',
      });
      const unrelated = policy({ allowedKinds: ["exec"] });
      expect(evaluateCommand([unrelated], cmd("exec", { command: "ls" }), state())).toMatchObject({
        allowed: false,
        rule: "exec",
      });
    });

    test("a disabled exec allowlist does not lift the default deny", () => {
      const disabled = policy({ exec: { allowedCommands: ["ls"] } }, { enabled: false });
      expect(evaluateCommand([disabled], cmd("exec", { command: "ls" }), state()).allowed).toBe(false);
    });

    test("allows only exact executables from the allowlist", () => {
      const p = execPolicy();
      expect(evaluateCommand([p], cmd("exec", { command: "ls", args: ["-la"] }), state())).toEqual({ allowed: true });
      for (const command of ["rm", "/bin/ls", "ls -la", "ls; rm -rf /", "LS", " ls"]) {
        const decision = evaluateCommand([p], cmd("exec", { command }), state());
        expect(decision).toMatchObject({ allowed: false, rule: "exec", policyId: p.id });
      }
      const decision = evaluateCommand([p], cmd("exec", { command: "rm" }), state());
      expect(decision.allowed || decision.reason).toBe(
        `policy "${p.name}" (${p.id}): exec command "rm" is not allowed (exec.allowedCommands: "ls", "uptime")`,
      );
    });

    test("requires params.command to be a non-empty string", () => {
      const p = execPolicy();
      for (const params of [{}, { command: "" }, { command: 42 }, { command: ["ls"] }, { command: null }]) {
        const decision = evaluateCommand([p], cmd("exec", params), state());
        expect(decision).toMatchObject({ allowed: false, rule: "exec" });
        expect(decision.allowed || decision.reason).toContain("params.command");
      }
    });

    test("every policy with an allowlist must allow the command; policies without one do not restrict", () => {
      const a = policy({ exec: { allowedCommands: ["ls", "uptime"] } });
      const b = policy({ exec: { allowedCommands: ["uptime"] } });
      const other = policy({ paramBounds: { speed: { max: 1 } } });
      expect(evaluateCommand([a, b, other], cmd("exec", { command: "uptime" }), state()).allowed).toBe(true);
      expect(evaluateCommand([a, b, other], cmd("exec", { command: "ls" }), state())).toMatchObject({
        allowed: false,
        policyId: b.id,
      });
    });

    test("does not apply to other kinds", () => {
      expect(evaluateCommand([execPolicy()], cmd("move", { command: "rm" }), state()).allowed).toBe(true);
    });
  });

  describe("paramBounds", () => {
    const warehouse = {
      id: "pol_1",
      name: "warehouse",
      enabled: true,
      rules: { paramBounds: { speed: { min: 0, max: 1.5 } } },
    };

    test("allows values within bounds, inclusive", () => {
      for (const speed of [0, 1, 1.5]) {
        expect(evaluateCommand([warehouse], cmd("move", { speed }), state())).toEqual({ allowed: true });
      }
    });

    test("reports a value above max with a specific reason", () => {
      expect(evaluateCommand([warehouse], cmd("move", { speed: 2 }), state())).toEqual({
        allowed: false,
        rule: "paramBounds",
        policyId: "pol_1",
        reason: 'policy "warehouse" (pol_1): param speed=2 exceeds max 1.5',
      });
    });

    test("reports a value below min", () => {
      const decision = evaluateCommand([warehouse], cmd("move", { speed: -0.5 }), state());
      expect(decision.allowed || decision.reason).toBe('policy "warehouse" (pol_1): param speed=-0.5 is below min 0');
    });

    test("a non-numeric value for a bounded param is a violation", () => {
      const cases: [unknown, string][] = [
        ["fast", '"fast"'],
        ["1", '"1"'],
        [null, "null"],
        [true, "true"],
        [Number.NaN, "NaN"],
        [Number.POSITIVE_INFINITY, "Infinity"],
        [{ value: 1 }, "an object"],
        [[1], "an array"],
      ];
      for (const [speed, shown] of cases) {
        const decision = evaluateCommand([warehouse], cmd("move", { speed }), state());
        expect(decision).toMatchObject({ allowed: false, rule: "paramBounds" });
        expect(decision.allowed || decision.reason).toBe(
          `policy "warehouse" (pol_1): param speed must be a finite number, got ${shown}`,
        );
      }
    });

    test("absent params are not checked, including prototype names", () => {
      const p = policy({ paramBounds: { speed: { max: 1 }, constructor: { max: 1 } } });
      expect(evaluateCommand([p], cmd("move", { heading: 90 }), state())).toEqual({ allowed: true });
      expect(evaluateCommand([p], cmd("move", { speed: undefined }), state())).toEqual({ allowed: true });
    });
  });

  describe("rateLimit", () => {
    const limited = () => policy({ rateLimit: { maxCommands: 3, perSeconds: 10 } });
    const now = FRIDAY_10_UTC.getTime();

    test("denies once maxCommands were accepted within the sliding window", () => {
      const p = limited();
      const recent = [now - 9_000, now - 5_000, now - 1];
      const decision = evaluateCommand([p], cmd("move"), state({ recentAcceptedAt: recent }));
      expect(decision).toEqual({
        allowed: false,
        rule: "rateLimit",
        policyId: p.id,
        reason: `policy "${p.name}" (${p.id}): rate limit reached: 3 command(s) accepted in the last 10s (max 3)`,
      });
    });

    test("commands older than the window no longer count", () => {
      const p = limited();
      const recent = [now - 10_000, now - 60_000, now - 5_000, now - 1];
      expect(evaluateCommand([p], cmd("move"), state({ recentAcceptedAt: recent }))).toEqual({ allowed: true });
      expect(evaluateCommand([p], cmd("move"), state({ recentAcceptedAt: [...recent, now - 9_999] })).allowed).toBe(
        false,
      );
    });
  });

  describe("maxConcurrent", () => {
    test("denies when the number of running commands reaches the limit", () => {
      const p = policy({ maxConcurrent: 2 });
      expect(evaluateCommand([p], cmd("move"), state({ running: 1 })).allowed).toBe(true);
      const decision = evaluateCommand([p], cmd("move"), state({ running: 2 }));
      expect(decision).toMatchObject({ allowed: false, rule: "maxConcurrent", policyId: p.id });
      expect(decision.allowed || decision.reason).toContain("2 command(s) already running (maxConcurrent 2)");
    });
  });

  describe("timeWindows", () => {
    test("allows only inside a window, end exclusive", () => {
      const p = policy({ timeWindows: [{ start: "09:00", end: "17:00" }] });
      expect(evaluateCommand([p], cmd("move"), at("2024-06-07T09:00:00Z")).allowed).toBe(true);
      expect(evaluateCommand([p], cmd("move"), at("2024-06-07T16:59:59Z")).allowed).toBe(true);
      expect(evaluateCommand([p], cmd("move"), at("2024-06-07T08:59:00Z")).allowed).toBe(false);
      const decision = evaluateCommand([p], cmd("move"), at("2024-06-07T17:00:00Z"));
      expect(decision).toMatchObject({ allowed: false, rule: "timeWindows", policyId: p.id });
      expect(decision.allowed || decision.reason).toBe(
        `policy "${p.name}" (${p.id}): outside allowed time windows: 09:00-17:00 UTC (now Fri 17:00)`,
      );
    });

    test("a window with end < start crosses midnight", () => {
      const p = policy({ timeWindows: [{ start: "22:00", end: "06:00" }] });
      const allowed = (iso: string) => evaluateCommand([p], cmd("move"), at(iso)).allowed;
      expect(allowed("2024-06-07T22:00:00Z")).toBe(true);
      expect(allowed("2024-06-07T23:59:00Z")).toBe(true);
      expect(allowed("2024-06-08T00:00:00Z")).toBe(true);
      expect(allowed("2024-06-08T05:59:00Z")).toBe(true);
      expect(allowed("2024-06-08T06:00:00Z")).toBe(false);
      expect(allowed("2024-06-07T21:59:00Z")).toBe(false);
      expect(allowed("2024-06-07T12:00:00Z")).toBe(false);
    });

    test("days refer to the day a midnight-crossing window starts", () => {
      const fridayNight = { days: [5], start: "22:00", end: "06:00" };
      const inWindow = (iso: string) => isInTimeWindow(fridayNight, new Date(iso));
      expect(inWindow("2024-06-07T23:00:00Z")).toBe(true); // Fri 23:00
      expect(inWindow("2024-06-08T02:00:00Z")).toBe(true); // Sat 02:00, still Friday's night
      expect(inWindow("2024-06-07T02:00:00Z")).toBe(false); // Fri 02:00 belongs to Thursday
      expect(inWindow("2024-06-08T23:00:00Z")).toBe(false); // Sat 23:00
    });

    test("days restrict a same-day window", () => {
      const weekdays = policy({ timeWindows: [{ days: [1, 2, 3, 4, 5], start: "08:00", end: "18:00" }] });
      expect(evaluateCommand([weekdays], cmd("move"), at("2024-06-07T10:00:00Z")).allowed).toBe(true); // Fri
      const saturday = evaluateCommand([weekdays], cmd("move"), at("2024-06-08T10:00:00Z"));
      expect(saturday.allowed || saturday.reason).toContain("08:00-18:00 Mon,Tue,Wed,Thu,Fri UTC (now Sat 10:00)");
    });

    test("uses the local time of the window time zone (with DST)", () => {
      const berlin = policy({ timeWindows: [{ start: "09:00", end: "17:00", timezone: "Europe/Berlin" }] });
      const allowed = (iso: string) => evaluateCommand([berlin], cmd("move"), at(iso)).allowed;
      // June: Berlin is UTC+2.
      expect(allowed("2024-06-07T06:30:00Z")).toBe(false); // 08:30 local
      expect(allowed("2024-06-07T07:30:00Z")).toBe(true); // 09:30 local
      expect(allowed("2024-06-07T15:30:00Z")).toBe(false); // 17:30 local, although 15:30 UTC
      // January: UTC+1.
      expect(allowed("2024-01-05T07:30:00Z")).toBe(false); // 08:30 local
      expect(allowed("2024-01-05T08:30:00Z")).toBe(true); // 09:30 local
      const decision = evaluateCommand([berlin], cmd("move"), at("2024-06-07T15:30:00Z"));
      expect(decision.allowed || decision.reason).toContain("09:00-17:00 Europe/Berlin (now Fri 17:30)");
    });

    test("uses the local weekday of the window time zone", () => {
      // 2024-06-08T03:00Z is Saturday in UTC but Friday 20:00 in Los Angeles.
      const la = policy({
        timeWindows: [{ days: [5], start: "18:00", end: "22:00", timezone: "America/Los_Angeles" }],
      });
      expect(evaluateCommand([la], cmd("move"), at("2024-06-08T03:00:00Z")).allowed).toBe(true);
      expect(evaluateCommand([la], cmd("move"), at("2024-06-08T06:00:00Z")).allowed).toBe(false); // Fri 23:00 local
    });

    test("any one matching window suffices; an empty list allows nothing", () => {
      const p = policy({
        timeWindows: [
          { start: "06:00", end: "08:00" },
          { start: "09:00", end: "11:00" },
        ],
      });
      expect(evaluateCommand([p], cmd("move"), state()).allowed).toBe(true);
      expect(evaluateCommand([p], cmd("move"), at("2024-06-07T08:30:00Z")).allowed).toBe(false);
      expect(evaluateCommand([policy({ timeWindows: [] })], cmd("move"), state())).toMatchObject({
        allowed: false,
        rule: "timeWindows",
      });
    });
  });

  describe("combining policies", () => {
    test("disabled policies are ignored", () => {
      const off = policy(
        { deniedKinds: ["move"], maxConcurrent: 1, paramBounds: { speed: { max: 0 } } },
        { enabled: false },
      );
      expect(evaluateCommand([off], cmd("move", { speed: 5 }), state({ running: 3 }))).toEqual({ allowed: true });
    });

    test("every enabled policy must pass: the most restrictive wins", () => {
      const loose = policy({ paramBounds: { speed: { max: 2 } } });
      const strict = policy({ paramBounds: { speed: { max: 1 } } });
      expect(evaluateCommand([loose, strict], cmd("move", { speed: 0.5 }), state()).allowed).toBe(true);
      expect(evaluateCommand([loose, strict], cmd("move", { speed: 1.5 }), state())).toMatchObject({
        allowed: false,
        policyId: strict.id,
      });
      expect(evaluateCommand([strict, loose], cmd("move", { speed: 1.5 }), state())).toMatchObject({
        policyId: strict.id,
      });
    });

    test("permanent denials are reported before transient ones across policies", () => {
      const busy = policy({ maxConcurrent: 1 });
      const kinds = policy({ deniedKinds: ["dock"] });
      expect(evaluateCommand([busy, kinds], cmd("dock"), state({ running: 5 }))).toMatchObject({
        rule: "deniedKinds",
        policyId: kinds.id,
      });
    });

    test("an enabled policy with malformed rules denies everything (fail closed)", () => {
      const broken = policy({ allowedKinds: "move" } as unknown as PolicyRules);
      const decision = evaluateCommand([broken], cmd("move"), state());
      expect(decision).toMatchObject({ allowed: false, rule: "invalidRules", policyId: broken.id });
      expect(decision.allowed || decision.reason).toContain("/allowedKinds");
      const badZone = policy({ timeWindows: [{ start: "00:00", end: "23:59", timezone: "Mars/Olympus" }] });
      expect(evaluateCommand([badZone], cmd("move"), state())).toMatchObject({ rule: "invalidRules" });
      expect(evaluateCommand([{ ...broken, enabled: false }], cmd("move"), state()).allowed).toBe(true);
    });

    test("malformed input is denied", () => {
      expect(evaluateCommand([], cmd(""), state())).toMatchObject({ allowed: false, rule: "invalidInput" });
      expect(evaluateCommand([], { kind: "move", params: null } as unknown as CommandRequest, state())).toMatchObject({
        rule: "invalidInput",
      });
      expect(evaluateCommand([], cmd("move"), state({ now: new Date("nope") }))).toMatchObject({
        rule: "invalidInput",
      });
      expect(evaluateCommand([], cmd("move"), state({ running: Number.NaN }))).toMatchObject({ rule: "invalidInput" });
      const noHistory = { now: FRIDAY_10_UTC, running: 0 } as unknown as EvaluationState;
      expect(evaluateCommand([], cmd("move"), noHistory)).toMatchObject({ rule: "invalidInput" });
    });
  });
});

describe("rate window helpers", () => {
  test("rateWindowMs is the longest window, disabled policies included", () => {
    expect(rateWindowMs([])).toBe(0);
    expect(
      rateWindowMs([
        policy({ rateLimit: { maxCommands: 1, perSeconds: 5 } }),
        policy({ rateLimit: { maxCommands: 1, perSeconds: 60 } }, { enabled: false }),
        policy({ maxConcurrent: 1 }),
      ]),
    ).toBe(60_000);
  });

  test("pruneRecentAccepted keeps only what a window can still need", () => {
    const policies = [policy({ rateLimit: { maxCommands: 5, perSeconds: 10 } })];
    const now = 1_000_000;
    expect(pruneRecentAccepted([now - 20_000, now - 10_000, now - 9_999, now - 1, now], policies, now)).toEqual([
      now - 9_999,
      now - 1,
      now,
    ]);
    expect(pruneRecentAccepted([now - 1], [], now)).toEqual([]);
  });
});

describe("validateRules", () => {
  test("accepts a full, valid rule set", () => {
    const rules: PolicyRules = {
      allowedKinds: ["move", "exec"],
      deniedKinds: ["reboot"],
      exec: { allowedCommands: ["ls"] },
      paramBounds: { speed: { min: 0, max: 1.5 } },
      rateLimit: { maxCommands: 10, perSeconds: 0.5 },
      maxConcurrent: 2,
      timeWindows: [{ days: [0, 6], start: "22:00", end: "06:00", timezone: "Europe/Berlin" }],
    };
    expect(validateRules(rules)).toBeNull();
    expect(validateRules({})).toBeNull();
    expect(Value.Check(PolicyRulesSchema, rules)).toBe(true);
  });

  test("returns a readable first error", () => {
    expect(validateRules("nope")).toBe("/: Expected object");
    expect(validateRules({ allowedKind: ["move"] })).toBe("/allowedKind: Unexpected property");
    expect(validateRules({ maxConcurrent: 0 })).toBe("/maxConcurrent: Expected integer to be greater or equal to 1");
    expect(validateRules({ allowedKinds: [""] })).toContain("/allowedKinds/0");
    expect(validateRules({ rateLimit: { maxCommands: 1, perSeconds: 0 } })).toContain("/rateLimit/perSeconds");
    expect(validateRules({ timeWindows: [{ start: "24:00", end: "06:00" }] })).toContain("/timeWindows/0/start");
    expect(validateRules({ timeWindows: [{ days: [7], start: "01:00", end: "06:00" }] })).toContain(
      "/timeWindows/0/days/0",
    );
  });

  test("rejects typos in nested objects that would silently disable a rule", () => {
    expect(validateRules({ paramBounds: { speed: { maximum: 1 } } })).toBe(
      "/paramBounds/speed/maximum: Unexpected property",
    );
    expect(validateRules({ timeWindows: [{ start: "01:00", end: "02:00", timeZone: "Europe/Berlin" }] })).toContain(
      "Unexpected property",
    );
  });

  test("checks time zones, empty windows and inverted bounds", () => {
    expect(validateRules({ timeWindows: [{ start: "01:00", end: "02:00", timezone: "Mars/Olympus" }] })).toBe(
      '/timeWindows/0/timezone: unknown IANA time zone "Mars/Olympus"',
    );
    expect(validateRules({ timeWindows: [{ start: "01:00", end: "01:00" }] })).toContain("start and end must differ");
    expect(validateRules({ paramBounds: { speed: { min: 2, max: 1 } } })).toBe(
      "/paramBounds/speed: min 2 is greater than max 1",
    );
  });

  test("isValidTimeZone", () => {
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Not/AZone")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(isValidTimeZone(undefined)).toBe(false);
  });
});
