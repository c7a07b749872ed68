import { describe, expect, test } from "bun:test";
import { jsonDepth, parseUntrustedJson, unstorable } from "../../control-plane/src/lib/json-guard";
import { MAX_TELEMETRY_BATCH, screenTelemetry } from "../../control-plane/src/modules/hosts/telemetry";
import { strictSchema } from "../../control-plane/src/http/request-guard";
import { describeValidation } from "../../control-plane/src/http/errors";
import { t } from "elysia";
import { Value } from "@sinclair/typebox/value";

describe("json guard", () => {
  test("depth is measured on the text, strings skipped, without recursion", () => {
    expect(jsonDepth('{"a":[1,{"b":2}]}')).toBe(3);
    expect(jsonDepth('{"a":"[[[[{{{{\\"[["}')).toBe(1);
    expect(jsonDepth("[".repeat(1_000_000) + "]".repeat(1_000_000), 32)).toBe(33);
  });

  test("parseUntrustedJson refuses depth, NUL (keys and values) and non-finite numbers", () => {
    expect(parseUntrustedJson('{"a":{"b":[1]}}', 3)).toEqual({ ok: true, value: { a: { b: [1] } } });
    expect(parseUntrustedJson('{"a":{"b":[1]}}', 2)).toMatchObject({
      ok: false,
      reason: "JSON nested deeper than 2 levels",
    });
    expect(parseUntrustedJson('{"a":"x\\u0000"}')).toMatchObject({
      ok: false,
      reason: "NUL characters are not allowed",
    });
    expect(parseUntrustedJson('{"\\u0000":1}')).toMatchObject({ ok: false });
    expect(parseUntrustedJson('{"a":1e999}')).toMatchObject({ ok: false, reason: "numbers must be finite" });
    expect(parseUntrustedJson("{")).toMatchObject({ ok: false, reason: "malformed JSON" });
    expect(unstorable({ a: [1, "ok", { b: null }] })).toBeUndefined();
  });
});

describe("strict body schemas", () => {
  const schema = strictSchema(
    t.Object({
      n: t.Optional(t.Integer({ minimum: 1 })),
      rules: t.Record(t.String(), t.Unknown()),
      inner: t.Optional(t.Object({ a: t.String() })),
    }),
  );
  test("no coercion: numeric strings, booleans or arrays for records are wrong types", () => {
    expect(Value.Check(schema, { rules: {} })).toBe(true);
    expect(Value.Check(schema, { rules: {}, n: 5 })).toBe(true);
    expect(Value.Check(schema, { rules: {}, n: "5" })).toBe(false);
    for (const rules of [true, "abc", [1, 2], 5, null]) expect(Value.Check(schema, { rules })).toBe(false);
  });
  test("unknown fields are refused at every level", () => {
    expect(Value.Check(schema, { rules: {}, extra: 1 })).toBe(false);
    expect(Value.Check(schema, { rules: {}, inner: { a: "x", extra: 1 } })).toBe(false);
    expect(Value.Check(schema, { rules: { anything: { goes: 1 } } })).toBe(true);
  });
  test("the validation-error mapper never throws", () => {
    const hostile = {
      type: "body",
      get valueError(): never {
        throw new RangeError("Maximum call stack size exceeded");
      },
    };
    expect(describeValidation(hostile)).toBe("invalid body");
    expect(describeValidation({ type: "query", valueError: { path: "/limit", message: "Expected integer" } })).toBe(
      "invalid query: limit: Expected integer",
    );
  });
});

describe("telemetry screening", () => {
  const now = Date.UTC(2026, 10, 25);
  const good = { seq: 1, name: "temp", value: 20, tags: { unit: "C" }, atMs: now };
  test("a bad point is refused alone; the good ones are kept", () => {
    const { accepted, rejected, firstProblem } = screenTelemetry(
      [
        good,
        { ...good, seq: 2, name: "a\u0000" },
        { ...good, seq: 3, atMs: 1e15 },
        { ...good, seq: 4, value: Number.NaN },
        { ...good, seq: 5, atMs: 0 },
      ],
      now,
    );
    expect(accepted.map((p) => p.seq)).toEqual([1, 5]);
    expect(accepted[1]!.at.getTime()).toBe(now);
    expect(rejected).toBe(3);
    expect(firstProblem).toContain("name");
  });
  test("points beyond the batch limit are refused and counted", () => {
    const points = Array.from({ length: MAX_TELEMETRY_BATCH + 5 }, (_, i) => ({ ...good, seq: i + 1 }));
    const { accepted, rejected } = screenTelemetry(points, now);
    expect(accepted.length).toBe(MAX_TELEMETRY_BATCH);
    expect(rejected).toBe(5);
  });
});
