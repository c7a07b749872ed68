/**
 * Hostile input, on PGlite and PostgreSQL: every write route of the OpenAPI document (so routes added later are
 * covered) × a corpus of hostile bodies, then hostile MQTT payloads and gRPC frames from a real runtime identity.
 * Every answer must be a 4xx `{error}` within a time bound, the server stays healthy, RSS stays bounded and
 * nothing is stored for a rejected request.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane, type Untyped } from "../support/control-plane";
import { hostWithRuntime } from "../support/runtime";
import { openSession, sendCommand } from "../support/grpc-clients";
import { waitFor } from "../support/wait";
import { AGENT_PUBLISHES, CommandStatus, PresenceState, codecs, topic, type TelemetryPoint } from "@edge/proto/wire";

const backends = await availableBackends();

/** Generic walks over OpenAPI schemas and answers: the test client's untyped default (see support/control-plane). */
type Json = Untyped;
const deepArray = (n: number) => "[".repeat(n) + "]".repeat(n);
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
const JSON_TYPE = { "content-type": "application/json" };

/** Bodies no route may accept, whatever its schema: [label, raw body, headers]. */
const wholeBodies: [string, string | Uint8Array, Record<string, string>][] = [
  ["truncated JSON", '{"name":', JSON_TYPE],
  ["not JSON", "hello", JSON_TYPE],
  ["NaN literal", '{"value": NaN}', JSON_TYPE],
  ["1e999 (Infinity)", '{"value": 1e999}', JSON_TYPE],
  ["form encoded", "name=x&status=y", { "content-type": "application/x-www-form-urlencoded" }],
  ["plain text", "name", { "content-type": "text/plain" }],
  ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), JSON_TYPE],
  ["object 33 deep", deepObject(33), JSON_TYPE],
  ["array 10000 deep", deepArray(10_000), JSON_TYPE],
  ["object 10000 deep", deepObject(10_000), JSON_TYPE],
  ["NUL key and value", JSON.stringify({ "\u0000": "\u0000" }), JSON_TYPE],
  ["control characters and NUL", JSON.stringify({ name: "\u0001\u0000\u001f\u007f" }), JSON_TYPE],
  ["prototype pollution", '{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}', JSON_TYPE],
  ["unknown field only", JSON.stringify({ fuzzUnknownField: "' OR 1=1 --" }), JSON_TYPE],
  ["JSON null", "null", JSON_TYPE],
  ["JSON array", "[1,2,3]", JSON_TYPE],
  ["JSON string", JSON.stringify("'; DROP TABLE hosts; --"), JSON_TYPE],
  ["body over the size limit", JSON.stringify({ name: "x".repeat(1_100_000) }), JSON_TYPE],
];

/** A minimal value satisfying a JSON schema (from the OpenAPI document). */
function sample(schema: Json): unknown {
  if (!schema) return "x";
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  if (schema.anyOf)
    return sample(
      schema.anyOf.find((s: Json) => s.type !== "null" && s.format !== "integer" && s.format !== "numeric") ??
        schema.anyOf[0],
    );
  switch (schema.type) {
    case "string":
      return "x".repeat(Math.max(1, schema.minLength ?? 1));
    case "integer":
    case "number":
      return schema.minimum ?? 1;
    case "boolean":
      return true;
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items));
    case "object":
      return Object.fromEntries((schema.required ?? []).map((k: string) => [k, sample(schema.properties?.[k])]));
  }
  return "x";
}

/** Values that must never be accepted for a field of this schema. */
function wrongValues(schema: Json): unknown[] {
  const numeric = schema.anyOf?.find((s: Json) => s.type === "integer" || s.type === "number");
  const nullable =
    schema.nullable ||
    (Array.isArray(schema.type) && schema.type.includes("null")) ||
    schema.anyOf?.some((m: Json) => m.type === "null");
  const s =
    numeric ??
    (Array.isArray(schema.type) ? { ...schema, type: schema.type.find((x: string) => x !== "null") } : schema);
  const out: unknown[] = [JSON.parse(deepArray(40)), "a\u0000b"];
  if (!s.type && !s.anyOf) return out; // any value (t.Unknown): only depth and NUL are wrong
  if (!nullable) out.push(null);
  if (s.anyOf) return [...out, 12345, "fuzz-not-an-allowed-value", { a: 1 }];
  switch (s.type) {
    case "string":
      out.push(5, true, {}, ["x"]);
      if (s.maxLength !== undefined) out.push("y".repeat(s.maxLength + 1));
      if (s.minLength) out.push("");
      break;
    case "integer":
    case "number":
      out.push("5", true, {}, [1]);
      if (s.type === "integer") out.push(1.5);
      if (s.minimum !== undefined) out.push(s.minimum - 1);
      if (s.maximum !== undefined) out.push(s.maximum + 1);
      break;
    case "boolean":
      out.push("true", 1, {});
      break;
    case "array":
      out.push({}, "abc", 5, true);
      if (s.maxItems !== undefined) out.push(Array.from({ length: s.maxItems + 1 }, () => sample(s.items)));
      break;
    case "object":
      out.push(true, 5, "abc", [1, 2]);
      break;
  }
  return out;
}

/** Real ids for path parameters, by the collection segment before `{id}`. */
function fillPath(path: string, ids: Record<string, string>): string {
  return path
    .replace(
      /\/([^/]+)\/\{[^}]+\}/g,
      (_m, collection: string) => `/${collection}/${ids[collection] ?? "fuzz_unknown_id"}`,
    )
    .replace(/\{[^}]+\}/g, "fuzz_unknown_id");
}

describe.each(backends)("fuzz on $name", (backend) => {
  let t: TestPlane;
  const ids: Record<string, string> = {};
  let runtime: { hostId: string; runtimeId: string; token: string };
  let tenantId: string;
  let commandForAgent: string;

  const send = async (
    method: string,
    path: string,
    body: string | Uint8Array | undefined,
    headers: Record<string, string>,
    token?: string,
  ) => {
    const res = await fetch(t.plane.url + path, {
      method,
      body,
      headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(10_000), // a hang is a failure, not a slow test
    });
    // A live stream (Server-Sent Events) never ends: its answer is its status.
    if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
      await res.body?.cancel();
      return { status: res.status, body: undefined as Json, text: "" };
    }
    const text = await res.text();
    let json: Json;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, body: json, text };
  };

  /** Everything a GET collection route shows: must be identical before and after rejected requests. */
  const snapshot = async (paths: string[]) => {
    const out: Record<string, string> = {};
    // The admin key's own use (recorded at most once a minute) is not a change a request made.
    const withoutUse = (text: string) => text.replace(/"lastUsedAt":"[^"]*"/g, '"lastUsedAt":"-"');
    for (const path of paths) out[path] = withoutUse((await send("GET", path, undefined, {}, t.adminKey)).text);
    for (const [collection, id] of Object.entries(ids)) {
      const res = await send("GET", `/api/v1/${collection}/${id}`, undefined, {}, t.adminKey);
      if (res.status === 200) out[`${collection}/${id}`] = res.text;
    }
    return out;
  };

  beforeAll(async () => {
    t = await startTestPlane(backend);
    const k = t.adminKey;
    ids["safety-policies"] = (
      await t.api.post("/api/v1/safety-policies", { name: "fuzz-policy", rules: { allowedKinds: ["echo"] } }, k)
    ).body.id;
    ids.environments = (await t.api.post("/api/v1/environments", { name: "fuzz-env", config: { a: 1 } }, k)).body.id;
    ids.hosts = (await t.api.post("/api/v1/hosts", { name: "fuzz-host", labels: { zone: "a" } }, k)).body.id;
    ids.commands = (
      await t.api.post("/api/v1/commands", { hostId: ids.hosts, kind: "echo", params: { a: 1 } }, k)
    ).body.id;
    ids.tasks = (await t.api.post("/api/v1/tasks", { prompt: "fuzz", config: { a: 1 } }, k)).body.id;
    ids.triggers = (
      await t.api.post(
        "/api/v1/triggers",
        { name: "fuzz-trigger", kind: "event", event: "command.failed", task: { prompt: "x" } },
        k,
      )
    ).body.id;
    ids["auth-keys"] = (await t.api.post("/api/v1/auth-keys", { name: "fuzz-key" }, k)).body.id;
    runtime = await hostWithRuntime(t, "fuzz-agent");
    const identities = (await t.api.get("/api/runtime/identities", k)).body.items;
    ids.identities = runtime.runtimeId;
    ids.agents =
      identities.find((i: Json) => i.id === runtime.runtimeId || i.runtimeId === runtime.runtimeId)?.agentId ??
      runtime.runtimeId;
    tenantId = (await t.api.get("/api/runtime/auth/status", runtime.token)).body.tenantId;
    commandForAgent = (await t.api.post("/api/v1/commands", { hostId: runtime.hostId, kind: "echo" }, k)).body.id;
    for (const [name, id] of Object.entries(ids)) if (!id) throw new Error(`fixture ${name} not created`);
  });
  afterAll(() => t?.stop());

  test("every write route of the OpenAPI document × hostile bodies: 4xx {error}, healthy, nothing stored", async () => {
    const doc = (await t.api.get("/openapi/json")).body;
    const writes: { method: string; path: string; schema?: Json }[] = [];
    const lists: string[] = [];
    for (const [path, ops] of Object.entries<Json>(doc.paths)) {
      for (const [method, op] of Object.entries<Json>(ops)) {
        if (["post", "put", "patch", "delete"].includes(method)) {
          writes.push({
            method: method.toUpperCase(),
            path,
            schema: op.requestBody?.content?.["application/json"]?.schema,
          });
        } else if (
          method === "get" &&
          !path.includes("{") &&
          path.startsWith("/api/") &&
          !op.parameters?.some((p: Json) => p.required && p.in === "query")
        ) {
          lists.push(path);
        }
      }
    }
    expect(writes.length).toBeGreaterThan(30);
    const before = await snapshot(lists);
    const rss0 = process.memoryUsage().rss;
    let maxRss = rss0;
    let sent = 0;

    for (const route of writes) {
      const path = fillPath(route.path, ids);
      const token = /^\/api\/runtime\/(updates|agents|auth)\//.test(route.path) ? runtime.token : t.adminKey;
      const cases: [string, string | Uint8Array, Record<string, string>][] = [...wholeBodies];
      const properties = Object.entries<Json>(route.schema?.properties ?? {});
      if (route.schema?.type === "object") {
        const base = sample(route.schema) as Record<string, unknown>;
        cases.push(["unknown field beside valid ones", JSON.stringify({ ...base, fuzzUnknownField: 1 }), JSON_TYPE]);
        for (const [field, schema] of properties) {
          for (const value of wrongValues(schema)) {
            cases.push([
              `${field} = ${JSON.stringify(value).slice(0, 40)}`,
              JSON.stringify({ ...base, [field]: value }),
              JSON_TYPE,
            ]);
          }
          cases.push([
            `${field} = array 5000 deep`,
            JSON.stringify(base).replace(/^\{/, `{"${field}":${deepArray(5000)}${Object.keys(base).length ? "," : ""}`),
            JSON_TYPE,
          ]);
        }
      }
      for (const [label, body, headers] of cases) {
        const res = await send(route.method, path, body, headers, token);
        const where = `${route.method} ${route.path} with ${label}: ${res.status} ${res.text.slice(0, 200)}`;
        expect(res.status >= 400 && res.status < 500, where).toBe(true);
        expect(typeof res.body?.error, where).toBe("string");
        sent++;
      }
      const health = await send("GET", "/health", undefined, {});
      expect(health.status, `health after ${route.method} ${route.path}`).toBe(200);
      maxRss = Math.max(maxRss, process.memoryUsage().rss);
    }
    expect(sent).toBeGreaterThan(500);
    // Bounded: the whole run may not grow the process (test + control plane + database) by more than 512 MB.
    expect(maxRss - rss0).toBeLessThan(512 * 1024 * 1024);
    // Nothing stored, nothing changed, for any rejected request.
    expect(await snapshot(lists)).toEqual(before);
  });

  test("hostile MQTT payloads from a real runtime identity on its own topics: healthy, nothing bad stored", async () => {
    const client = await mqtt.connectAsync(t.plane.transport.mqttUrl, {
      clientId: runtime.runtimeId,
      username: runtime.runtimeId,
      password: runtime.token,
      reconnectPeriod: 0,
    });
    try {
      const pub = (channel: (typeof AGENT_PUBLISHES)[number], payload: Uint8Array) =>
        client.publishAsync(topic(tenantId, runtime.hostId, channel), Buffer.from(payload), { qos: 1 });
      const deep = deepArray(10_000);
      const now = Date.now();
      // Garbage on every topic an agent may publish on.
      for (const channel of AGENT_PUBLISHES) {
        await pub(channel, new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]));
        await pub(channel, new Uint8Array(0));
        await pub(channel, new Uint8Array(200_000).fill(0x0a));
      }
      // The wedge sequence of issue 15: a deep result, then NUL text.
      await pub(
        "ack",
        codecs.commandUpdate.encode({
          commandId: commandForAgent,
          status: CommandStatus.COMMAND_STATUS_RUNNING,
          error: "",
          resultJson: deep,
          atMs: now,
        }),
      );
      await pub(
        "ack",
        codecs.commandUpdate.encode({
          commandId: "cmd_\u0000",
          status: CommandStatus.COMMAND_STATUS_FAILED,
          error: "a\u0000b",
          resultJson: "",
          atMs: now,
        }),
      );
      await pub(
        "ack",
        codecs.commandUpdate.encode({
          commandId: commandForAgent,
          status: CommandStatus.COMMAND_STATUS_COMPLETED,
          error: "",
          resultJson: JSON.stringify({ out: "a\u0000b", deep: JSON.parse(deepArray(30)) }),
          atMs: now,
        }),
      );
      await pub(
        "status",
        codecs.status.encode({
          agentVersion: `v\u0000${"x".repeat(100_000)}`,
          uptimeSeconds: 1,
          load1: 0.5,
          memoryTotalBytes: 1,
          memoryFreeBytes: 1,
          runningCommands: 0,
          atMs: now,
        }),
      );
      await pub(
        "presence",
        codecs.presence.encode({
          state: PresenceState.PRESENCE_STATE_ONLINE,
          agentVersion: "p\u0000",
          atMs: now,
        } as never),
      );
      await pub(
        "log",
        codecs.commandLog.encode({
          commandId: commandForAgent,
          stream: "std\u0000out",
          line: `a\u0000b${"x".repeat(100_000)}`,
          atMs: now,
          index: 0,
        }),
      );
      await pub(
        "log",
        codecs.commandLog.encode({
          commandId: "cmd_\u0000",
          stream: "stdout",
          line: "",
          atMs: -1,
          index: 4_000_000_000,
        }),
      );
      await pub(
        "safety",
        codecs.safetyState.encode({
          estopGeneration: Number.MAX_SAFE_INTEGER,
          remoteEngaged: true,
          localEngaged: true,
          localReason: `r\u0000${"y".repeat(100_000)}`,
          killed: 4_000_000_000,
          policyVersion: Number.MAX_SAFE_INTEGER,
          atMs: -1,
        }),
      );
      // Well-formed, but acknowledging a stop generation (7) and a policy version (9) that were never sent.
      await pub(
        "safety",
        codecs.safetyState.encode({
          estopGeneration: 7,
          remoteEngaged: false,
          localEngaged: false,
          localReason: "",
          killed: 0,
          policyVersion: 9,
          atMs: now,
        }),
      );
      const bad: TelemetryPoint[] = [
        { seq: 1, name: "nul\u0000name", value: 1, tags: {}, atMs: now },
        { seq: 2, name: "ok", value: 1, tags: {}, atMs: 1e15 },
        { seq: 3, name: "ok", value: 1, tags: {}, atMs: -5 },
        { seq: 4, name: "", value: 1, tags: {}, atMs: now },
        { seq: 5, name: "x".repeat(10_000), value: 1, tags: {}, atMs: now },
        { seq: 6, name: "ok", value: Number.NaN, tags: {}, atMs: now },
        { seq: 7, name: "ok", value: 1, tags: { "k\u0000": "v" }, atMs: now },
      ];
      const good: TelemetryPoint[] = [
        { seq: 8, name: "good.temperature", value: 21.5, tags: { unit: "C" }, atMs: now },
        { seq: 9, name: "good.speed", value: 0.5, tags: {}, atMs: 0 },
      ];
      await pub(
        "telemetry",
        codecs.telemetry.encode({ points: [...bad.slice(0, 4), good[0]!, ...bad.slice(4), good[1]!] }),
      );
      // A batch above the bind-parameter limit of one INSERT: chunked, every point kept.
      const big = Array.from({ length: 10_000 }, (_, i) => ({
        seq: 100 + i,
        name: "bulk",
        value: i,
        tags: { i: String(i) },
        atMs: now,
      }));
      await pub("telemetry", codecs.telemetry.encode({ points: big }));

      const named = async (name: string) =>
        (await t.api.get(`/api/v1/hosts/${runtime.hostId}/telemetry?name=${name}&limit=200`, t.adminKey)).body.items;
      await waitFor(
        "good and all bulk telemetry stored",
        async () => (await named("bulk"))[0]?.seq === 100 + 9_999 && (await named("good.speed")).length === 1,
      );
      expect((await named("good.temperature")).map((p: Json) => p.value)).toEqual([21.5]);
      // Newest first: below the 10,000 bulk points only the two good ones, none of the bad.
      const stored = new Set<number>();
      for (const p of await named("ok")) stored.add(p.seq);
      expect([...stored]).toEqual([]);
      const host = await waitFor("rejections counted", async () => {
        const h = (await t.api.get(`/api/v1/hosts/${runtime.hostId}`, t.adminKey)).body;
        return h.telemetryRejected === bad.length ? h : undefined;
      });
      expect(host.agentVersion.includes("\u0000")).toBe(false);
      expect(host.agentVersion.length).toBeLessThanOrEqual(100);
      const command = await waitFor("command completed", async () => {
        const c = (await t.api.get(`/api/v1/commands/${commandForAgent}`, t.adminKey)).body;
        return c.status === "completed" ? c : undefined;
      });
      // The unstorable result was dropped, not the completion.
      expect(command.result ?? null).toBeNull();
      // Still healthy, and the database still takes writes.
      expect((await t.api.get("/health")).status).toBe(200);
      expect((await t.api.post("/api/v1/tasks", { prompt: "after mqtt fuzz" }, t.adminKey)).status).toBe(201);
      // The safety state claimed a stop generation never requested: a real stop now is pending, not shown as done.
      expect(
        (await t.api.post("/api/v1/estop", { scope: { hostId: runtime.hostId }, reason: "fuzz" }, t.adminKey)).status,
      ).toBe(202);
      const estop = (await t.api.get(`/api/v1/hosts/${runtime.hostId}`, t.adminKey)).body.estop;
      expect({ state: estop.state, acknowledgedGeneration: estop.acknowledgedGeneration ?? 0 }).toEqual({
        state: "pending",
        acknowledgedGeneration: 0,
      });
      expect((await t.api.get(`/api/v1/hosts/${runtime.hostId}`, t.adminKey)).body.policy.enforced ?? null).not.toBe(9);
    } finally {
      await client.endAsync(true);
    }
  });

  test("hostile gRPC AgentSession frames: bad points refused one by one, the session survives, nothing bad stored", async () => {
    const address = `127.0.0.1:${t.plane.transport.grpc.port}`;
    const s = openSession(address, runtime.token);
    try {
      s.call.write({ seq: 0, hello: { agentVersion: "fuzz" } });
      const welcome = await s.next((f) => Boolean(f.welcome));
      let seq = Number(welcome.welcome!.lastAgentSeq) + 1;
      const now = Date.now();
      const frames = [
        {
          update: {
            commandId: "cmd_\u0000",
            status: CommandStatus.COMMAND_STATUS_FAILED,
            error: "\u0000",
            resultJson: deepArray(10_000),
            atMs: now,
          },
        },
        {
          status: {
            agentVersion: "g\u0000",
            uptimeSeconds: 1,
            load1: 1,
            memoryTotalBytes: 1,
            memoryFreeBytes: 1,
            runningCommands: 0,
            atMs: now,
          },
        },
        { log: { commandId: "cmd_x", stream: "stdout", line: `l\u0000${"x".repeat(20_000)}`, atMs: now } },
        {
          telemetry: {
            points: [
              { seq: 50_000, name: "grpc\u0000bad", value: 1, tags: {}, atMs: now },
              { seq: 50_001, name: "grpc.good", value: 2, tags: {}, atMs: now },
              { seq: 50_002, name: "grpc.late", value: 3, tags: {}, atMs: 9e15 },
            ],
          },
        },
      ];
      for (const frame of frames) {
        const mySeq = seq++;
        s.call.write({ seq: mySeq, ...frame });
        if (!("log" in frame)) await s.next((f) => Number(f.ack?.seq) === mySeq);
      }
      expect(s.error).toBeUndefined();
      const points = (await t.api.get(`/api/v1/hosts/${runtime.hostId}/telemetry?name=grpc.good`, t.adminKey)).body
        .items;
      expect(points.map((p: Json) => p.value)).toEqual([2]);
      const all = (await t.api.get(`/api/v1/hosts/${runtime.hostId}/telemetry?limit=200`, t.adminKey)).body.items;
      expect(all.some((p: Json) => p.name.startsWith("grpc") && p.name !== "grpc.good")).toBe(false);
      // A seq past 2^53 cannot be stored: the stream ends with INVALID_ARGUMENT, not INTERNAL.
      // (fromObject takes a 64-bit value as a decimal string.)
      s.call.write({ seq: "18446744073709551615" as unknown as number, telemetry: { points: [] } });
      expect((await s.failure()).code).toBe(3);
      expect((await t.api.get("/health")).status).toBe(200);
      expect((await t.api.post("/api/v1/tasks", { prompt: "after grpc fuzz" }, t.adminKey)).status).toBe(201);
      // Operator.SendCommand: the same limits as a REST body; nothing created.
      const commandsBefore = (await t.api.get(`/api/v1/commands?hostId=${runtime.hostId}&limit=200`, t.adminKey)).body
        .items.length;
      for (const paramsJson of [
        deepArray(10_000),
        `{"a":${deepArray(40)}}`,
        '{"a":"\u0000"}',
        '{"a":1e999}',
        "[1]",
        "{",
      ]) {
        const refusal = await sendCommand(address, t.adminKey, {
          hostId: runtime.hostId,
          kind: "echo",
          paramsJson,
        }).catch((e) => e);
        expect(refusal.code, paramsJson.slice(0, 30)).toBe(3);
      }
      expect(
        (await t.api.get(`/api/v1/commands?hostId=${runtime.hostId}&limit=200`, t.adminKey)).body.items.length,
      ).toBe(commandsBefore);
    } finally {
      s.close();
    }
  });
});
