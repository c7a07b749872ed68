/**
 * A signed release rolled out to real agent processes in three batches within `maxUnavailable`: each agent verifies
 * the manifest, spends its per-batch grant, runs the scripts and reports the new version, exactly as for a single
 * update; the rollout never has more hosts updating at once than the budget allows. Then a safety-policy set rolled
 * out to the same agents: each host is done once its agent acknowledges enforcing the set, and the agents enforce it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents, type AgentProcess } from "../support/agent-process";
import { waitFor } from "../support/wait";
import { agentFor, policedEnvironment } from "../support/runtime";
import { generateKeyPair, sha256Hex, signManifest, type ReleaseManifest } from "../../proto/release";

const backends = await availableBackends();
/** Real agent processes per backend, a dozen (each is a Bun process; the machine has 2 cores); a multiple of 3. */
const AGENTS = Number(process.env.ROLLOUT_TEST_AGENTS ?? 12);
const VERSION = "2030.01.01";

describe.each(backends)("rollout to real agents on $name", (backend) => {
  let t: TestPlane;
  const key = generateKeyPair();
  const agents: { hostId: string; agent: AgentProcess; installDir: string }[] = [];

  beforeAll(async () => {
    t = await startTestPlane(backend, { rolloutTickMs: 200 });
    await t.api.post("/api/v1/release-keys", { name: "rel", publicKey: key.publicKey }, t.adminKey);
    const envId = await policedEnvironment(t, "fleet", { allowedKinds: ["runtime.update", "echo"] });
    for (let i = 0; i < AGENTS; i++) {
      const { host, agent } = await agentFor(t, envId, `robot-${i}`, {
        // Status every 5 s (not the harness's 500 ms): a dozen agents' reports would otherwise keep PGlite's one thread
        // busy.
        env: {
          EDGE_UPDATE_PUBLIC_KEY: key.publicKey,
          EDGE_UPDATE_CHECK_INTERVAL_MS: "0",
          EDGE_STATUS_INTERVAL_MS: "5000",
        },
      });
      await t.api.request("PATCH", `/api/v1/hosts/${host.id}/labels`, {
        token: t.adminKey,
        body: { labels: { fleet: "robots", site: i % 2 ? "north" : "south" } },
      });
      const installDir = join(agent.stateDir, "install");
      mkdirSync(installDir, { recursive: true });
      writeFileSync(join(installDir, "app.txt"), "v1\n");
      agents.push({ hostId: host.id, agent: agent.start(), installDir });
    }
    // Started together on a busy 2-core machine: allow them a minute.
    for (const a of agents) {
      await waitFor(
        `agent of ${a.hostId} online`,
        async () => (await t.api.get(`/api/v1/hosts/${a.hostId}`, t.adminKey)).body.status === "online",
        60_000,
      ).catch((error) => {
        throw new Error(`${error.message}
${a.agent.output.slice(-3000)}`);
      });
    }
  }, 120_000);
  afterAll(async () => {
    await stopAllAgents();
    await t?.stop();
  });

  test(`${AGENTS} agents, three batches, at most one host updating at a time`, async () => {
    const body = `echo ${VERSION} > app.txt\n`;
    const path = `scripts/stable/${VERSION}/01.sh`;
    const manifest: ReleaseManifest = {
      channel: "stable",
      version: VERSION,
      notes: "fleet release",
      issuedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      scripts: [{ id: "patch", description: "patch", path, sha256: sha256Hex(body) }],
    };
    const release = await t.api.post(
      "/api/v1/releases",
      { signedManifest: signManifest(manifest, key.secretKey), scripts: [{ path, body }] },
      t.adminKey,
    );
    expect(release.status).toBe(201);
    const fleet = (
      await t.api.post("/api/v1/fleets", { name: "robots", selector: { matchLabels: { fleet: "robots" } } }, t.adminKey)
    ).body;
    const created = await t.api.post(
      "/api/v1/rollouts",
      {
        name: "robots to 2030",
        fleetId: fleet.id,
        target: { kind: "release", releaseId: release.body.id },
        strategy: { batches: { sizes: [AGENTS / 3] }, maxUnavailable: 1, healthWaitSeconds: 1 },
      },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    const done = await waitFor(
      "rollout completed",
      async () => {
        const r = (await t.api.get(`/api/v1/rollouts/${id}`, t.adminKey)).body;
        if (r.status === "paused" || r.status === "failed") throw new Error(`rollout ${r.status}: ${r.reason}`);
        return r.status === "completed" ? r : undefined;
      },
      540_000,
    ).catch(async (error) => {
      const r = (await t.api.get(`/api/v1/rollouts/${id}`, t.adminKey)).body;
      const events = (await t.api.get(`/api/v1/rollouts/${id}/events?limit=1000`, t.adminKey)).body.items;
      const trail = events.map(
        (e: { createdAt: string; type: string; message: string }) => `${e.createdAt} ${e.type} ${e.message}`,
      );
      throw new Error(
        `${error.message}: ${JSON.stringify(r)}\n${trail.join("\n")}\n${agents[0]!.agent.output.slice(-2000)}`,
      );
    });
    if (process.env.ROLLOUT_TEST_TRACE) {
      for (const e of (await t.api.get(`/api/v1/rollouts/${id}/events?limit=1000`, t.adminKey)).body.items)
        console.log(e.createdAt, e.type, e.hostId ?? "", e.message);
      for (const h of (await t.api.get(`/api/v1/rollouts/${id}/hosts?limit=100`, t.adminKey)).body.items) {
        const c = (await t.api.get(`/api/v1/commands/${h.commandId}`, t.adminKey)).body;
        console.log(h.hostId, c.createdAt, c.startedAt, c.finishedAt);
      }
    }
    expect(done.batchCount).toBe(3);
    expect(done.hosts).toMatchObject({ total: AGENTS, succeeded: AGENTS, failed: 0 });
    const hosts = (await t.api.get(`/api/v1/rollouts/${id}/hosts?limit=100`, t.adminKey)).body.items as {
      batch: number;
      startedAt: string;
      finishedAt: string;
      agentVersion: string;
    }[];
    // Never two hosts updating at once (maxUnavailable 1): the intervals are disjoint.
    const sorted = [...hosts].sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    for (let i = 1; i < sorted.length; i++)
      expect(Date.parse(sorted[i]!.startedAt)).toBeGreaterThanOrEqual(Date.parse(sorted[i - 1]!.finishedAt));
    expect(hosts.every((h) => h.agentVersion === VERSION)).toBe(true);
    // Each machine ran the signed script.
    for (const a of agents) expect(readFileSync(join(a.installDir, "app.txt"), "utf8")).toBe(`${VERSION}\n`);
    // One grant per host, issued by the rollout.
    const grants = (await t.api.get("/api/v1/audit?action=update.granted&limit=100", t.adminKey)).body.items;
    expect(grants.filter((g: { actor: string }) => g.actor === `rollout:${id}`)).toHaveLength(AGENTS);
  }, 600_000);

  test(`a safety-policy set reaches the ${AGENTS} agents batch by batch, and they enforce it`, async () => {
    const policy = await t.api.post(
      "/api/v1/safety-policies",
      { name: "freeze-updates", rules: { deniedKinds: ["runtime.update"] } },
      t.adminKey,
    );
    expect(policy.status).toBe(201);
    const fleet = (
      await t.api.post(
        "/api/v1/fleets",
        { name: "robots-p", selector: { matchLabels: { fleet: "robots" } } },
        t.adminKey,
      )
    ).body;
    const created = await t.api.post(
      "/api/v1/rollouts",
      {
        name: "freeze",
        fleetId: fleet.id,
        target: { kind: "policy_set", policyIds: [policy.body.id] },
        strategy: { batches: { sizes: ["50%"] }, maxUnavailable: 2, groupBy: ["site"] },
      },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    const done = await waitFor(
      "policy rollout completed",
      async () => {
        const r = (await t.api.get(`/api/v1/rollouts/${id}`, t.adminKey)).body;
        if (r.status === "paused" || r.status === "failed") throw new Error(`rollout ${r.status}: ${r.reason}`);
        return r.status === "completed" ? r : undefined;
      },
      120_000,
    );
    expect(done.batchCount).toBe(2);
    expect(done.hosts).toMatchObject({ total: AGENTS, succeeded: AGENTS, failed: 0 });
    for (const a of agents) {
      // Done means acknowledged: the agent enforces the very version last sent to it.
      const view = (await t.api.get(`/api/v1/hosts/${a.hostId}`, t.adminKey)).body;
      expect(view.policy.enforced).toBe(view.policy.desired);
    }
    // And it enforces it: the kind the new policy denies is refused by the agent (the environment allowed it).
    const cmd = await t.api.post(
      "/api/v1/commands",
      {
        hostId: agents[0]!.hostId,
        kind: "runtime.update",
        params: { grantToken: "g", channel: "stable", targetVersion: "2031.01.01" },
      },
      t.adminKey,
    );
    expect(cmd.status).toBe(201);
    const refused = await waitFor("command refused", async () => {
      const c = (await t.api.get(`/api/v1/commands/${cmd.body.id}`, t.adminKey)).body;
      return ["failed", "completed"].includes(c.status) ? c : undefined;
    });
    expect(refused.status).toBe("failed");
    expect(refused.error).toMatch(/denied/);
  }, 180_000);

  test(`abort with rollback: the ${AGENTS} agents get their previous policy set back and enforce it again`, async () => {
    // Before: every host's own set is [freeze-updates] (the previous test). This rollout replaces it with a set that
    // denies `echo`; batch 0 applies it, then the rollout waits for approval and is aborted with rollback.
    const deny = await t.api.post(
      "/api/v1/safety-policies",
      { name: "deny-echo", rules: { deniedKinds: ["echo"] } },
      t.adminKey,
    );
    expect(deny.status).toBe(201);
    const fleet = (
      await t.api.post(
        "/api/v1/fleets",
        { name: "robots-rb", selector: { matchLabels: { fleet: "robots" } } },
        t.adminKey,
      )
    ).body;
    const created = await t.api.post(
      "/api/v1/rollouts",
      {
        name: "deny echo",
        fleetId: fleet.id,
        target: { kind: "policy_set", policyIds: [deny.body.id] },
        strategy: { batches: { sizes: [2] }, maxUnavailable: 2, requireApproval: true, hostTimeoutSeconds: 60 },
      },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    const id = created.body.id;
    await waitFor(
      "batch 0 applied, waiting for approval",
      async () => {
        const r = (await t.api.get(`/api/v1/rollouts/${id}`, t.adminKey)).body;
        return r.awaitingApproval && r.hosts.succeeded === 2 ? r : undefined;
      },
      120_000,
    );
    const changed = (await t.api.get(`/api/v1/rollouts/${id}/hosts?status=succeeded`, t.adminKey)).body.items.map(
      (h: { hostId: string }) => h.hostId,
    ) as string[];
    expect(changed).toHaveLength(2);
    // The agent of a changed host refuses echo now.
    const echo = async (hostId: string) => {
      const cmd = await t.api.post("/api/v1/commands", { hostId, kind: "echo", params: { text: "hi" } }, t.adminKey);
      return waitFor("echo finished", async () => {
        const c = (await t.api.get(`/api/v1/commands/${cmd.body.id}`, t.adminKey)).body;
        return ["failed", "completed"].includes(c.status) ? c : undefined;
      });
    };
    const refused = await echo(changed[0]!);
    expect(refused.status).toBe("failed");
    expect(refused.error).toMatch(/denied/);

    const aborted = await t.api.post(`/api/v1/rollouts/${id}/abort`, { rollback: true }, t.adminKey);
    expect(aborted.status).toBe(200);
    await waitFor(
      "rollbacks acknowledged by the agents",
      async () => {
        const hs = (await t.api.get(`/api/v1/rollouts/${id}/hosts?limit=100`, t.adminKey)).body.items as {
          rollback: string | null;
        }[];
        return hs.filter((h) => h.rollback === "done").length === 2;
      },
      120_000,
    );
    for (const hostId of changed) {
      // Acknowledged: the agent enforces the version last sent, which holds the previous set again.
      const view = (await t.api.get(`/api/v1/hosts/${hostId}`, t.adminKey)).body;
      expect(view.policy.enforced).toBe(view.policy.desired);
    }
    // The agent enforces the restored set: echo runs again, runtime.update is still denied (freeze-updates).
    expect((await echo(changed[0]!)).status).toBe("completed");
    const types = (await t.api.get(`/api/v1/rollouts/${id}/events?limit=1000`, t.adminKey)).body.items.map(
      (e: { type: string }) => e.type,
    );
    expect(types.filter((x: string) => x === "host_rolled_back")).toHaveLength(2);
  }, 300_000);
});
