/**
 * Regression tests of issue 15's hostile-input defects: the PGlite wedge (deep JSON, then NUL), wrong-typed
 * record fields silently coerced, no body limit, deep arrays giving 500.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";

const backends = await availableBackends();
const deepArray = (n: number) => "[".repeat(n) + "]".repeat(n);
/** A value nested `n` levels deep: {"a":{"a":...1}}. */
const nested = (n: number): unknown => JSON.parse(`${'{"a":'.repeat(n)}1${"}".repeat(n)}`);
const WRONG_RECORDS: unknown[] = [true, false, 0, 42, "abc", "", [], [1, 2], null];

describe.each(backends)("hostile input on $name", (backend) => {
  let t: TestPlane;
  let small: TestPlane;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestPlane(backend);
    small = await startTestPlane(backend, { maxBodyBytes: 10_000, maxJsonDepth: 8 });
    const k = t.adminKey;
    ids.policy = (
      await t.api.post("/api/v1/safety-policies", { name: "p", rules: { allowedKinds: ["echo"] } }, k)
    ).body.id;
    ids.environment = (await t.api.post("/api/v1/environments", { name: "e", config: { a: 1 } }, k)).body.id;
    ids.host = (await t.api.post("/api/v1/hosts", { name: "h", labels: { zone: "a" } }, k)).body.id;
    ids.command = (
      await t.api.post("/api/v1/commands", { hostId: ids.host, kind: "echo", params: { a: 1 } }, k)
    ).body.id;
    ids.task = (await t.api.post("/api/v1/tasks", { prompt: "p", config: { a: 1 } }, k)).body.id;
  });
  afterAll(async () => {
    await t?.stop();
    await small?.stop();
  });

  test("a deep config then a NUL prompt (the PGlite wedge): both 400, the server answers and still writes", async () => {
    const deep = await t.api.post("/api/v1/tasks", { prompt: "x", config: JSON.parse(deepArray(10_000)) }, t.adminKey);
    expect(deep.status).toBe(400);
    expect(deep.body.error).toContain("nested deeper than 32");
    const nul = await t.api.post("/api/v1/tasks", { prompt: "a\u0000b" }, t.adminKey);
    expect(nul.status).toBe(400);
    expect(nul.body.error).toContain("NUL");
    expect((await t.api.get("/health")).status).toBe(200);
    expect((await t.api.post("/api/v1/tasks", { prompt: "still fine" }, t.adminKey)).status).toBe(201);
    // NUL in a query value never reaches the database either.
    const query = await t.api.get(`/api/v1/hosts/${ids.host}/telemetry?name=a%00b`, t.adminKey);
    expect(query.status).toBe(400);
  });

  test("PUT a safety policy with rules: true is 400 and leaves the policy (rules, version) untouched", async () => {
    const before = (await t.api.get(`/api/v1/safety-policies/${ids.policy}`, t.adminKey)).body;
    for (const rules of WRONG_RECORDS) {
      const res = await t.api.put(`/api/v1/safety-policies/${ids.policy}`, { rules }, t.adminKey);
      expect(res.status, JSON.stringify(rules)).toBe(400);
      expect(res.body.error).toContain("rules");
    }
    expect((await t.api.get(`/api/v1/safety-policies/${ids.policy}`, t.adminKey)).body).toEqual(before);
  });

  test("every record-typed body field refuses wrong types with 400, whatever the route", async () => {
    // [method, path, base body, field path]: the base is otherwise valid, so only the field can be wrong.
    const slots: [string, string, Record<string, unknown>, string][] = [
      ["POST", "/api/v1/environments", { name: "e2" }, "config"],
      ["PUT", `/api/v1/environments/${ids.environment}`, {}, "config"],
      ["POST", "/api/v1/hosts", { name: "h2" }, "labels"],
      ["PUT", `/api/v1/hosts/${ids.host}`, {}, "labels"],
      ["POST", "/api/v1/safety-policies", { name: "p2" }, "rules"],
      ["PUT", `/api/v1/safety-policies/${ids.policy}`, {}, "rules"],
      ["POST", "/api/v1/commands", { hostId: ids.host, kind: "echo" }, "params"],
      ["POST", `/api/v1/commands/${ids.command}/transition`, { status: "running" }, "result"],
      ["POST", "/api/v1/tasks", { prompt: "x" }, "config"],
      ["POST", `/api/v1/tasks/${ids.task}/transition`, { status: "running" }, "result"],
      [
        "POST",
        "/api/v1/triggers",
        { name: "t2", kind: "event", event: "command.failed", task: { prompt: "x" } },
        "task.config",
      ],
      [
        "POST",
        "/api/admin/projects",
        { key: "hk", name: "x", pipeline: [{ name: "ok", kind: "confirm", prompt: "ok?" }] },
        "settings.requirements.labels",
      ],
      ["POST", "/api/workers/register", { machineId: "m-hostile", token: "rwt_unknown", name: "w" }, "hardware"],
      ["POST", "/api/v1/fleets", { name: "hostile", selector: {} }, "selector.matchLabels"],
      ["POST", "/api/v1/task-batches", { prompt: "x", selector: { matchLabels: { zone: "a" } } }, "config"],
    ];
    const snapshot = async () =>
      Promise.all(
        [
          "/api/v1/environments",
          "/api/v1/hosts",
          "/api/v1/safety-policies",
          "/api/v1/commands",
          "/api/v1/tasks",
          "/api/v1/triggers",
          "/api/v1/fleets",
        ].map(async (p) => (await t.api.get(p, t.adminKey)).body),
      );
    const before = await snapshot();
    for (const [method, path, base, field] of slots) {
      for (const wrong of WRONG_RECORDS) {
        type Nested = { [key: string]: unknown };
        const body = structuredClone(base) as Nested;
        const keys = field.split(".");
        let parent = body;
        for (const key of keys.slice(0, -1)) parent = parent[key] = { ...(parent[key] as Nested) };
        parent[keys.at(-1)!] = wrong;
        const res = await t.api.request(method, path, { token: t.adminKey, body });
        const where = `${method} ${path} ${field}=${JSON.stringify(wrong)}`;
        expect(res.status, where).toBe(400);
        expect(res.body.error, where).toContain(field.replace(".", "."));
      }
    }
    expect(await snapshot()).toEqual(before);

    // Every record-typed field of the OpenAPI document is one of the slots above (a new one must be added here).
    type Schema = { type?: string; properties?: Record<string, Schema> } | undefined;
    type Operation = { requestBody?: { content?: Record<string, { schema?: Schema }> } };
    const doc = (await t.api.get<{ paths: Record<string, Record<string, Operation>> }>("/openapi/json")).body;
    const records = new Set<string>();
    const visit = (schema: Schema, where: string) => {
      if (!schema || typeof schema !== "object") return;
      if (schema.type === "object" && !schema.properties && where) records.add(where);
      for (const [k, v] of Object.entries(schema.properties ?? {})) visit(v, where ? `${where}.${k}` : k);
    };
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) visit(op.requestBody?.content?.["application/json"]?.schema, "");
    }
    const covered = new Set(slots.map((s) => s[3]));
    expect([...records].filter((r) => !covered.has(r))).toEqual([]);
  });

  test("numbers are not accepted as strings, and unknown fields are refused", async () => {
    const asString = await t.api.post(
      "/api/v1/commands",
      { hostId: ids.host, kind: "echo", timeoutMs: "5000" },
      t.adminKey,
    );
    expect(asString.status).toBe(400);
    expect(asString.body.error).toContain("timeoutMs");
    const unknown = await t.api.post("/api/v1/hosts", { name: "h3", owner: "me" }, t.adminKey);
    expect(unknown).toMatchObject({ status: 400, body: { error: "invalid body: unknown field owner" } });
    const nestedUnknown = await t.api.post(
      "/api/v1/triggers",
      { name: "t3", kind: "event", event: "command.failed", task: { prompt: "x", extra: 1 } },
      t.adminKey,
    );
    expect(nestedUnknown.status).toBe(400);
    expect(nestedUnknown.body.error).toContain("unknown field task.extra");
  });

  test("injection strings and control characters in valid fields are stored verbatim, never interpreted", async () => {
    for (const name of [
      "'); DROP TABLE hosts; --",
      "${jndi:ldap://x/a}",
      "<script>alert(1)</script>",
      "tab\tbell\u0007del\u007f",
      "\\u0000 as text",
    ]) {
      const res = await t.api.post("/api/v1/hosts", { name }, t.adminKey);
      expect(res.status, name).toBe(201);
      expect((await t.api.get(`/api/v1/hosts/${res.body.id}`, t.adminKey)).body.name).toBe(name);
    }
    expect((await t.api.get("/api/v1/hosts", t.adminKey)).status).toBe(200);
  });

  test("body limit: 413 {error} by Content-Length before reading, and for a chunked body while reading", async () => {
    // Unauthenticated, far over the limit: refused on its Content-Length.
    const big = await small.api.request("POST", "/api/auth/refresh", {
      rawBody: "x".repeat(50_000),
      headers: { "content-type": "application/json" },
    });
    expect(big).toMatchObject({ status: 413, body: { error: "request body larger than 10000 bytes" } });
    const chunks = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode("y".repeat(1_000)));
        c.close();
      },
    });
    const res = await fetch(`${small.plane.url}/api/auth/refresh`, {
      method: "POST",
      body: chunks,
      headers: { "content-type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toContain("larger than 10000 bytes");
    // Just under the limit is read and validated as usual.
    const under = await small.api.post(
      "/api/v1/tasks",
      { prompt: "x", config: { s: "z".repeat(9_000) } },
      small.adminKey,
    );
    expect(under.status).toBe(201);
  });

  test("JSON depth limit: at the limit accepted, one more level 400", async () => {
    // Body depth = 1 (the body) + 1 (config) + nesting inside config.
    const atLimit = await small.api.post("/api/v1/tasks", { prompt: "x", config: nested(7) }, small.adminKey);
    expect(atLimit.status).toBe(201);
    const over = await small.api.post("/api/v1/tasks", { prompt: "x", config: nested(8) }, small.adminKey);
    expect(over).toMatchObject({
      status: 400,
      body: { error: "invalid request body: JSON nested deeper than 8 levels" },
    });
  });

  test("deeply nested arrays on unauthenticated routes are 400, never 500", async () => {
    const routes: [string, string][] = [
      ["/api/auth/device/start", "clientName"],
      ["/api/auth/device/poll", "deviceCode"],
      ["/api/auth/refresh", "refreshToken"],
      ["/api/auth/logout", "refreshToken"],
      ["/api/runtime/bootstrap/exchange", "bootstrapToken"],
      ["/api/runtime/auth/refresh", "refreshToken"],
    ];
    for (const [path, field] of routes) {
      for (const raw of [deepArray(5_000), `{"${field}":${deepArray(5_000)}}`, `{"${field}":${deepArray(40)}}`]) {
        const res = await t.api.request("POST", path, {
          rawBody: raw,
          headers: { "content-type": "application/json" },
        });
        expect(res.status, `${path} ${raw.slice(0, 30)}`).toBe(400);
        expect(typeof res.body.error).toBe("string");
      }
    }
  });
});
