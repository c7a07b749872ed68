import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";

const backends = await availableBackends();

/** Every write route, with a path that exists (ids filled in by the setup). */
const routes = (ids: Record<string, string>): [string, string][] => [
  ["POST", "/api/auth/device/start"],
  ["POST", "/api/auth/device/poll"],
  ["POST", "/api/auth/device/approve"],
  ["POST", "/api/v1/device/code"],
  ["POST", "/api/v1/device/token"],
  ["POST", "/api/auth/refresh"],
  ["POST", "/api/auth/logout"],
  ["POST", "/api/v1/auth-keys"],
  ["POST", "/api/v1/tenants"],
  ["POST", "/api/v1/environments"],
  ["PUT", `/api/v1/environments/${ids.environment}`],
  ["POST", "/api/v1/hosts"],
  ["PUT", `/api/v1/hosts/${ids.host}`],
  ["PUT", `/api/v1/hosts/${ids.host}/status`],
  ["POST", "/api/v1/safety-policies"],
  ["PUT", `/api/v1/safety-policies/${ids.policy}`],
  ["POST", "/api/v1/commands"],
  ["POST", `/api/v1/commands/${ids.command}/transition`],
  ["POST", "/api/v1/tasks"],
  ["POST", `/api/v1/tasks/${ids.task}/transition`],
  ["POST", "/api/v1/triggers"],
];

const malformedBodies: [string, string | undefined, string?][] = [
  ["truncated JSON", '{"name":', "application/json"],
  ["not JSON at all", "hello", "application/json"],
  ["JSON array", "[1,2,3]", "application/json"],
  ["JSON null", "null", "application/json"],
  ["JSON string", '"str"', "application/json"],
  ["deeply nested", "[".repeat(5000) + "]".repeat(5000), "application/json"],
  [
    "wrong types",
    JSON.stringify({
      name: 5,
      status: 7,
      hostId: [],
      kind: {},
      prompt: null,
      rules: "x",
      deviceCode: 1,
      refreshToken: false,
      userCode: [],
    }),
    "application/json",
  ],
  ["huge string", JSON.stringify({ name: "x".repeat(300_000), prompt: "y".repeat(300_000) }), "application/json"],
  [
    "nul bytes",
    JSON.stringify({
      name: "a\u0000b",
      prompt: "\u0000",
      hostId: "\u0000",
      kind: "\u0000",
      deviceCode: "\u0000",
      refreshToken: "\u0000",
      userCode: "\u0000",
      status: "\u0000",
    }),
    "application/json",
  ],
  ["form encoded", "name=x&status=y", "application/x-www-form-urlencoded"],
  ["plain text", "name", "text/plain"],
  ["empty body", undefined, "application/json"],
];

describe.each(backends)("malformed input on $name", (backend) => {
  let t: TestPlane;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    t = await startTestPlane(backend);
    ids.policy = (await t.api.post("/api/v1/safety-policies", { name: "p", rules: {} }, t.adminKey)).body.id;
    ids.environment = (await t.api.post("/api/v1/environments", { name: "e" }, t.adminKey)).body.id;
    ids.host = (await t.api.post("/api/v1/hosts", { name: "h" }, t.adminKey)).body.id;
    ids.command = (await t.api.post("/api/v1/commands", { hostId: ids.host, kind: "move" }, t.adminKey)).body.id;
    ids.task = (await t.api.post("/api/v1/tasks", { prompt: "p" }, t.adminKey)).body.id;
  });
  afterAll(() => t?.stop());

  test("no malformed body on any write route produces a 5xx; every error is { error }", async () => {
    for (const [method, path] of routes(ids)) {
      for (const [label, rawBody, contentType] of malformedBodies) {
        const res = await t.api.request(method, path, {
          token: t.adminKey,
          rawBody,
          headers: contentType ? { "content-type": contentType } : {},
        });
        const where = `${method} ${path} with ${label}`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status >= 400) {
          expect(typeof res.body?.error, where).toBe("string");
        }
      }
    }
  });

  test("bad query strings and path parameters are 4xx", async () => {
    for (const path of [
      "/api/v1/tasks?limit=-1",
      "/api/v1/tasks?limit=99999",
      "/api/v1/tasks?status=nope",
      "/api/v1/tasks?cursor=%00%ff",
      "/api/v1/commands?cursor=WyJub3QtYS1kYXRlIiwieCJd",
      "/api/v1/hosts/%00",
      `/api/v1/hosts/${"x".repeat(500)}`,
      "/api/v1/commands/'%20or%201=1--",
    ]) {
      const res = await t.api.get(path, t.adminKey);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(typeof res.body.error).toBe("string");
    }
    expect((await t.api.get("/api/v1/nothing-here", t.adminKey)).status).toBe(404);
  });

  test("rejected writes leave nothing behind", async () => {
    const before = (await t.api.get("/api/v1/hosts", t.adminKey)).body.items.length;
    await t.api.request("POST", "/api/v1/hosts", {
      token: t.adminKey,
      rawBody: '{"name":',
      headers: { "content-type": "application/json" },
    });
    await t.api.post("/api/v1/hosts", { name: "" }, t.adminKey);
    await t.api.post("/api/v1/hosts", { name: "ok-name", environmentId: "env_missing" }, t.adminKey);
    expect((await t.api.get("/api/v1/hosts", t.adminKey)).body.items.length).toBe(before);
    // the server is still healthy and the valid request works
    expect((await t.api.post("/api/v1/hosts", { name: "ok-name" }, t.adminKey)).status).toBe(201);
  });
});
