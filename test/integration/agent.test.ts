/**
 * End to end with real agent processes: a control plane, a broker (embedded aedes, and Mosquitto when
 * reachable), and `bun edge-agent/src/main.ts` processes talking MQTT to it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { availableBackends, mqttReachable, postgresReachable, TEST_MQTT_URL } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents } from "../support/agent-process";
import { waitFor } from "../support/wait";
import { agentFor, commandFinished, hostOnline, policedEnvironment } from "../support/runtime";
import { startTcpProxy } from "../support/tcp-proxy";

const backends = await availableBackends();
const setups = [{ label: "PGlite + embedded broker", backend: backends[0]!, external: false }];
if ((await postgresReachable()) && (await mqttReachable())) {
  setups.push({ label: "PostgreSQL + Mosquitto", backend: backends[1]!, external: true });
} else {
  console.warn("PostgreSQL or Mosquitto not reachable: agent tests run on the embedded broker only");
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(setups)("edge agent with $label", ({ backend, external }) => {
  let t: TestPlane;
  let key: string;
  let envId: string;

  beforeAll(async () => {
    t = await startTestPlane(backend, external ? { mqttUrl: TEST_MQTT_URL } : {});
    key = t.adminKey;
    envId = await policedEnvironment(t, "agent", {
      exec: { allowedCommands: ["echo", "sh"] },
      paramBounds: { speed: { max: 1.5 } },
      deniedKinds: ["echo"],
    });
  });
  afterEach(() => stopAllAgents());
  afterAll(() => t?.stop());

  const provision = (name: string, opts: { mqttUrl?: string; env?: Record<string, string> } = {}) =>
    agentFor(t, envId, name, opts);

  const hostStatus = async (id: string) => (await t.api.get(`/api/v1/hosts/${id}`, key)).body.status;
  const waitOnline = (id: string) => hostOnline(t, id);
  const command = (hostId: string, kind: string, params: object) =>
    t.api.post("/api/v1/commands", { hostId, kind, params }, key);
  const finished = (id: string, timeoutMs?: number) => commandFinished(t, id, timeoutMs);

  test("bootstrap exchange → connect → command executed → completed via REST, with status and telemetry", async () => {
    const { host, agent } = await provision("e2e");
    agent.start();
    await waitOnline(host.id);

    const created = await command(host.id, "exec", { command: "echo", args: ["hello", "$HOME"] });
    expect(created.status).toBe(201);
    const done = await finished(created.body.id);
    expect(done.status).toBe("completed");
    expect(done.result).toMatchObject({ exitCode: 0, stdout: "hello $HOME\n", timedOut: false }); // no shell expansion
    expect(done.startedAt).not.toBeNull();
    expect(done.finishedAt).not.toBeNull();

    const failing = await finished(
      (await command(host.id, "exec", { command: "sh", args: ["-c", "echo oops >&2; exit 3"] })).body.id,
    );
    expect(failing.status).toBe("failed");
    expect(failing.error).toContain("exit code 3");
    expect(failing.result).toMatchObject({ exitCode: 3, stderr: "oops\n" });

    const reported = await waitFor("a status report", async () => {
      const h = (await t.api.get(`/api/v1/hosts/${host.id}`, key)).body;
      return h.lastStatus ? h : undefined;
    });
    expect(reported.agentVersion).toMatch(/\d/);
    expect(reported.lastStatus.memoryTotalBytes).toBeGreaterThan(0);
    const points = await waitFor("telemetry", async () => {
      const items = (await t.api.get(`/api/v1/hosts/${host.id}/telemetry?name=agent.load1`, key)).body.items;
      return items.length ? items : undefined;
    });
    expect(points[0].value).toBeGreaterThanOrEqual(0);

    // 2 s after connecting, the agent process drops its executable's start-up pages; it runs on, policy gate included.
    const released = await agent.waitForOutput(/start-up pages released \((\d+) MiB/);
    expect(Number(released[1])).toBeGreaterThan(0);
    const after = await finished((await command(host.id, "exec", { command: "echo", args: ["after"] })).body.id);
    expect(after.result).toMatchObject({ exitCode: 0, stdout: "after\n" });
    const refused = await finished((await command(host.id, "exec", { command: "touch", args: ["x"] })).body.id);
    expect(refused.error).toContain("refused by safety policy");
  });

  test("a command the safety policy forbids is refused on the agent and never runs", async () => {
    const { host, agent } = await provision("policy");
    agent.start();
    await waitOnline(host.id);
    const marker = join(agent.stateDir, "should-not-exist");

    const notAllowlisted = await finished(
      (await command(host.id, "exec", { command: "touch", args: [marker] })).body.id,
    );
    expect(notAllowlisted.status).toBe("failed");
    expect(notAllowlisted.error).toContain("refused by safety policy");
    expect(existsSync(marker)).toBe(false);

    const tooFast = await finished((await command(host.id, "sleep", { ms: 1, speed: 2 })).body.id);
    expect(tooFast.status).toBe("failed");
    expect(tooFast.error).toMatch(/refused by safety policy.*speed/);
    expect(tooFast.startedAt).toBeNull(); // it never reached running

    const denied = await finished((await command(host.id, "echo", { hello: "world" })).body.id);
    expect(denied.error).toContain("refused by safety policy");

    const fine = await finished((await command(host.id, "sleep", { ms: 1, speed: 1 })).body.id);
    expect(fine.status).toBe("completed");
  });

  test("killed agent → host offline within the keep-alive window (Last Will)", async () => {
    const { host, agent } = await provision("lwt");
    agent.start();
    await waitOnline(host.id);
    await agent.kill("SIGKILL");
    const killedAt = Date.now();
    await waitFor("host offline", async () => (await hostStatus(host.id)) === "offline", 10_000);
    // keepalive 2 s: the broker gives up after 1.5 × keepalive
    expect(Date.now() - killedAt).toBeLessThan(8_000);
  });

  test("broker connection dropped mid-run: queued commands and telemetry arrive after reconnect, none duplicated", async () => {
    const brokerUrl = new URL(t.plane.transport.mqttUrl);
    const proxy = await startTcpProxy(brokerUrl.hostname, Number(brokerUrl.port));
    const telemetryPort = await freePort();
    try {
      const { host, agent } = await provision("drop", {
        mqttUrl: `mqtt://127.0.0.1:${proxy.port}`,
        env: { EDGE_TELEMETRY_PORT: String(telemetryPort) },
      });
      agent.start();
      await waitOnline(host.id);
      const counter = join(agent.stateDir, "runs.log");
      const run = () => command(host.id, "exec", { command: "sh", args: ["-c", `echo run >> '${counter}'`] });
      expect((await finished((await run()).body.id)).status).toBe("completed");

      proxy.cut();
      await waitFor("host offline after the cut", async () => (await hostStatus(host.id)) === "offline", 10_000);
      const queued: string[] = [];
      for (let i = 0; i < 4; i++) queued.push((await run()).body.id);
      const pushed = await fetch(`http://127.0.0.1:${telemetryPort}/telemetry`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          points: Array.from({ length: 25 }, (_, i) => ({ name: "battery", value: i, tags: { cell: "a" } })),
        }),
      });
      expect(pushed.status).toBe(202);
      await Bun.sleep(1000); // the agent notices, retries and keeps everything in its outbox
      for (const id of queued) expect((await t.api.get(`/api/v1/commands/${id}`, key)).body.status).toBe("pending");

      proxy.restore();
      await waitOnline(host.id);
      for (const id of queued) expect((await finished(id, 15_000)).status).toBe("completed");
      const battery = await waitFor("telemetry after reconnect", async () => {
        const items = (await t.api.get(`/api/v1/hosts/${host.id}/telemetry?name=battery&limit=1000`, key)).body.items;
        return items.length >= 25 ? items : undefined;
      });
      await Bun.sleep(500); // late duplicates would show up now
      const final = (await t.api.get(`/api/v1/hosts/${host.id}/telemetry?name=battery&limit=1000`, key)).body.items;
      expect(final.length).toBe(25);
      expect(new Set(final.map((p: { seq: number; value: number }) => p.seq)).size).toBe(25);
      expect(battery.map((p: { value: number }) => p.value).sort((a: number, b: number) => a - b)).toEqual(
        Array.from({ length: 25 }, (_, i) => i),
      );
      // each command ran exactly once although it was delivered more than once
      expect(readFileSync(counter, "utf8").trim().split("\n")).toHaveLength(5);
    } finally {
      await proxy.close();
    }
  });

  test("cancelling a command stops it on the agent: a running one is killed, a queued one never starts", async () => {
    const brokerUrl = new URL(t.plane.transport.mqttUrl);
    const proxy = await startTcpProxy(brokerUrl.hostname, Number(brokerUrl.port));
    try {
      const { host, agent } = await provision("cancel", { mqttUrl: `mqtt://127.0.0.1:${proxy.port}` });
      agent.start();
      await waitOnline(host.id);
      const started = join(agent.stateDir, "started");
      const finishedMarker = join(agent.stateDir, "finished");
      const long = (
        await command(host.id, "exec", {
          command: "sh",
          args: ["-c", `echo > '${started}'; sleep 2; echo > '${finishedMarker}'`],
        })
      ).body;
      await waitFor("the command to start", async () => existsSync(started));
      const cancelled = await t.api.post(`/api/v1/commands/${long.id}/transition`, { status: "cancelled" }, key);
      expect(cancelled.status).toBe(200);
      // the agent is free again at once, and the killed process never finishes
      expect(
        (await finished((await command(host.id, "exec", { command: "echo", args: ["next"] })).body.id)).status,
      ).toBe("completed");
      await Bun.sleep(2500);
      expect(existsSync(finishedMarker)).toBe(false);
      expect((await t.api.get(`/api/v1/commands/${long.id}`, key)).body.status).toBe("cancelled");

      // queued while the agent is away, cancelled before it is back: never runs
      proxy.cut();
      await waitFor("host offline", async () => (await hostStatus(host.id)) === "offline", 10_000);
      const ran = join(agent.stateDir, "ran");
      const queued = (await command(host.id, "exec", { command: "sh", args: ["-c", `echo > '${ran}'`] })).body;
      await t.api.post(`/api/v1/commands/${queued.id}/transition`, { status: "cancelled" }, key);
      proxy.restore();
      await waitOnline(host.id);
      expect(
        (await finished((await command(host.id, "exec", { command: "echo", args: ["after"] })).body.id)).status,
      ).toBe("completed");
      expect(existsSync(ran)).toBe(false);
    } finally {
      await proxy.close();
    }
  });

  test("revoked identity is cut off", async () => {
    const { host, identity, agent } = await provision("revoke");
    agent.start();
    await waitOnline(host.id);
    const revoked = await t.api.post(`/api/runtime/identities/${identity.runtimeId}/revoke`, {}, key);
    expect(revoked.status).toBe(200);
    await waitFor("host offline after revocation", async () => (await hostStatus(host.id)) === "offline", 10_000);

    // nothing reaches it any more
    const after = await command(host.id, "sleep", { ms: 1 });
    await Bun.sleep(1500);
    expect((await t.api.get(`/api/v1/commands/${after.body.id}`, key)).body.status).toBe("pending");
    if (!external) {
      // the embedded broker dropped it and refuses its token; its refresh is refused: the agent gives up (exit 3)
      expect(await agent.exitCode(15_000)).toBe(3);
    }
  });
});
