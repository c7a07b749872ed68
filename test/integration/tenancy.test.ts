import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";

const backends = await availableBackends();

describe.each(backends)("tenant isolation on $name", (backend) => {
  let t: TestPlane;
  let a: string; // tenant A's key
  let b: string; // tenant B's key
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestPlane(backend);
    a = (await createTenant(t, "tenant-a")).key;
    b = (await createTenant(t, "tenant-b")).key;
    ids.policy = (await t.api.post("/api/v1/safety-policies", { name: "p", rules: {} }, a)).body.id;
    ids.environment = (
      await t.api.post("/api/v1/environments", { name: "e", safetyPolicyIds: [ids.policy] }, a)
    ).body.id;
    ids.host = (await t.api.post("/api/v1/hosts", { name: "h", environmentId: ids.environment }, a)).body.id;
    ids.command = (await t.api.post("/api/v1/commands", { hostId: ids.host, kind: "move" }, a)).body.id;
    ids.task = (await t.api.post("/api/v1/tasks", { prompt: "p", hostId: ids.host }, a)).body.id;
    ids.trigger = (
      await t.api.post("/api/v1/triggers", { name: "t", kind: "event", event: "host.online", task: { prompt: "x" } }, a)
    ).body.id;
    ids.key = (await t.api.post("/api/v1/auth-keys", { name: "a-key" }, a)).body.id;
    for (const [name, id] of Object.entries(ids)) expect(id, name).toBeString();
  });
  afterAll(() => t?.stop());

  test("B's lists never contain A's rows", async () => {
    for (const path of [
      "/api/v1/safety-policies",
      "/api/v1/environments",
      "/api/v1/hosts",
      "/api/v1/commands",
      "/api/v1/tasks",
      "/api/v1/triggers",
      "/api/v1/auth-keys",
    ]) {
      const mine = await t.api.get(path, a);
      const theirs = await t.api.get(path, b);
      expect(mine.status).toBe(200);
      expect(mine.body.items.length, path).toBeGreaterThan(0);
      expect(theirs.status).toBe(200);
      const leaked = JSON.stringify(theirs.body);
      for (const id of Object.values(ids)) expect(leaked).not.toContain(id);
    }
    const metrics = await t.api.get("/api/v1/metrics/tasks", b);
    expect(metrics.body.total).toBe(0);
  });

  test("B gets 404 — not 403 — reading, changing or deleting A's rows", async () => {
    const attempts: [string, string, unknown?][] = [
      ["GET", `/api/v1/safety-policies/${ids.policy}`],
      ["PUT", `/api/v1/safety-policies/${ids.policy}`, { enabled: false }],
      ["DELETE", `/api/v1/safety-policies/${ids.policy}`],
      ["GET", `/api/v1/environments/${ids.environment}`],
      ["PUT", `/api/v1/environments/${ids.environment}`, { description: "pwned" }],
      ["DELETE", `/api/v1/environments/${ids.environment}`],
      ["GET", `/api/v1/hosts/${ids.host}`],
      ["PUT", `/api/v1/hosts/${ids.host}`, { name: "pwned" }],
      ["PUT", `/api/v1/hosts/${ids.host}/status`, { status: "maintenance" }],
      ["DELETE", `/api/v1/hosts/${ids.host}`],
      ["GET", `/api/v1/commands/${ids.command}`],
      ["POST", `/api/v1/commands/${ids.command}/transition`, { status: "cancelled" }],
      ["DELETE", `/api/v1/commands/${ids.command}`],
      ["GET", `/api/v1/tasks/${ids.task}`],
      ["POST", `/api/v1/tasks/${ids.task}/transition`, { status: "cancelled" }],
      ["DELETE", `/api/v1/triggers/${ids.trigger}`],
      ["DELETE", `/api/v1/auth-keys/${ids.key}`],
    ];
    for (const [method, path, body] of attempts) {
      const res = await t.api.request(method, path, { token: b, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      // same answer as for an id that never existed
      const ghost = await t.api.request(method, path.replace(/_[0-9a-z]{16}/, "_0000000000000000"), { token: b, body });
      expect(ghost.status).toBe(404);
      expect(Object.keys(res.body)).toEqual(["error"]);
    }
    // nothing changed for A
    expect((await t.api.get(`/api/v1/hosts/${ids.host}`, a)).body).toMatchObject({ name: "h", status: "offline" });
    expect((await t.api.get(`/api/v1/commands/${ids.command}`, a)).body.status).toBe("pending");
    expect((await t.api.get(`/api/v1/tasks/${ids.task}`, a)).body.status).toBe("pending");
    expect((await t.api.get(`/api/v1/safety-policies/${ids.policy}`, a)).body.enabled).toBe(true);
    expect((await t.api.get("/api/v1/triggers", a)).body.items).toHaveLength(1);
    expect((await t.api.get("/api/v1/hosts", a)).status).toBe(200);
  });

  test("B cannot reference A's rows in its own writes", async () => {
    const tries: [string, unknown][] = [
      ["/api/v1/commands", { hostId: ids.host, kind: "move" }],
      ["/api/v1/hosts", { name: "x", environmentId: ids.environment }],
      ["/api/v1/environments", { name: "x", safetyPolicyIds: [ids.policy] }],
      ["/api/v1/tasks", { prompt: "x", hostId: ids.host }],
      ["/api/v1/tasks", { prompt: "x", environmentId: ids.environment }],
      ["/api/v1/triggers", { name: "x", kind: "cron", schedule: "* * * * *", task: { prompt: "x", hostId: ids.host } }],
    ];
    for (const [path, body] of tries) {
      const res = await t.api.post(path, body, b);
      expect(res.status, path).toBe(400);
      expect(res.body.error).toContain("unknown");
    }
  });

  test("extra fields cannot smuggle a tenant id (unknown fields are refused)", async () => {
    const res = await t.api.post("/api/v1/hosts", { name: "smuggled", tenantId: "ten_other" }, b);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("invalid body: unknown field tenantId");
    for (const key of [a, b]) {
      const hosts = (await t.api.get("/api/v1/hosts", key)).body.items;
      expect(hosts.map((h: { name: string }) => h.name)).not.toContain("smuggled");
    }
  });

  test("only installation admins manage tenants", async () => {
    expect((await t.api.post("/api/v1/tenants", { name: "evil" }, a)).status).toBe(403);
    expect((await t.api.get("/api/v1/tenants", a)).status).toBe(403);
    const all = await t.api.get("/api/v1/tenants", t.adminKey);
    expect(all.body.items.map((x: { name: string }) => x.name)).toEqual(
      expect.arrayContaining(["tenant-a", "tenant-b", "default"]),
    );
  });
});
