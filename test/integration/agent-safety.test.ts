/**
 * Safety semantics end to end with real agent processes: emergency stop (remote, latched across restarts, local
 * without the control plane), command deadlines, and the policy version each agent enforces.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { hosts } from "../../control-plane/src/db/schema";
import { AgentProcess, stopAllAgents } from "../support/agent-process";
import { availableBackends, mqttReachable, postgresReachable, TEST_MQTT_URL } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { agentFor, commandFinished, hostOnline, policedEnvironment } from "../support/runtime";
import { startTcpProxy } from "../support/tcp-proxy";
import { waitFor } from "../support/wait";

const backends = await availableBackends();
const setups = [{ label: "PGlite + embedded broker", backend: backends[0]!, external: false }];
if ((await postgresReachable()) && (await mqttReachable()))
  setups.push({ label: "PostgreSQL + Mosquitto", backend: backends[1]!, external: true });

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.each(setups)("safety with $label", ({ backend, external }) => {
  let t: TestPlane;
  let key: string;
  let envId: string;

  beforeAll(async () => {
    t = await startTestPlane(backend, {
      ...(external ? { mqttUrl: TEST_MQTT_URL } : {}),
      safetySweepMs: 100,
      commandDeadlineGraceMs: 500,
      policyLagSeconds: 1,
    });
    key = t.adminKey;
    envId = await policedEnvironment(t, "safety", { exec: { allowedCommands: ["sh", "echo"] } });
  });
  afterEach(() => stopAllAgents());
  afterAll(() => t?.stop());

  const command = (hostId: string, kind: string, params: object, extra: object = {}) =>
    t.api.post("/api/v1/commands", { hostId, kind, params, ...extra }, key);
  const host = async (id: string) => (await t.api.get(`/api/v1/hosts/${id}`, key)).body;
  const estopState = (id: string, state: string) =>
    waitFor(`estop ${state} on ${id}`, async () => {
      const h = await host(id);
      return h.estop.state === state ? h.estop : undefined;
    });
  /** A command writing its shell pid, then sleeping: returns the pid once it runs. */
  const longRunning = async (hostId: string, dir: string) => {
    const pidFile = join(dir, `pid-${crypto.randomUUID()}`);
    const created = (await command(hostId, "exec", { command: "sh", args: ["-c", `echo $$ > '${pidFile}'; sleep 60`] }))
      .body;
    await waitFor(
      "the long command to start",
      async () => existsSync(pidFile) && readFileSync(pidFile, "utf8").trim() !== "",
    );
    return { id: created.id as string, pid: Number(readFileSync(pidFile, "utf8").trim()) };
  };

  test("e-stop kills running work, refuses new commands, stays latched across a restart; only a reset restores", async () => {
    const { host: h, agent, identity } = await agentFor(t, envId, "estop");
    agent.start();
    await hostOnline(t, h.id);
    // the agent reports its (released) latch on connect: acknowledged, never merely requested
    expect((await estopState(h.id, "released")).requested).toBeNull();
    const running = await longRunning(h.id, agent.stateDir);

    const stop = await t.api.post("/api/v1/estop", { scope: { hostId: h.id }, reason: "person in the cell" }, key);
    expect(stop.status).toBe(202);
    expect(stop.body.hosts).toBe(1);
    expect(stop.body.items[0].estop.requested).toBe("engaged");
    const engaged = await estopState(h.id, "engaged");
    expect(engaged.remote).toBe(true);
    expect(engaged.killed).toBe(1);
    expect(engaged.latencyMs).toBeGreaterThanOrEqual(0);
    expect(engaged.requestedBy).toBeTruthy();
    // acknowledged means killed: the process group is gone and the command is failed, not completed
    expect(alive(running.pid)).toBe(false);
    const killed = await commandFinished(t, running.id);
    expect(killed.status).toBe("failed");
    expect(killed.error).toContain("emergency stop");

    const refused = await commandFinished(t, (await command(h.id, "exec", { command: "echo", args: ["no"] })).body.id);
    expect(refused.status).toBe("failed");
    expect(refused.error).toContain("emergency stop");
    expect(refused.startedAt).toBeNull();

    // restart: the latch comes from the agent's own state, before any message arrives
    await agent.stop({ keepState: true });
    const restarted = new AgentProcess({
      apiUrl: t.plane.url,
      mqttUrl: t.plane.transport.mqttUrl,
      runtimeId: identity.runtimeId,
      stateDir: agent.stateDir,
    }).start();
    await restarted.waitForOutput(/emergency stop \(remote: person in the cell\) is latched/);
    await hostOnline(t, h.id);
    const afterRestart = await commandFinished(
      t,
      (await command(h.id, "exec", { command: "echo", args: ["still no"] })).body.id,
    );
    expect(afterRestart.status).toBe("failed");
    expect(afterRestart.error).toContain("emergency stop");

    // reset: a reason is required; who and why are audited
    expect((await t.api.post("/api/v1/estop/reset", { scope: { hostId: h.id } }, key)).status).toBe(400);
    expect((await t.api.post("/api/v1/estop/reset", { scope: { hostId: h.id }, reason: "cell clear" })).status).toBe(
      401,
    );
    const reset = await t.api.post("/api/v1/estop/reset", { scope: { hostId: h.id }, reason: "cell clear" }, key);
    expect(reset.status).toBe(202);
    const released = await estopState(h.id, "released");
    expect(released.requested).toBe("released");
    const ok = await commandFinished(t, (await command(h.id, "exec", { command: "echo", args: ["yes"] })).body.id);
    expect(ok.status).toBe("completed");
    const audit = (await t.api.get(`/api/v1/audit?hostId=${h.id}`, key)).body.items;
    expect(audit.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(["estop.engage", "estop.reset"]),
    );
    expect(audit.find((a: { action: string }) => a.action === "estop.reset").detail.reason).toBe("cell clear");
    await restarted.stop();
  });

  test("a stop for an offline host is pending, then delivered and acknowledged when it reconnects; scopes", async () => {
    const brokerUrl = new URL(t.plane.transport.mqttUrl);
    const proxy = await startTcpProxy(brokerUrl.hostname, Number(brokerUrl.port));
    try {
      const { host: h, agent } = await agentFor(t, envId, "offline-stop", {
        mqttUrl: `mqtt://127.0.0.1:${proxy.port}`,
      });
      agent.start();
      await hostOnline(t, h.id);
      proxy.cut();
      await waitFor("host offline", async () => (await host(h.id)).status === "offline", 10_000);
      // a selector over the environment: this host (and others of the environment)
      const stop = await t.api.post(
        "/api/v1/estop",
        { scope: { selector: { environmentId: envId } }, reason: "fleet stop" },
        key,
      );
      expect(stop.status).toBe(202);
      expect(stop.body.items.map((i: { hostId: string }) => i.hostId)).toContain(h.id);
      await Bun.sleep(500);
      expect((await host(h.id)).estop.state).toBe("pending");
      proxy.restore();
      const engaged = await estopState(h.id, "engaged");
      expect(engaged.remote).toBe(true);
      await t.api.post("/api/v1/estop/reset", { scope: { tenant: true }, reason: "all clear" }, key);
      await estopState(h.id, "released");
      // bad scopes
      expect((await t.api.post("/api/v1/estop", { scope: { hostId: "host_nope" }, reason: "x" }, key)).status).toBe(
        404,
      );
      expect((await t.api.post("/api/v1/estop", { scope: { selector: {} }, reason: "x" }, key)).status).toBe(400);
      expect((await t.api.post("/api/v1/estop", { scope: { everything: true }, reason: "x" }, key)).status).toBe(400);
    } finally {
      await proxy.close();
    }
  });

  test.if(external)(
    "another installation on the same broker (its own database) takes none of this one's agent messages",
    async () => {
      const other = await startTestPlane(backend, { mqttUrl: TEST_MQTT_URL });
      try {
        const { host: h, agent } = await agentFor(t, envId, "neighbour");
        agent.start();
        await hostOnline(t, h.id);
        const ids: string[] = [];
        for (let i = 0; i < 6; i++)
          ids.push((await command(h.id, "exec", { command: "echo", args: [String(i)] })).body.id);
        for (const id of ids) expect((await commandFinished(t, id)).status).toBe("completed");
        expect(
          (await t.api.post("/api/v1/estop", { scope: { hostId: h.id }, reason: "neighbour check" }, key)).status,
        ).toBe(202);
        await estopState(h.id, "engaged");
      } finally {
        await other.stop();
      }
    },
  );

  test("with MQTT cut, the stop still travels over the agent's gRPC session and is acknowledged there", async () => {
    const brokerUrl = new URL(t.plane.transport.mqttUrl);
    const proxy = await startTcpProxy(brokerUrl.hostname, Number(brokerUrl.port));
    try {
      const { host: h, agent } = await agentFor(t, envId, "grpc-stop", {
        mqttUrl: `mqtt://127.0.0.1:${proxy.port}`,
        env: { EDGE_GRPC_URL: `127.0.0.1:${t.plane.transport.grpc.port}` },
      });
      agent.start();
      await hostOnline(t, h.id);
      await agent.waitForOutput(/gRPC session up/);
      const running = await longRunning(h.id, agent.stateDir);
      proxy.cut();
      await waitFor("host offline (MQTT presence)", async () => (await host(h.id)).status === "offline", 10_000);
      expect((await t.api.post("/api/v1/estop", { scope: { hostId: h.id }, reason: "session only" }, key)).status).toBe(
        202,
      );
      const engaged = await estopState(h.id, "engaged");
      expect(engaged.killed).toBe(1);
      expect(alive(running.pid)).toBe(false);
      expect((await commandFinished(t, running.id)).error).toContain("emergency stop");
    } finally {
      await proxy.close();
    }
  });

  test("local stop works with the control plane unreachable; a remote reset does not release it, removing the file does", async () => {
    const brokerUrl = new URL(t.plane.transport.mqttUrl);
    const proxy = await startTcpProxy(brokerUrl.hostname, Number(brokerUrl.port));
    try {
      const { host: h, agent } = await agentFor(t, envId, "local-stop", { mqttUrl: `mqtt://127.0.0.1:${proxy.port}` });
      agent.start();
      await hostOnline(t, h.id);
      const running = await longRunning(h.id, agent.stateDir);
      proxy.cut();
      const estopFile = join(agent.stateDir, "ESTOP");
      writeFileSync(estopFile, "operator pressed the stop\n");
      await waitFor("the process to be killed", async () => !alive(running.pid), 5_000);
      proxy.restore();
      const engaged = await estopState(h.id, "engaged");
      expect(engaged.local).toBe(true);
      expect(engaged.remote).toBe(false);
      expect(engaged.localReason).toBe("operator pressed the stop");
      const killed = await commandFinished(t, running.id);
      expect(killed.status).toBe("failed");
      expect(killed.error).toContain("local: operator pressed the stop");

      await t.api.post("/api/v1/estop/reset", { scope: { hostId: h.id }, reason: "remote reset" }, key);
      const stillStopped = await waitFor("reset acknowledged", async () => {
        const e = (await host(h.id)).estop;
        return e.state !== "pending" && e.requested === "released" ? e : undefined;
      });
      expect(stillStopped.state).toBe("engaged");
      expect(stillStopped.local).toBe(true);
      expect(
        (await commandFinished(t, (await command(h.id, "exec", { command: "echo", args: ["no"] })).body.id)).error,
      ).toContain("emergency stop");

      rmSync(estopFile);
      await estopState(h.id, "released");
      expect(
        (await commandFinished(t, (await command(h.id, "exec", { command: "echo", args: ["ok"] })).body.id)).status,
      ).toBe("completed");

      // SIGUSR1 creates the file: same local stop
      agent.signal("SIGUSR1");
      await waitFor("ESTOP file from SIGUSR1", async () => existsSync(estopFile));
      expect((await estopState(h.id, "engaged")).local).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  test("a command whose deadline passed while the agent was offline never runs and is expired", async () => {
    const brokerUrl = new URL(t.plane.transport.mqttUrl);
    const proxy = await startTcpProxy(brokerUrl.hostname, Number(brokerUrl.port));
    try {
      const { host: h, agent } = await agentFor(t, envId, "deadline", { mqttUrl: `mqtt://127.0.0.1:${proxy.port}` });
      agent.start();
      await hostOnline(t, h.id);
      const marker = join(agent.stateDir, "ran");
      const run = (extra: object) =>
        command(h.id, "exec", { command: "sh", args: ["-c", `echo > '${marker}'`] }, extra);
      // validation
      expect((await run({ ttlSeconds: 5, notAfter: new Date(Date.now() + 5000).toISOString() })).status).toBe(400);
      expect((await run({ notAfter: new Date(Date.now() - 1000).toISOString() })).status).toBe(400);
      expect((await run({ notAfter: "tomorrow" })).status).toBe(400);
      expect((await run({ ttlSeconds: 0 })).status).toBe(400);

      proxy.cut();
      await waitFor("host offline", async () => (await host(h.id)).status === "offline", 10_000);
      const late = (await run({ ttlSeconds: 1 })).body;
      expect(late.notAfter).toBeTruthy();
      const expired = await waitFor("expired", async () => {
        const c = (await t.api.get(`/api/v1/commands/${late.id}`, key)).body;
        return c.status === "expired" ? c : undefined;
      });
      expect(expired.startedAt).toBeNull();
      expect(
        (await t.api.get(`/api/v1/commands?status=expired&hostId=${h.id}`, key)).body.items.map(
          (c: { id: string }) => c.id,
        ),
      ).toEqual([late.id]);
      proxy.restore();
      await hostOnline(t, h.id);
      const after = (await command(h.id, "exec", { command: "echo", args: ["after"] })).body.id;
      try {
        expect((await commandFinished(t, after, 20_000)).status).toBe("completed");
      } catch (e) {
        console.log(agent.output.slice(-6000));
        throw e;
      }
      expect(existsSync(marker)).toBe(false);
      // an expired command cannot be revived by an operator
      expect((await t.api.post(`/api/v1/commands/${late.id}/transition`, { status: "running" }, key)).status).toBe(409);
    } finally {
      await proxy.close();
    }
  });

  test("an agent report that it started a command (delayed past the grace) wins over the sweeper's expiry", async () => {
    const { host: h } = await agentFor(t, envId, "swept");
    expect((await host(h.id)).estop).toMatchObject({ state: "unknown", requested: null }); // no agent ever reported
    const [{ tenantId }] = await t.plane.database.db
      .select({ tenantId: hosts.tenantId })
      .from(hosts)
      .where(eq(hosts.id, h.id));
    const swept = (await command(h.id, "exec", { command: "echo" }, { ttlSeconds: 1 })).body;
    await waitFor(
      "swept",
      async () => (await t.api.get(`/api/v1/commands/${swept.id}`, key)).body.status === "expired",
    );
    const { commands } = t.plane.services;
    expect(await commands.applyAgentReport(tenantId, h.id, swept.id, { status: "running" })).toBe(true);
    const running = (await t.api.get(`/api/v1/commands/${swept.id}`, key)).body;
    expect(running).toMatchObject({ status: "running", error: null, finishedAt: null });
    expect(running.startedAt).toBeTruthy();
    expect(
      await commands.applyAgentReport(tenantId, h.id, swept.id, { status: "completed", result: { exitCode: 0 } }),
    ).toBe(true);
    expect((await t.api.get(`/api/v1/commands/${swept.id}`, key)).body.status).toBe("completed");
    // an agent's own EXPIRED report is final: nothing revives it
    const refused = (await command(h.id, "exec", { command: "echo" }, { ttlSeconds: 60 })).body;
    expect(
      await commands.applyAgentReport(tenantId, h.id, refused.id, {
        status: "expired",
        error: "expired: deadline passed",
      }),
    ).toBe(true);
    expect(await commands.applyAgentReport(tenantId, h.id, refused.id, { status: "running" })).toBe(false);
    expect((await t.api.get(`/api/v1/commands/${refused.id}`, key)).body.status).toBe("expired");
  });

  test("environment default deadline applies; the agent refuses a command delivered after its deadline", async () => {
    const env = (
      await t.api.post(
        "/api/v1/environments",
        { name: `ttl-${crypto.randomUUID().slice(0, 6)}`, config: { commandTtlSeconds: 1 }, safetyPolicyIds: [] },
        key,
      )
    ).body;
    expect(
      (await t.api.post("/api/v1/environments", { name: "bad-ttl", config: { commandTtlSeconds: -1 } }, key)).status,
    ).toBe(400);
    const { host: h, agent } = await agentFor(t, env.id, "late");
    agent.start();
    await hostOnline(t, h.id);
    const created = (await command(h.id, "sleep", { ms: 1 })).body;
    expect(new Date(created.notAfter).getTime() - new Date(created.createdAt).getTime()).toBe(1000);
    // no policy set on this environment's host yet? It has an empty set: the command runs well before its deadline
    expect((await commandFinished(t, created.id)).status).toBe("completed");
  });

  test("the policy version each agent enforces is visible, a lagging host is flagged (event trigger), commands record it", async () => {
    const policy = (
      await t.api.post(
        "/api/v1/safety-policies",
        { name: `lag-${crypto.randomUUID().slice(0, 6)}`, rules: { exec: { allowedCommands: ["echo"] } } },
        key,
      )
    ).body;
    const env = (
      await t.api.post(
        "/api/v1/environments",
        { name: `lag-${crypto.randomUUID().slice(0, 6)}`, safetyPolicyIds: [policy.id] },
        key,
      )
    ).body;
    const trigger = await t.api.post(
      "/api/v1/triggers",
      { name: "lag", kind: "event", event: "host.policy_lagging", task: { prompt: "check policy rollout" } },
      key,
    );
    expect(trigger.status).toBe(201);
    const brokerUrl = new URL(t.plane.transport.mqttUrl);
    const proxy = await startTcpProxy(brokerUrl.hostname, Number(brokerUrl.port));
    try {
      const { host: h, agent } = await agentFor(t, env.id, "policy-version", {
        mqttUrl: `mqtt://127.0.0.1:${proxy.port}`,
      });
      agent.start();
      await hostOnline(t, h.id);
      const first = await waitFor("policy enforced", async () => {
        const p = (await host(h.id)).policy;
        return p.enforced !== null && p.enforced === p.desired ? p : undefined;
      });
      expect(first.desired).toBeGreaterThanOrEqual(1);
      expect(first.since).toBeTruthy();
      expect(first.lagging).toBe(false);

      proxy.cut();
      await waitFor("host offline", async () => (await host(h.id)).status === "offline", 10_000);
      // tightening: applied at once (no approval needed), sent, but not acknowledged while offline
      expect(
        (await t.api.put(`/api/v1/safety-policies/${policy.id}`, { rules: { exec: { allowedCommands: [] } } }, key))
          .status,
      ).toBe(200);
      const lagging = await waitFor(
        "lag flagged",
        async () => {
          const p = (await host(h.id)).policy;
          return p.lagging ? p : undefined;
        },
        10_000,
      );
      expect(lagging.desired).toBe(first.desired + 1);
      expect(lagging.enforced).toBe(first.desired);
      const task = await waitFor("task from the host.policy_lagging trigger", async () => {
        // (other hosts of this tenant whose agents are gone lag too: find this one's)
        const items = (await t.api.get(`/api/v1/tasks?triggerId=${trigger.body.id}&limit=200`, key)).body.items;
        return items.find((task: { config: { event: { hostId: string } } }) => task.config.event.hostId === h.id);
      });
      expect(task.config.event).toMatchObject({ type: "host.policy_lagging", hostId: h.id });
      const stale = (await command(h.id, "exec", { command: "echo", args: ["x"] })).body;
      expect(stale.policyVersion).toEqual({ desired: first.desired + 1, enforced: first.desired });

      proxy.restore();
      const caughtUp = await waitFor("caught up", async () => {
        const p = (await host(h.id)).policy;
        return p.enforced === p.desired && !p.lagging ? p : undefined;
      });
      expect(caughtUp.enforced).toBe(first.desired + 1);
      // enforced by the new set: echo is no longer allowed
      expect((await commandFinished(t, stale.id)).error).toContain("refused by safety policy");
    } finally {
      await proxy.close();
    }
  });
});
