import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { type Reply, startTestPlane, type TestPlane } from "../support/control-plane";

const backends = await availableBackends();

describe.each(backends)("resource API on $name", (backend) => {
  let t: TestPlane;
  let key: string;
  beforeAll(async () => {
    t = await startTestPlane(backend);
    key = t.adminKey;
  });
  afterAll(() => t?.stop());

  test("safety policies: CRUD, rule validation, version bump", async () => {
    const rules = { allowedKinds: ["exec", "move"], paramBounds: { speed: { max: 1.5 } }, maxConcurrent: 2 };
    const created = await t.api.post("/api/v1/safety-policies", { name: "warehouse", rules }, key);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "warehouse", enabled: true, version: 1, rules });
    expect(created.body.tenantId).toBeUndefined();
    const id = created.body.id;

    const bad = await t.api.post("/api/v1/safety-policies", { name: "bad", rules: { maxConcurrent: 0 } }, key);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("maxConcurrent");
    const unknownRule = await t.api.post(
      "/api/v1/safety-policies",
      { name: "bad2", rules: { launchMissiles: true } },
      key,
    );
    expect(unknownRule.status).toBe(400);
    const badZone = await t.api.post(
      "/api/v1/safety-policies",
      { name: "bad3", rules: { timeWindows: [{ start: "08:00", end: "17:00", timezone: "Mars/Olympus" }] } },
      key,
    );
    expect(badZone.status).toBe(400);
    const dup = await t.api.post("/api/v1/safety-policies", { name: "warehouse", rules: {} }, key);
    expect(dup.status).toBe(409);

    const updated = await t.api.put(
      `/api/v1/safety-policies/${id}`,
      { enabled: false, rules: { deniedKinds: ["exec"] } },
      key,
    );
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({
      enabled: false,
      version: 2,
      rules: { deniedKinds: ["exec"] },
      name: "warehouse",
    });
    expect((await t.api.get(`/api/v1/safety-policies/${id}`, key)).body.version).toBe(2);
    const list = await t.api.get("/api/v1/safety-policies", key);
    expect(list.body.items.map((p: { id: string }) => p.id)).toContain(id);

    expect((await t.api.delete(`/api/v1/safety-policies/${id}`, key)).status).toBe(200);
    expect((await t.api.get(`/api/v1/safety-policies/${id}`, key)).status).toBe(404);
    expect((await t.api.delete(`/api/v1/safety-policies/${id}`, key)).status).toBe(404);
  });

  test("environments: CRUD with attached safety policies", async () => {
    const pol = (
      await t.api.post("/api/v1/safety-policies", { name: "slow", rules: { paramBounds: { speed: { max: 1 } } } }, key)
    ).body;
    const env = await t.api.post(
      "/api/v1/environments",
      { name: "lab-1", description: "test lab", tools: ["exec"], config: { site: "A" }, safetyPolicyIds: [pol.id] },
      key,
    );
    expect(env.status).toBe(201);
    expect(env.body).toMatchObject({
      name: "lab-1",
      tools: ["exec"],
      config: { site: "A" },
      safetyPolicyIds: [pol.id],
    });

    const unknownPolicy = await t.api.post(
      "/api/v1/environments",
      { name: "lab-x", safetyPolicyIds: ["pol_nope"] },
      key,
    );
    expect(unknownPolicy.status).toBe(400);
    expect(
      (await t.api.get("/api/v1/environments", key)).body.items.some((e: { name: string }) => e.name === "lab-x"),
    ).toBe(false);

    const updated = await t.api.put(
      `/api/v1/environments/${env.body.id}`,
      { description: "changed", safetyPolicyIds: [] },
      key,
    );
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ name: "lab-1", description: "changed", safetyPolicyIds: [] });
    const fetched = await t.api.get(`/api/v1/environments/${env.body.id}`, key);
    expect(fetched.body.safetyPolicyIds).toEqual([]);
    expect((await t.api.put("/api/v1/environments/env_nope", { description: "x" }, key)).status).toBe(404);

    expect((await t.api.delete(`/api/v1/environments/${env.body.id}`, key)).status).toBe(200);
    expect((await t.api.get(`/api/v1/environments/${env.body.id}`, key)).status).toBe(404);
  });

  test("hosts: register, list with filters, get, status updates", async () => {
    const env = (await t.api.post("/api/v1/environments", { name: "hosts-env" }, key)).body;
    const host = await t.api.post(
      "/api/v1/hosts",
      { name: "robot-1", environmentId: env.id, labels: { arm: "ur5" } },
      key,
    );
    expect(host.status).toBe(201);
    expect(host.body).toMatchObject({
      name: "robot-1",
      environmentId: env.id,
      status: "offline",
      labels: { arm: "ur5" },
    });
    await t.api.post("/api/v1/hosts", { name: "robot-2" }, key);
    expect((await t.api.post("/api/v1/hosts", { name: "robot-1" }, key)).status).toBe(409);
    expect((await t.api.post("/api/v1/hosts", { name: "robot-3", environmentId: "env_nope" }, key)).status).toBe(400);

    const status = await t.api.put(`/api/v1/hosts/${host.body.id}/status`, { status: "maintenance" }, key);
    expect(status.status).toBe(200);
    expect(status.body.status).toBe("maintenance");
    expect((await t.api.put(`/api/v1/hosts/${host.body.id}/status`, { status: "exploded" }, key)).status).toBe(400);
    expect((await t.api.put("/api/v1/hosts/host_nope/status", { status: "online" }, key)).status).toBe(404);

    const online = await t.api.put(`/api/v1/hosts/${host.body.id}/status`, { status: "online" }, key);
    expect(online.body.lastSeenAt).not.toBeNull();

    const byStatus = await t.api.get("/api/v1/hosts?status=online", key);
    expect(byStatus.body.items.map((h: { name: string }) => h.name)).toEqual(["robot-1"]);
    const byEnv = await t.api.get(`/api/v1/hosts?environmentId=${env.id}`, key);
    expect(byEnv.body.items.map((h: { name: string }) => h.name)).toEqual(["robot-1"]);
    expect((await t.api.get("/api/v1/hosts?status=bogus", key)).status).toBe(400);

    const got = await t.api.get(`/api/v1/hosts/${host.body.id}`, key);
    expect(got.body.status).toBe("online");
  });

  test("commands: the state machine pending → running → completed | failed, cancelled; illegal moves are 409", async () => {
    const host = (await t.api.post("/api/v1/hosts", { name: "cmd-host" }, key)).body;
    const create = (params: object = {}) =>
      t.api.post("/api/v1/commands", { hostId: host.id, kind: "move", params: { speed: 1, ...params } }, key);
    const cmd = await create();
    expect(cmd.status).toBe(201);
    expect(cmd.body).toMatchObject({ hostId: host.id, kind: "move", status: "pending", params: { speed: 1 } });
    const id = cmd.body.id;
    const move = (to: string, extra: object = {}) =>
      t.api.post(`/api/v1/commands/${id}/transition`, { status: to, ...extra }, key);

    const skip = await move("completed");
    expect(skip.status).toBe(409);
    expect(skip.body.error).toBe("cannot transition command from pending to completed");
    const running = await move("running");
    expect(running.status).toBe(200);
    expect(running.body.startedAt).not.toBeNull();
    expect((await move("pending")).status).toBe(409);
    expect((await t.api.delete(`/api/v1/commands/${id}`, key)).status).toBe(409);
    const done = await move("completed", { result: { exitCode: 0 } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: "completed", result: { exitCode: 0 } });
    expect(done.body.finishedAt).not.toBeNull();
    expect((await move("failed")).status).toBe(409);
    expect((await move("running")).status).toBe(409);

    const failing = (await create()).body;
    await t.api.post(`/api/v1/commands/${failing.id}/transition`, { status: "running" }, key);
    const failed = await t.api.post(
      `/api/v1/commands/${failing.id}/transition`,
      { status: "failed", error: "motor stalled" },
      key,
    );
    expect(failed.body).toMatchObject({ status: "failed", error: "motor stalled" });

    const cancelled = (await create()).body;
    expect(
      (await t.api.post(`/api/v1/commands/${cancelled.id}/transition`, { status: "cancelled" }, key)).body.status,
    ).toBe("cancelled");
    expect((await t.api.post("/api/v1/commands/cmd_nope/transition", { status: "running" }, key)).status).toBe(404);
    expect((await t.api.post(`/api/v1/commands/${id}/transition`, { status: "sideways" }, key)).status).toBe(400);

    const list = await t.api.get(`/api/v1/commands?hostId=${host.id}&status=failed`, key);
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([failing.id]);
    expect((await t.api.delete(`/api/v1/commands/${id}`, key)).status).toBe(200);
    expect((await t.api.get(`/api/v1/commands/${id}`, key)).status).toBe(404);
    expect((await t.api.post("/api/v1/commands", { hostId: "host_nope", kind: "move" }, key)).status).toBe(400);
  });

  test("tasks: create, paginate with cursors, filter by status, transition, metrics", async () => {
    // Bound to a machine that is offline, they stay pending (an online one would be assigned them at creation).
    const offline = (await t.api.post("/api/v1/hosts", { name: "task-host" }, key)).body;
    const created: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.api.post("/api/v1/tasks", { prompt: `task ${i}`, config: { i }, hostId: offline.id }, key);
      expect(res.status).toBe(201);
      expect(res.body.status).toBe("pending");
      created.push(res.body.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: Reply<{ items: { id: string }[]; nextCursor: string | null }> = await t.api.get(
        `/api/v1/tasks?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
        key,
      );
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((x: { id: string }) => x.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...created].reverse()); // newest first, nothing skipped or repeated
    expect((await t.api.get("/api/v1/tasks?cursor=not-a-cursor", key)).status).toBe(400);
    expect((await t.api.get("/api/v1/tasks?limit=0", key)).status).toBe(400);
    expect((await t.api.get("/api/v1/tasks?limit=abc", key)).status).toBe(400);

    const [a, b, c] = created;
    await t.api.post(`/api/v1/tasks/${a}/transition`, { status: "running" }, key);
    await Bun.sleep(20);
    const done = await t.api.post(`/api/v1/tasks/${a}/transition`, { status: "completed", result: { ok: true } }, key);
    expect(done.body.status).toBe("completed");
    await t.api.post(`/api/v1/tasks/${b}/transition`, { status: "running" }, key);
    await t.api.post(`/api/v1/tasks/${b}/transition`, { status: "failed", error: "nope" }, key);
    await t.api.post(`/api/v1/tasks/${c}/transition`, { status: "running" }, key);
    expect((await t.api.post(`/api/v1/tasks/${a}/transition`, { status: "running" }, key)).status).toBe(409);

    const running = await t.api.get("/api/v1/tasks?status=running", key);
    expect(running.body.items.map((x: { id: string }) => x.id)).toEqual([c]);
    expect((await t.api.get(`/api/v1/tasks/${b}`, key)).body.error).toBe("nope");

    const metrics = await t.api.get("/api/v1/metrics/tasks", key);
    expect(metrics.status).toBe(200);
    expect(metrics.body.counts).toEqual({
      pending: 4,
      assigned: 0,
      running: 1,
      suspended: 0,
      completed: 1,
      failed: 1,
      cancelled: 0,
    });
    expect(metrics.body.total).toBe(7);
    expect(metrics.body.averageDurationMs).toBeGreaterThanOrEqual(0);
  });

  test("OpenAPI document is served", async () => {
    const res = await t.api.get("/openapi/json");
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(["/api/v1/hosts/", "/api/v1/tasks", "/api/auth/device/start"]),
    );
  });
});
