import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends, postgresReachable } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { waitFor } from "../support/wait";
/** What these tests read of a trigger's task. */
type Task = { id: string; status: string; scheduledFor: string; config: { event: { hostId: string } } };

const backends = await availableBackends();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)("triggers on $name", (backend) => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane(backend, { schedulerTickMs: 100 });
  });
  afterAll(() => t?.stop());

  test("create validates kind-specific fields and cron syntax", async () => {
    const task = { prompt: "x" };
    const bad: unknown[] = [
      { name: "a", kind: "cron", task },
      { name: "a", kind: "cron", schedule: "not cron", task },
      { name: "a", kind: "cron", schedule: "* * * * *", timezone: "Nowhere/Land", task },
      { name: "a", kind: "event", task },
      { name: "a", kind: "event", event: "host.exploded", task },
      { name: "a", kind: "sometimes", schedule: "* * * * *", task },
      { name: "a", kind: "cron", schedule: "* * * * *" },
    ];
    for (const body of bad) {
      const res = await t.api.post("/api/v1/triggers", body, t.adminKey);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(typeof res.body.error).toBe("string");
    }
    expect((await t.api.get("/api/v1/triggers", t.adminKey)).body.items).toHaveLength(0);
  });

  test("a cron trigger creates tasks on schedule, one per tick, and stops when deleted", async () => {
    const env = (await t.api.post("/api/v1/environments", { name: "cron-env" }, t.adminKey)).body;
    const created = await t.api.post(
      "/api/v1/triggers",
      {
        name: "every second",
        kind: "cron",
        schedule: "* * * * * *",
        task: { prompt: "patrol", environmentId: env.id, config: { route: 7 } },
      },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    expect(created.body.nextFireAt).not.toBeNull();
    const id = created.body.id;
    const tasksOf = async () =>
      (await t.api.get(`/api/v1/tasks?triggerId=${id}&limit=200`, t.adminKey)).body.items as Task[];

    const fired = await waitFor(
      "three trigger firings",
      async () => {
        const items = await tasksOf();
        return items.length >= 3 ? items : undefined;
      },
      6000,
    );
    expect(fired[0]).toMatchObject({
      prompt: "patrol",
      environmentId: env.id,
      config: { route: 7 },
      triggerId: id,
      status: "pending",
    });
    const ticks = fired.map((x) => Date.parse(x.scheduledFor));
    expect(new Set(ticks).size).toBe(ticks.length);
    for (const tick of ticks) expect(tick % 1000).toBe(0);

    const listed = (await t.api.get("/api/v1/triggers", t.adminKey)).body.items.find(
      (x: { id: string }) => x.id === id,
    );
    expect(listed.lastFiredAt).not.toBeNull();

    const total = async () => (await t.api.get("/api/v1/metrics/tasks", t.adminKey)).body.total as number;
    expect((await t.api.delete(`/api/v1/triggers/${id}`, t.adminKey)).status).toBe(200);
    await sleep(300); // let any in-flight tick finish
    const after = await total();
    await sleep(1500);
    expect(await total()).toBe(after);
    expect((await t.api.delete(`/api/v1/triggers/${id}`, t.adminKey)).status).toBe(404);
  });

  test("an event trigger creates a task when its event happens", async () => {
    const host = (await t.api.post("/api/v1/hosts", { name: "evt-host" }, t.adminKey)).body;
    const trg = await t.api.post(
      "/api/v1/triggers",
      { name: "on failure", kind: "event", event: "command.failed", task: { prompt: "investigate", hostId: host.id } },
      t.adminKey,
    );
    expect(trg.status).toBe(201);
    const cmd = (await t.api.post("/api/v1/commands", { hostId: host.id, kind: "move" }, t.adminKey)).body;
    await t.api.post(`/api/v1/commands/${cmd.id}/transition`, { status: "running" }, t.adminKey);
    const tasksOf = async () =>
      (await t.api.get(`/api/v1/tasks?triggerId=${trg.body.id}`, t.adminKey)).body.items as Task[];
    await sleep(200);
    expect(await tasksOf()).toHaveLength(0); // running is not the event
    await t.api.post(`/api/v1/commands/${cmd.id}/transition`, { status: "failed", error: "stalled" }, t.adminKey);
    const [task] = await waitFor("the event trigger's task", async () => {
      const items = await tasksOf();
      return items.length ? items : undefined;
    });
    expect(task).toMatchObject({ prompt: "investigate", hostId: host.id });
    expect(task.config.event).toMatchObject({ type: "command.transition", commandId: cmd.id, status: "failed" });
  });
});

describe.skipIf(!(await postgresReachable()))("triggers with two control planes on one PostgreSQL", () => {
  test("each schedule tick fires exactly once", async () => {
    const [, pg] = backends;
    const first = await startTestPlane(pg!, { schedulerTickMs: 50 });
    const second = await startTestPlane(
      pg!,
      { schedulerTickMs: 50 },
      {
        databaseUrl: first.databaseUrl,
        dataDir: "memory://",
        adminKey: first.adminKey,
      },
    );
    try {
      const trg = await first.api.post(
        "/api/v1/triggers",
        { name: "shared", kind: "cron", schedule: "* * * * * *", task: { prompt: "tick" } },
        first.adminKey,
      );
      expect(trg.status).toBe(201);
      await sleep(3500);
      const items = (await second.api.get(`/api/v1/tasks?triggerId=${trg.body.id}&limit=200`, first.adminKey)).body
        .items as Task[];
      const ticks = items.map((x) => x.scheduledFor);
      expect(items.length).toBeGreaterThanOrEqual(3);
      expect(items.length).toBeLessThanOrEqual(5);
      expect(new Set(ticks).size).toBe(items.length);
    } finally {
      await second.plane.stop();
      await first.stop();
    }
  });
});
