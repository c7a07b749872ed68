/**
 * Fleets: labels set by operators, selectors validated and matched live, and one command fanned out to a fleet of
 * 1,000 simulated agents (real MQTT clients with real credentials) with a correct summary; cancel as a whole.
 * Then one task per host of a fleet (the ordinary task model, pinned to each host): run by the scheduler on each
 * agent, summarised per outcome, cancelled as a whole.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { waitFor } from "../support/wait";
import { connectAll, disconnectAll, provisionHosts, type SimHost } from "../support/sim-fleet";

const backends = await availableBackends();
/** Simulated hosts of the fan-out test (1,000 by default; each is an MQTT client in this process). */
const FLEET = Number(process.env.FLEET_TEST_HOSTS ?? 1000);
const OFFLINE = 40;
const FAILING = 25;

describe.each(backends)("fleets on $name", (backend) => {
  let t: TestPlane;
  let sims: SimHost[] = [];

  beforeAll(async () => {
    t = await startTestPlane(backend);
  });
  afterAll(async () => {
    await disconnectAll(sims);
    await t?.stop();
  });

  test("labels: PUT replaces, PATCH merges and removes", async () => {
    const host = (await t.api.post("/api/v1/hosts", { name: "lab-1", labels: { site: "a", tier: "x" } }, t.adminKey))
      .body;
    const patched = await t.api.request("PATCH", `/api/v1/hosts/${host.id}/labels`, {
      token: t.adminKey,
      body: { labels: { tier: null, zone: "z1" } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.labels).toEqual({ site: "a", zone: "z1" });
    const bad = await t.api.request("PATCH", `/api/v1/hosts/${host.id}/labels`, {
      token: t.adminKey,
      body: { labels: { site: 5 } },
    });
    expect(bad.status).toBe(400);
    const other = await createTenant(t, "labels-other");
    const foreign = await t.api.request("PATCH", `/api/v1/hosts/${host.id}/labels`, {
      token: other.key,
      body: { labels: { site: "b" } },
    });
    expect(foreign.status).toBe(404);
    await t.api.delete(`/api/v1/hosts/${host.id}`, t.adminKey);
  });

  test("a bad selector is a 400 naming the field", async () => {
    const cases: [object, RegExp][] = [
      [{ matchExpressions: [{ key: "site", operator: "In" }] }, /matchExpressions\[0\]\.values/],
      [{ matchExpressions: [{ key: "site", operator: "Exists", values: ["a"] }] }, /matchExpressions\[0\]\.values/],
      [{ matchExpressions: [{ key: "site", operator: "Near", values: ["a"] }] }, /matchExpressions.*operator/],
      [{ matchExpressions: [{ key: "bad key!", operator: "Exists" }] }, /matchExpressions\[0\]\.key/],
      [{ matchLabels: { "-x": "a" } }, /matchLabels/],
      [{ matchLabels: { site: "a" }, extra: 1 }, /selector/],
    ];
    for (const [selector, error] of cases) {
      const res = await t.api.post("/api/v1/fleets", { name: "bad", selector }, t.adminKey);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(error);
    }
  });

  test("membership is live: matchLabels, In, NotIn, Exists, DoesNotExist", async () => {
    const mk = async (name: string, labels: Record<string, string>) =>
      (await t.api.post("/api/v1/hosts", { name: `sel-${name}`, labels: { group: "sel", ...labels } }, t.adminKey)).body
        .id as string;
    const a = await mk("a", { site: "berlin", role: "picker" });
    const b = await mk("b", { site: "paris", role: "picker" });
    const c = await mk("c", { site: "oslo", role: "packer", canary: "yes" });
    const d = await mk("d", { role: "picker" });
    const fleet = async (selector: object) => {
      const res = await t.api.post("/api/v1/fleets", { name: `f-${crypto.randomUUID()}`, selector }, t.adminKey);
      expect(res.status).toBe(201);
      return res.body.id as string;
    };
    const members = async (id: string) =>
      ((await t.api.get(`/api/v1/fleets/${id}/hosts`, t.adminKey)).body.items as { id: string }[])
        .map((h) => h.id)
        .sort();
    const sorted = (...ids: string[]) => ids.sort();
    const pickers = await fleet({ matchLabels: { group: "sel", role: "picker" } });
    expect(await members(pickers)).toEqual(sorted(a, b, d));
    const inSites = await fleet({ matchExpressions: [{ key: "site", operator: "In", values: ["berlin", "oslo"] }] });
    expect(await members(inSites)).toEqual(sorted(a, c));
    const notIn = await fleet({
      matchLabels: { group: "sel" },
      matchExpressions: [{ key: "site", operator: "NotIn", values: ["berlin"] }],
    });
    expect(await members(notIn)).toEqual(sorted(b, c, d)); // d has no site: NotIn holds
    const canaries = await fleet({ matchExpressions: [{ key: "canary", operator: "Exists" }] });
    expect(await members(canaries)).toEqual([c]);
    const noSite = await fleet({
      matchLabels: { group: "sel" },
      matchExpressions: [{ key: "site", operator: "DoesNotExist" }],
    });
    expect(await members(noSite)).toEqual([d]);

    // A label change moves a host in or out at once.
    await t.api.request("PATCH", `/api/v1/hosts/${a}/labels`, { token: t.adminKey, body: { labels: { canary: "1" } } });
    expect(await members(canaries)).toEqual(sorted(a, c));
    const listed = (await t.api.get(`/api/v1/fleets/${canaries}/hosts`, t.adminKey)).body;
    expect(listed.counts).toMatchObject({ total: 2, offline: 2, online: 0 });

    // Another tenant sees neither the fleet nor the hosts.
    const other = await createTenant(t, "fleet-other");
    expect((await t.api.get(`/api/v1/fleets/${canaries}`, other.key)).status).toBe(404);
    expect((await t.api.get(`/api/v1/fleets/${canaries}/hosts`, other.key)).status).toBe(404);
    const theirs = await t.api.post(
      "/api/v1/fleets",
      { name: "all", selector: { matchExpressions: [{ key: "canary", operator: "Exists" }] } },
      other.key,
    );
    expect((await t.api.get(`/api/v1/fleets/${theirs.body.id}/hosts`, other.key)).body.counts.total).toBe(0);
    for (const id of [a, b, c, d]) await t.api.delete(`/api/v1/hosts/${id}`, t.adminKey);
  });

  test(`one command to a fleet of ${FLEET} simulated hosts: one batch, a correct summary, cancel as a whole`, async () => {
    sims = await provisionHosts(t.plane, t.adminKey, FLEET, (i) => ({ fleet: "big", shard: String(i % 4) }));
    const offline = sims.slice(0, OFFLINE);
    const online = sims.slice(OFFLINE);
    for (const h of online.slice(0, FAILING)) h.behaviour = "fail";
    await connectAll(t.api, t.plane.transport.mqttUrl, online);
    const fleet = (
      await t.api.post("/api/v1/fleets", { name: "big", selector: { matchLabels: { fleet: "big" } } }, t.adminKey)
    ).body;
    await waitFor(
      "agents online",
      async () =>
        (await t.api.get(`/api/v1/fleets/${fleet.id}/hosts?limit=1`, t.adminKey)).body.counts.online === online.length,
      300_000,
    );

    const created = await t.api.post(
      `/api/v1/fleets/${fleet.id}/commands`,
      { kind: "echo", params: { n: 1 } },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    expect(created.body.hostCount).toBe(FLEET);
    const batchId = created.body.id;
    const summary = await waitFor(
      "batch settled",
      async () => {
        const s = (await t.api.get(`/api/v1/command-batches/${batchId}`, t.adminKey)).body.summary;
        return s.completed + s.failed === online.length ? s : undefined;
      },
      // 2,000 acknowledgements on PGlite's one thread, on a machine shared by several engineers.
      300_000,
    );
    expect(summary).toMatchObject({
      total: FLEET,
      completed: online.length - FAILING,
      failed: FAILING,
      offline: OFFLINE,
      pending: 0,
      running: 0,
    });
    // Each agent got its command exactly once; offline hosts none.
    expect(online.every((h) => h.received.length === 1)).toBe(true);
    expect(offline.every((h) => h.received.length === 0)).toBe(true);
    const failedPage = (
      await t.api.get(`/api/v1/command-batches/${batchId}/commands?status=failed&limit=1000`, t.adminKey)
    ).body;
    expect(failedPage.items.map((c: { hostId: string }) => c.hostId).sort()).toEqual(
      online
        .slice(0, FAILING)
        .map((h) => h.hostId)
        .sort(),
    );
    expect(failedPage.items[0].error).toBe("simulated failure");

    const cancelled = await t.api.post(`/api/v1/command-batches/${batchId}/cancel`, undefined, t.adminKey);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.cancelled).toBe(OFFLINE);
    expect(cancelled.body.summary).toMatchObject({
      completed: online.length - FAILING,
      cancelled: OFFLINE,
      offline: 0,
    });

    // A selector in the request, without a fleet; another tenant cannot see the batch.
    const bySelector = await t.api.post(
      "/api/v1/command-batches",
      { kind: "echo", selector: { matchLabels: { fleet: "big", shard: "1" } } },
      t.adminKey,
    );
    expect(bySelector.status).toBe(201);
    expect(bySelector.body.hostCount).toBe(Math.ceil((FLEET - 1) / 4));
    const other = await createTenant(t, "batch-other");
    expect((await t.api.get(`/api/v1/command-batches/${batchId}`, other.key)).status).toBe(404);
    expect((await t.api.post(`/api/v1/command-batches/${batchId}/cancel`, undefined, other.key)).status).toBe(404);
  }, 720_000);

  test("one task per host of a fleet: ordinary tasks pinned to each host, a summary, cancel as a whole", async () => {
    // The hosts of the fan-out test: shard 2 is every fourth host (offline ones first, then some that fail).
    expect(sims.length).toBe(FLEET);
    const shard = sims.filter((_, i) => i % 4 === 2);
    const offline = shard.filter((h) => !h.client);
    const failing = shard.filter((h) => h.client && h.behaviour === "fail");
    const fleet = (
      await t.api.post(
        "/api/v1/fleets",
        { name: "shard-2", selector: { matchLabels: { fleet: "big", shard: "2" } } },
        t.adminKey,
      )
    ).body;
    const bad = await t.api.post(`/api/v1/fleets/${fleet.id}/tasks`, { prompt: "x", projectKey: "nope" }, t.adminKey);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/unknown project/);
    expect((await t.api.get("/api/v1/task-batches", t.adminKey)).body.items).toHaveLength(0); // nothing stored

    const created = await t.api.post(`/api/v1/fleets/${fleet.id}/tasks`, { prompt: "inspect the gripper" }, t.adminKey);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ fleetId: fleet.id, hostCount: shard.length });
    const batchId = created.body.id;
    const summary = await waitFor(
      "task batch settled",
      async () => {
        const s = (await t.api.get(`/api/v1/task-batches/${batchId}`, t.adminKey)).body.summary;
        return s.completed + s.failed === shard.length - offline.length ? s : undefined;
      },
      300_000,
    );
    expect(summary).toEqual({
      total: shard.length,
      completed: shard.length - offline.length - failing.length,
      failed: failing.length,
      cancelled: 0,
      pending: 0,
      running: 0,
      offline: offline.length,
    });
    // Per-host results; each is an ordinary task pinned to its host, run there by the scheduler.
    const failedPage = (await t.api.get(`/api/v1/task-batches/${batchId}/tasks?status=failed&limit=1000`, t.adminKey))
      .body;
    expect(failedPage.items.map((x: { hostId: string }) => x.hostId).sort()).toEqual(
      failing.map((h) => h.hostId).sort(),
    );
    const done = (await t.api.get(`/api/v1/task-batches/${batchId}/tasks?status=completed&limit=1`, t.adminKey)).body
      .items[0];
    const task = (await t.api.get(`/api/v1/tasks/${done.taskId}`, t.adminKey)).body;
    expect(task).toMatchObject({ status: "completed", hostId: done.hostId, machineId: done.hostId, batchId });

    const cancelled = await t.api.post(`/api/v1/task-batches/${batchId}/cancel`, undefined, t.adminKey);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.cancelled).toBe(offline.length);
    expect(cancelled.body.summary).toMatchObject({ cancelled: offline.length, offline: 0, failed: failing.length });
    expect(cancelled.body.cancelledAt).not.toBeNull();

    // A selector in the request; another tenant cannot see or cancel the batch.
    const bySelector = await t.api.post(
      "/api/v1/task-batches",
      { prompt: "p", selector: { matchLabels: { fleet: "big", shard: "3" } } },
      t.adminKey,
    );
    expect(bySelector.status).toBe(201);
    expect(bySelector.body.hostCount).toBe(sims.filter((_, i) => i % 4 === 3).length);
    const other = await createTenant(t, "task-batch-other");
    expect((await t.api.get(`/api/v1/task-batches/${batchId}`, other.key)).status).toBe(404);
    expect((await t.api.post(`/api/v1/task-batches/${batchId}/cancel`, undefined, other.key)).status).toBe(404);
  }, 720_000);
});
