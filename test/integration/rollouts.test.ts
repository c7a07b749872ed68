/**
 * Rollouts of a signed release over simulated agents (MQTT clients that apply through the real update API):
 * batches within the disruption budget, a failing batch pausing at the threshold, abort, a maintenance window
 * deferring the start, an offline host counted against the budget and updated when it is back. Safety-policy sets
 * rolled out the same way, a host counting only once its agent acknowledged enforcing the set; app manifests refused.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { waitFor } from "../support/wait";
import {
  connectAll,
  connectSimAgent,
  disconnectAll,
  disconnectSimAgent,
  provisionHosts,
  type SimHost,
} from "../support/sim-fleet";
import { generateKeyPair, sha256Hex, signManifest, type ReleaseManifest } from "../../proto/release";

const backends = await availableBackends();

interface Interval {
  hostId: string;
  batch: number;
  status: string;
  startedAt: string;
  finishedAt: string | null;
}

/** The most hosts that were updating at the same moment. */
function maxConcurrent(items: Interval[]): number {
  const edges = items.flatMap((h) => [
    [Date.parse(h.startedAt), 1],
    [Date.parse(h.finishedAt!), -1],
  ]);
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) {
    now += d!;
    max = Math.max(max, now);
  }
  return max;
}

describe.each(backends)("rollouts on $name", (backend) => {
  let t: TestPlane;
  const key = generateKeyPair();
  const all: SimHost[] = [];

  async function publish(channel: string, version: string) {
    const body = `echo ${version}\n`;
    const manifest: ReleaseManifest = {
      channel,
      version,
      notes: "",
      issuedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      scripts: [
        { id: "s1", description: "patch", path: `scripts/${channel}/${version}/01.sh`, sha256: sha256Hex(body) },
      ],
    };
    const res = await t.api.post(
      "/api/v1/releases",
      { signedManifest: signManifest(manifest, key.secretKey), scripts: [{ path: manifest.scripts[0]!.path, body }] },
      t.adminKey,
    );
    expect(res.status).toBe(201);
    return res.body.id as string;
  }

  /** `n` connected simulated hosts labelled `group`, and a fleet of them. */
  async function fleetOf(group: string, n: number, labels: (i: number) => Record<string, string> = () => ({})) {
    const sims = await provisionHosts(t.plane, t.adminKey, n, (i) => ({ group, ...labels(i) }), { prefix: group });
    all.push(...sims);
    await connectAll(t.api, t.plane.transport.mqttUrl, sims);
    const fleet = (
      await t.api.post("/api/v1/fleets", { name: group, selector: { matchLabels: { group } } }, t.adminKey)
    ).body;
    await waitFor(
      `${group} online`,
      async () => (await t.api.get(`/api/v1/fleets/${fleet.id}/hosts?limit=1`, t.adminKey)).body.counts.online === n,
      30_000,
    );
    return { sims, fleetId: fleet.id as string };
  }

  type Counts = Record<"total" | "pending" | "updating" | "succeeded" | "failed" | "skipped", number>;
  interface RolloutView {
    status: string;
    waiting: string | null;
    reason: string | null;
    currentBatch: number;
    batchCount: number;
    awaitingApproval: boolean;
    hosts: Counts;
  }
  const get = async (id: string) => (await t.api.get<RolloutView>(`/api/v1/rollouts/${id}`, t.adminKey)).body;
  const hostsOf = async (id: string): Promise<Interval[]> =>
    (await t.api.get(`/api/v1/rollouts/${id}/hosts?limit=1000`, t.adminKey)).body.items;
  const history = async (id: string) =>
    (await t.api.get(`/api/v1/rollouts/${id}/events?limit=1000`, t.adminKey)).body.items as {
      type: string;
      message: string;
      batch: number | null;
    }[];
  const until = (id: string, what: (r: RolloutView) => boolean, timeoutMs = 30_000) =>
    waitFor(
      `rollout ${id}`,
      async () => {
        const r = await get(id);
        return what(r) ? r : undefined;
      },
      timeoutMs,
    );

  beforeAll(async () => {
    t = await startTestPlane(backend, { rolloutTickMs: 100 });
    expect(
      (await t.api.post("/api/v1/release-keys", { name: "rel", publicKey: key.publicKey }, t.adminKey)).status,
    ).toBe(201);
  }, 60_000); // a plane's start takes seconds on a loaded machine (PGlite: its template is made once per migrations)
  afterAll(async () => {
    await disconnectAll(all);
    await t?.stop();
  }, 60_000);

  test("a rollout request is validated: bad strategy, unknown fleet or release, not the current release", async () => {
    const { fleetId } = await fleetOf("val", 1);
    const releaseId = await publish("val", "2026.02.01");
    const post = (body: object) => t.api.post("/api/v1/rollouts", body, t.adminKey);
    const base = { name: "r", fleetId, target: { kind: "release", releaseId } };
    const cases: [object, number, RegExp][] = [
      [{ ...base, strategy: { batches: { sizes: ["0%"] } } }, 400, /batches\.sizes\[0\]/],
      [{ ...base, strategy: { batches: { sizes: [1], byLabel: "site" } } }, 400, /batches/],
      [{ ...base, strategy: { maxUnavailable: "150%" } }, 400, /maxUnavailable/],
      [
        { ...base, strategy: { maintenanceWindows: [{ start: "01:00", end: "02:00", timezone: "Mars/Olympus" }] } },
        400,
        /maintenanceWindows\[0\]\.timezone/,
      ],
      [{ ...base, fleetId: "fleet_nope" }, 400, /unknown fleet/],
      [{ ...base, target: { kind: "release", releaseId: "rel_nope" } }, 400, /unknown release/],
    ];
    for (const [body, status, error] of cases) {
      const res = await post(body);
      expect(res.status).toBe(status);
      expect(res.body.error).toMatch(error);
    }
    await publish("val", "2026.03.01");
    const stale = await post(base);
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatch(/not the current release/);
    const other = await createTenant(t, "rollout-other");
    expect((await t.api.post("/api/v1/rollouts", base, other.key)).status).toBe(400); // not their fleet
  });

  test("three batches, never more than maxUnavailable hosts updating at once", async () => {
    const { sims, fleetId } = await fleetOf("three", 9);
    const releaseId = await publish("three", "2026.04.01");
    const created = await t.api.post(
      "/api/v1/rollouts",
      {
        name: "three batches",
        fleetId,
        target: { kind: "release", releaseId },
        strategy: { batches: { sizes: [3] }, maxUnavailable: 2 },
      },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    const done = await until(created.body.id, (r) => r.status === "completed");
    expect(done.batchCount).toBe(3);
    expect(done.hosts).toMatchObject({ total: 9, succeeded: 9, failed: 0 });
    const hosts = await hostsOf(created.body.id);
    expect(maxConcurrent(hosts)).toBeLessThanOrEqual(2);
    // Batch b+1 starts only after every host of batch b finished.
    for (const b of [1, 2]) {
      const lastOfPrevious = Math.max(...hosts.filter((h) => h.batch === b - 1).map((h) => Date.parse(h.finishedAt!)));
      const firstOfThis = Math.min(...hosts.filter((h) => h.batch === b).map((h) => Date.parse(h.startedAt)));
      expect(firstOfThis).toBeGreaterThanOrEqual(lastOfPrevious);
    }
    expect(sims.every((s) => s.version === "2026.04.01")).toBe(true);
    const fleet = (await t.api.get(`/api/v1/fleets/${fleetId}/hosts`, t.adminKey)).body.items;
    expect(fleet.every((h: { agentVersion: string }) => h.agentVersion === "2026.04.01")).toBe(true);
    const types = (await history(created.body.id)).map((e) => e.type);
    expect(types.filter((x) => x === "batch_started")).toHaveLength(3);
    expect(types.at(-1)).toBe("completed");
  }, 60_000);

  test("a failing batch pauses the rollout at the failure threshold; abort skips the rest", async () => {
    const { sims, fleetId } = await fleetOf("fail", 12);
    // Hosts are batched by name: batch 1 is hosts 4..7; three of them fail.
    for (const i of [4, 5, 6]) sims[i]!.behaviour = "fail";
    const releaseId = await publish("fail", "2026.05.01");
    const created = await t.api.post(
      "/api/v1/rollouts",
      {
        name: "failing",
        fleetId,
        target: { kind: "release", releaseId },
        strategy: { batches: { sizes: [4] }, failureThreshold: 2 },
      },
      t.adminKey,
    );
    const id = created.body.id;
    const paused = await until(id, (r) => r.status === "paused");
    expect(paused.reason).toMatch(/failure threshold reached/);
    expect(paused.currentBatch).toBe(1);
    expect(paused.hosts.failed).toBeGreaterThanOrEqual(2);
    // The tenant's people are told (notifications, and through them the chat bots).
    const notice = await waitFor("the rollout.paused notification", async () => {
      const list = await t.api.get<{ items: { kind: string; title: string; body: string }[] }>(
        "/api/web/notifications?limit=100",
        t.adminKey,
      );
      return list.body.items.find((n) => n.kind === "rollout.paused" && n.title === "Rollout failing paused");
    });
    expect(notice.body).toMatch(/failure threshold reached/);
    // Batch 2 never started.
    await Bun.sleep(500);
    expect(sims.slice(8).every((s) => s.received.length === 0)).toBe(true);
    expect(sims.slice(0, 4).every((s) => s.version === "2026.05.01")).toBe(true);

    expect((await t.api.post(`/api/v1/rollouts/${id}/pause`, {}, t.adminKey)).status).toBe(409);
    const aborted = await t.api.post(`/api/v1/rollouts/${id}/abort`, { reason: "bad release" }, t.adminKey);
    expect(aborted.status).toBe(200);
    expect(aborted.body.status).toBe("aborted");
    const settled = await until(id, (r) => r.hosts.pending === 0 && r.hosts.updating === 0);
    // Batch 1 was started as a whole (no budget): its hosts finished; batch 2 never started.
    expect(settled.hosts).toMatchObject({ succeeded: 5, failed: 3, skipped: 4 });
    expect((await hostsOf(id)).filter((h) => h.status === "skipped").every((h) => h.batch === 2)).toBe(true);
    expect((await t.api.post(`/api/v1/rollouts/${id}/resume`, {}, t.adminKey)).status).toBe(409);
    expect(sims.slice(8).every((s) => s.received.length === 0)).toBe(true);
    // Already-updated hosts stay updated.
    expect(sims.slice(0, 4).every((s) => s.version === "2026.05.01")).toBe(true);
    expect((await history(id)).map((e) => e.type)).toContain("aborted");
  }, 60_000);

  test("abort cancels updates not yet started", async () => {
    const { sims, fleetId } = await fleetOf("abort", 3);
    for (const s of sims) s.behaviour = "ignore";
    const releaseId = await publish("abort", "2026.06.01");
    const id = (
      await t.api.post(
        "/api/v1/rollouts",
        { name: "abort", fleetId, target: { kind: "release", releaseId }, strategy: { batches: { sizes: [3] } } },
        t.adminKey,
      )
    ).body.id;
    await until(id, (r) => r.hosts.updating === 3);
    await waitFor("commands delivered", async () => sims.every((s) => s.received.length === 1));
    await t.api.post(`/api/v1/rollouts/${id}/abort`, {}, t.adminKey);
    const r = await until(id, (x) => x.hosts.skipped === 3);
    expect(r.status).toBe("aborted");
    for (const s of sims) {
      const cmd = (await t.api.get(`/api/v1/commands/${s.received[0]}`, t.adminKey)).body;
      expect(cmd.status).toBe("cancelled");
    }
    expect(sims.every((s) => s.version === "2026.01.01")).toBe(true);
  }, 60_000);

  test("a maintenance window defers the start; inside one the rollout starts", async () => {
    const { sims, fleetId } = await fleetOf("window", 2);
    const releaseId = await publish("window", "2026.07.01");
    const now = new Date();
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const later = {
      start: hhmm(new Date(now.getTime() + 2 * 3600_000)),
      end: hhmm(new Date(now.getTime() + 3 * 3600_000)),
    };
    const id = (
      await t.api.post(
        "/api/v1/rollouts",
        { name: "later", fleetId, target: { kind: "release", releaseId }, strategy: { maintenanceWindows: [later] } },
        t.adminKey,
      )
    ).body.id;
    const deferred = await until(id, (r) => r.waiting === "window");
    expect(deferred.status).toBe("pending");
    await Bun.sleep(500);
    expect((await get(id)).status).toBe("pending");
    expect(sims.every((s) => s.received.length === 0)).toBe(true);
    expect((await history(id)).some((e) => /deferred/.test(e.message))).toBe(true);
    await t.api.post(`/api/v1/rollouts/${id}/abort`, {}, t.adminKey);

    // The same in Tokyo time, covering now: it starts and completes.
    const tokyo = new Date(now.getTime() + 9 * 3600_000);
    const covering = {
      start: hhmm(new Date(tokyo.getTime() - 3600_000)),
      end: hhmm(new Date(tokyo.getTime() + 3600_000)),
      timezone: "Asia/Tokyo",
    };
    const id2 = (
      await t.api.post(
        "/api/v1/rollouts",
        { name: "now", fleetId, target: { kind: "release", releaseId }, strategy: { maintenanceWindows: [covering] } },
        t.adminKey,
      )
    ).body.id;
    await until(id2, (r) => r.status === "completed");
    expect(sims.every((s) => s.version === "2026.07.01")).toBe(true);
  }, 60_000);

  test("an offline host counts against the budget and is updated when it is back; approval between batches", async () => {
    const { sims, fleetId } = await fleetOf("offline", 4);
    const mqttUrl = t.plane.transport.mqttUrl;
    const gone = sims[3]!;
    await disconnectSimAgent(mqttUrl, gone);
    await waitFor(
      "host offline",
      async () => (await t.api.get(`/api/v1/hosts/${gone.hostId}`, t.adminKey)).body.status === "offline",
    );
    const releaseId = await publish("offline", "2026.08.01");
    const id = (
      await t.api.post(
        "/api/v1/rollouts",
        {
          name: "offline",
          fleetId,
          target: { kind: "release", releaseId },
          strategy: { batches: { sizes: [2] }, maxUnavailable: 2, requireApproval: true },
        },
        t.adminKey,
      )
    ).body.id;
    const first = await until(id, (r) => r.awaitingApproval === true);
    expect(first.hosts.succeeded).toBe(2);
    expect(maxConcurrent((await hostsOf(id)).filter((h) => h.finishedAt))).toBe(1); // the offline host took one slot
    expect(sims[2]!.received).toHaveLength(0);
    expect((await t.api.post(`/api/v1/rollouts/${id}/approve`, {}, t.adminKey)).status).toBe(200);
    // Batch 1: host 2 updates; host 3 waits offline, counted against the budget.
    const waiting = await until(id, (r) => r.waiting === "hosts" && r.hosts.updating === 0);
    expect(waiting.hosts).toMatchObject({ succeeded: 3, pending: 1 });
    expect(gone.received).toHaveLength(0);
    await connectSimAgent(t.api, mqttUrl, gone);
    const done = await until(id, (r) => r.status === "completed");
    expect(done.hosts).toMatchObject({ succeeded: 4, failed: 0 });
    expect(gone.version).toBe("2026.08.01");
    expect((await t.api.post(`/api/v1/rollouts/${id}/approve`, {}, t.adminKey)).status).toBe(409);
  }, 60_000);

  test("rollout targets: a policy set and an app manifest version are validated; manifests are stored, versioned, validated", async () => {
    const { fleetId } = await fleetOf("targets", 1);
    const policy = (
      await t.api.post("/api/v1/safety-policies", { name: "targets-p", rules: { deniedKinds: ["exec"] } }, t.adminKey)
    ).body;
    const post = (target: object) => t.api.post("/api/v1/rollouts", { name: "r", fleetId, target }, t.adminKey);
    // App manifests: validated with the agent's own parser, versions count up per app, tenant-scoped.
    const manifest = "version: 1\napps:\n  web:\n    start: sleep 1000\n";
    const v1 = await t.api.post("/api/v1/app-manifests", { app: "vision", manifest }, t.adminKey);
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ app: "vision", version: 1, apps: ["web"] });
    const v2 = await t.api.post("/api/v1/app-manifests", { app: "vision", manifest }, t.adminKey);
    expect(v2.body.version).toBe(2);
    expect((await t.api.get(`/api/v1/app-manifests/${v2.body.id}`, t.adminKey)).body.manifest).toBe(manifest);
    const listed = (await t.api.get("/api/v1/app-manifests?app=vision", t.adminKey)).body.items;
    expect(listed.map((m: { version: number }) => m.version)).toEqual([2, 1]);
    const badManifests: [object, RegExp][] = [
      [{ app: "vision", manifest: "apps: [" }, /not valid YAML/],
      [
        { app: "vision", manifest: "version: 1\napps:\n  w:\n    start: x\n    dependsOn: [db]\n" },
        /apps\.w\.dependsOn: unknown app "db"/,
      ],
      [{ app: "Bad Name", manifest }, /app/],
      [{ app: "vision", manifest: "" }, /manifest/],
      [{ app: "vision", manifest, extra: 1 }, /./],
    ];
    for (const [body, error] of badManifests) {
      const res = await t.api.post("/api/v1/app-manifests", body, t.adminKey);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    const cases: [object, RegExp][] = [
      [{ kind: "app", app: "vision", version: 3 }, /unknown app manifest: vision version 3/],
      [{ kind: "app", app: "vision", version: "1" }, /./],
      [{ kind: "app", app: "nope", version: 1 }, /unknown app manifest/],
      [{ kind: "policy_set", policyIds: ["pol_nope"] }, /unknown safety policy pol_nope/],
      [{ kind: "policy_set", policyIds: [policy.id, policy.id] }, /duplicate/],
      [{ kind: "policy_set", policyIds: [] }, /policyIds|target/],
      [{ kind: "policy_set", policyIds: [policy.id], releaseId: "x" }, /./],
    ];
    for (const [target, error] of cases) {
      const res = await post(target);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatch(error);
    }
    const other = await createTenant(t, "targets-other");
    const foreign = await t.api.post(
      "/api/v1/rollouts",
      { name: "r", fleetId, target: { kind: "policy_set", policyIds: [policy.id] } },
      other.key,
    );
    expect(foreign.status).toBe(400); // neither the fleet nor the policy is theirs
    expect((await t.api.get(`/api/v1/app-manifests/${v1.body.id}`, other.key)).status).toBe(404);
    expect((await t.api.get("/api/v1/app-manifests?app=vision", other.key)).body.items).toEqual([]);
    const created = await t.api.post(
      "/api/v1/rollouts",
      { name: "vision", fleetId, target: { kind: "app", app: "vision", version: 2 } },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    expect(created.body.target).toMatchObject({ kind: "app", app: "vision", version: 2, manifestId: v2.body.id });
    expect((await t.api.post(`/api/v1/rollouts/${created.body.id}/abort`, {}, t.adminKey)).status).toBe(200);
    expect(
      (await t.api.get("/api/v1/rollouts?limit=200", t.adminKey)).body.items.map((r: { name: string }) => r.name),
    ).not.toContain("r");
  });

  test("a safety-policy set rolls out in batches; a host is done only once its agent enforces the set", async () => {
    const { sims, fleetId } = await fleetOf("policy", 6);
    // Host 3 (batch 1) never acknowledges a policy set: it must never count as done.
    sims[3]!.policyBehaviour = "ignore";
    const policy = (
      await t.api.post("/api/v1/safety-policies", { name: "policy-p", rules: { deniedKinds: ["exec"] } }, t.adminKey)
    ).body;
    const created = await t.api.post(
      "/api/v1/rollouts",
      {
        name: "tighten",
        fleetId,
        target: { kind: "policy_set", policyIds: [policy.id] },
        strategy: { batches: { sizes: [3] }, maxUnavailable: 2, hostTimeoutSeconds: 10 },
      },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    expect(created.body.target).toMatchObject({ kind: "policy_set", policyIds: [policy.id], names: ["policy-p"] });
    const id = created.body.id;
    // Batch 0 done; batch 1 has host 3 assigned but unacknowledged: updating (later failed), never succeeded.
    await until(id, (r) => r.currentBatch === 1 && r.hosts.succeeded === 5, 60_000);
    const h3 = (await hostsOf(id)).find((h) => h.hostId === sims[3]!.hostId)!;
    expect(["updating", "failed"]).toContain(h3.status);
    for (const [i, s] of sims.entries()) {
      const view = (await t.api.get(`/api/v1/hosts/${s.hostId}`, t.adminKey)).body;
      if (i === 3) {
        expect(s.policies?.ids ?? []).not.toContain(policy.id); // it may have acknowledged the empty set before
        // Its new desired version is set by the delivery that follows the step's commit: it moves past what the
        // agent enforces, and never back.
        const lagging = await waitFor("host 3's desired policy version to move past what it enforces", async () => {
          const v = (await t.api.get(`/api/v1/hosts/${s.hostId}`, t.adminKey)).body;
          return v.policy.enforced !== v.policy.desired ? v : undefined;
        });
        expect(lagging.policy.desired).toBeGreaterThan(lagging.policy.enforced ?? 0);
      } else {
        // What the API shows done is what the agent acknowledged: the set with the policy, at the desired version.
        expect(s.policies!.ids).toContain(policy.id);
        expect(view.policy.enforced).toBe(view.policy.desired);
        expect(s.policies!.version).toBe(view.policy.desired);
      }
    }
    expect(maxConcurrent((await hostsOf(id)).filter((h) => h.finishedAt))).toBeLessThanOrEqual(2);
    // Past the host timeout the silent host fails, and the failure threshold (1) pauses the rollout.
    const paused = await until(id, (r) => r.status === "paused", 60_000);
    expect(paused.reason).toMatch(/failure threshold/);
    expect(paused.hosts).toMatchObject({ succeeded: 5, failed: 1 });
    const failed = (await hostsOf(id)).find((h) => h.hostId === sims[3]!.hostId) as Interval & { error: string };
    expect(failed.error).toMatch(/did not acknowledge/);
    const types = (await history(id)).map((e) => e.type);
    expect(types.filter((x) => x === "host_succeeded")).toHaveLength(5);
    expect(types).toContain("paused");
  }, 150_000);

  test("abort with rollback: each updated host gets its previous own policy set back, acknowledged by its agent", async () => {
    const { sims, fleetId } = await fleetOf("rollback", 4);
    const p1 = (
      await t.api.post("/api/v1/safety-policies", { name: "rb-first", rules: { deniedKinds: ["exec"] } }, t.adminKey)
    ).body;
    const p2 = (
      await t.api.post("/api/v1/safety-policies", { name: "rb-second", rules: { deniedKinds: ["shell"] } }, t.adminKey)
    ).body;
    // Hosts 0 and 2 get p1 first (their previous set); hosts 1 and 3 had none of their own.
    await t.api.request("PATCH", `/api/v1/hosts/${sims[0]!.hostId}/labels`, {
      token: t.adminKey,
      body: { labels: { first: "yes" } },
    });
    await t.api.request("PATCH", `/api/v1/hosts/${sims[2]!.hostId}/labels`, {
      token: t.adminKey,
      body: { labels: { first: "yes" } },
    });
    const firstFleet = (
      await t.api.post(
        "/api/v1/fleets",
        { name: "rollback-first", selector: { matchLabels: { group: "rollback", first: "yes" } } },
        t.adminKey,
      )
    ).body;
    const first = (
      await t.api.post(
        "/api/v1/rollouts",
        { name: "first", fleetId: firstFleet.id, target: { kind: "policy_set", policyIds: [p1.id] } },
        t.adminKey,
      )
    ).body;
    await until(first.id, (r) => r.status === "completed", 60_000);
    // The second rollout: batch 0 = hosts 0 and 1 (by name), then it waits for approval; hosts 2 and 3 never start.
    const second = (
      await t.api.post(
        "/api/v1/rollouts",
        {
          name: "second",
          fleetId,
          target: { kind: "policy_set", policyIds: [p2.id] },
          strategy: { batches: { sizes: [2] }, maxUnavailable: 2, requireApproval: true, hostTimeoutSeconds: 30 },
        },
        t.adminKey,
      )
    ).body;
    await until(second.id, (r) => r.awaitingApproval && r.hosts.succeeded === 2, 60_000);
    const batch0 = (await hostsOf(second.id)).filter((h) => h.status === "succeeded").map((h) => h.hostId);
    expect(batch0.sort()).toEqual([sims[0]!.hostId, sims[1]!.hostId].sort());
    for (const hostId of batch0) expect(sims.find((x) => x.hostId === hostId)!.policies!.ids).toContain(p2.id);

    const aborted = await t.api.post(`/api/v1/rollouts/${second.id}/abort`, { rollback: true }, t.adminKey);
    expect(aborted.status).toBe(200);
    expect(aborted.body).toMatchObject({ status: "aborted", rollback: true });
    // Rolled back only once the agents acknowledged their restored sets.
    const items = await waitFor(
      "rollbacks acknowledged",
      async () => {
        const hs = (await t.api.get(`/api/v1/rollouts/${second.id}/hosts?limit=100`, t.adminKey)).body.items as {
          hostId: string;
          status: string;
          rollback: string | null;
        }[];
        return hs.filter((h) => h.rollback === "done").length === 2 ? hs : undefined;
      },
      60_000,
    );
    for (const h of items) {
      if (batch0.includes(h.hostId)) expect(h).toMatchObject({ status: "succeeded", rollback: "done" });
      else expect(h).toMatchObject({ status: "skipped", rollback: null });
    }
    // Host 0 enforces p1 again (its set before), host 1 no set of its own any more; both acknowledged.
    const [h0, h1] = [sims[0]!, sims[1]!];
    expect(h0.policies!.ids).toContain(p1.id);
    expect(h0.policies!.ids).not.toContain(p2.id);
    expect(h1.policies!.ids).not.toContain(p2.id);
    expect(h1.policies!.ids).not.toContain(p1.id);
    for (const s of [h0, h1]) {
      const view = (await t.api.get(`/api/v1/hosts/${s.hostId}`, t.adminKey)).body;
      expect(view.policy.enforced).toBe(view.policy.desired);
      expect(s.policies!.version).toBe(view.policy.desired);
    }
    // Hosts 2 and 3 were never touched: host 2 keeps p1.
    expect(sims[2]!.policies!.ids).toContain(p1.id);
    const types = (await history(second.id)).map((e) => e.type);
    expect(types.filter((x) => x === "host_rollback_started")).toHaveLength(2);
    expect(types.filter((x) => x === "host_rolled_back")).toHaveLength(2);
    // Settled: nothing in flight; a second abort is refused.
    expect((await t.api.post(`/api/v1/rollouts/${second.id}/abort`, { rollback: true }, t.adminKey)).status).toBe(409);
  }, 150_000);

  test("a release rollout cannot be aborted with rollback (409); a bad abort body is 400", async () => {
    const { fleetId } = await fleetOf("norollback", 1);
    const releaseId = await publish("norollback", "2031.01.01");
    const created = await t.api.post(
      "/api/v1/rollouts",
      {
        name: "r",
        fleetId,
        target: { kind: "release", releaseId },
        // Deferred (a window hours away): it never starts.
        strategy: {
          maintenanceWindows: [
            {
              start: new Date(Date.now() + 2 * 3600_000).toISOString().slice(11, 16),
              end: new Date(Date.now() + 3 * 3600_000).toISOString().slice(11, 16),
            },
          ],
        },
      },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    const refused = await t.api.post(`/api/v1/rollouts/${created.body.id}/abort`, { rollback: true }, t.adminKey);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/cannot be rolled back/);
    for (const body of [{ rollback: "yes" }, { rollback: true, extra: 1 }]) {
      const bad = await t.api.post(`/api/v1/rollouts/${created.body.id}/abort`, body, t.adminKey);
      expect(bad.status).toBe(400);
      expect(typeof bad.body.error).toBe("string");
    }
    expect((await t.api.post(`/api/v1/rollouts/${created.body.id}/abort`, {}, t.adminKey)).status).toBe(200);
  }, 60_000);
});
