/**
 * The workspace runtime with a real agent process (`bun edge-agent/src/main.ts --runtime-api 0`): a workspace from a
 * template with a two-app manifest, apps supervised, ports stable across agent restarts (graceful and SIGKILL, never
 * a duplicate), files confined, export and snapshot, agent runs streamed over SSE, the safety policy in the way.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AgentProcess, stopAllAgents } from "../support/agent-process";
import { availableBackends, postgresReachable } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { agentFor, hostOnline, policedEnvironment } from "../support/runtime";
import { writeAgentProgram, writeTwoAppTemplate } from "../support/runtime-fixtures";
import { waitFor } from "../support/wait";
import { readTar } from "../../edge-agent/src/runtime/tar.ts";

const backends = await availableBackends();
const setups = [{ label: "PGlite", backend: backends[0]! }];
if (await postgresReachable()) setups.push({ label: "PostgreSQL", backend: backends[1]! });

const fixtures = mkdtempSync(join(tmpdir(), "runtime-fixtures-"));
const templatesDir = join(fixtures, "templates");
writeTwoAppTemplate(templatesDir);
const agentProgram = writeAgentProgram(fixtures);

afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

interface Local {
  url: string;
  token: string;
}

async function runtimeOf(agent: AgentProcess, after = 0): Promise<Local> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const matches = [...agent.output.slice(after).matchAll(/runtime api: (http:\/\/\S+)/g)];
    if (matches.length) {
      const token = readFileSync(join(agent.stateDir, "runtime-api.token"), "utf8").trim();
      return { url: matches.at(-1)![1]!, token };
    }
    if (Date.now() > deadline) throw new Error(`no runtime api line; output:\n${agent.output}`);
    await Bun.sleep(25);
  }
}

async function call(local: Local, method: string, path: string, body?: unknown, raw = false) {
  const response = await fetch(`${local.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${local.token}` },
    body: body === undefined ? undefined : raw ? (body as string) : JSON.stringify(body),
  });
  const type = response.headers.get("content-type") ?? "";
  // biome-ignore lint/suspicious/noExplicitAny: test responses
  const parsed: any = type.includes("json") ? await response.json() : await response.text();
  return { status: response.status, body: parsed };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe.each(setups)("workspace runtime on a real agent ($label)", ({ backend }) => {
  let t: TestPlane;
  let envId: string;

  beforeAll(async () => {
    t = await startTestPlane(backend);
    envId = await policedEnvironment(t, "runtime", { deniedKinds: ["never.this"], paramBounds: { speed: { max: 2 } } });
  });
  afterEach(() => stopAllAgents());
  afterAll(() => t?.stop());

  const env = {
    EDGE_RUNTIME_API: "0",
    EDGE_TEMPLATES_DIR: templatesDir,
    EDGE_APP_PORT_RANGE: "32000-32999",
    EDGE_AGENT_TYPES: `default=${agentProgram}`,
  };

  test("two apps from a template: start, health, crash/restart, ensure-running, ports stable across restarts", async () => {
    const { host, identity, agent } = await agentFor(t, envId, "runtime", { env });
    agent.start();
    await hostOnline(t, host.id);
    let local = await runtimeOf(agent);

    const ws = (await call(local, "POST", "/api/v1/workspaces", { name: "robot-apps", template: "two-apps" })).body;
    expect(ws.template).toBe("two-apps");
    const web = `${ws.id}.web`;
    const worker = `${ws.id}.worker`;

    const started = await call(local, "POST", `/api/v1/apps/${worker}/start`);
    expect(started.body.error).toBeUndefined();
    expect(started.body).toMatchObject({ phase: "healthy", desired: "running" });
    const webStatus = (await call(local, "GET", `/api/v1/apps/${web}/build-status`)).body;
    expect(webStatus.phase).toBe("healthy");
    const port: number = webStatus.ports.http;
    expect(port).toBeGreaterThanOrEqual(32_000);
    const ports = (await call(local, "GET", "/api/v1/apps/ports")).body.items;
    expect(ports.find((p: { appId: string }) => p.appId === web).ports).toEqual({ http: port });
    const served = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { port: number; pid: number };
    expect(served.port).toBe(port);
    await waitFor("the worker to call web", async () => {
      const out = await call(local, "GET", `/api/v1/workspaces/${ws.id}/files/worker.out`);
      return out.status === 200 && String(out.body).startsWith("hello ");
    });

    // Crash → restarted with backoff, same port.
    await fetch(`http://127.0.0.1:${port}/crash`);
    const restarted = await waitFor("web restarted", async () => {
      const s = (await call(local, "GET", `/api/v1/apps/${web}/build-status`)).body;
      return s.phase === "healthy" && s.pid !== webStatus.pid ? s : undefined;
    });
    expect(restarted).toMatchObject({ lastExitCode: 1, ports: { http: port } });
    expect(restarted.restarts).toBeGreaterThanOrEqual(1);

    // ensure-running is idempotent.
    const ensured = await call(local, "POST", `/api/v1/apps/${web}/ensure-running`);
    expect(ensured.body.pid).toBe(restarted.pid);

    // Graceful agent restart: the apps stop with it, come back on the same ports.
    const beforePids = [restarted.pid, (await call(local, "GET", `/api/v1/apps/${worker}/build-status`)).body.pid];
    await agent.stop({ keepState: true });
    for (const pid of beforePids) expect(alive(pid)).toBe(false);
    const second = new AgentProcess({
      apiUrl: t.plane.url,
      mqttUrl: t.plane.transport.mqttUrl,
      runtimeId: identity.runtimeId,
      stateDir: agent.stateDir,
      env,
    }).start();
    local = await runtimeOf(second);
    const back = await waitFor(
      "web back after the restart",
      async () => {
        const s = (await call(local, "GET", `/api/v1/apps/${web}/build-status`)).body;
        return s.phase === "healthy" ? s : undefined;
      },
      30_000,
    );
    expect(back.ports.http).toBe(port);
    await waitFor(
      "worker back after the restart",
      async () => (await call(local, "GET", `/api/v1/apps/${worker}/build-status`)).body.phase === "healthy",
      30_000,
    );

    // SIGKILL: the apps outlive the agent; the next agent stops them and starts one copy each, same ports.
    const orphan = back.pid as number;
    await second.kill("SIGKILL");
    expect(alive(orphan)).toBe(true);
    const mark = 0;
    const third = new AgentProcess({
      apiUrl: t.plane.url,
      mqttUrl: t.plane.transport.mqttUrl,
      runtimeId: identity.runtimeId,
      stateDir: agent.stateDir,
      env,
    }).start();
    local = await runtimeOf(third, mark);
    const readopted = await waitFor(
      "web back after SIGKILL",
      async () => {
        const s = (await call(local, "GET", `/api/v1/apps/${web}/build-status`)).body;
        return s.phase === "healthy" ? s : undefined;
      },
      30_000,
    );
    expect(readopted.ports.http).toBe(port);
    expect(readopted.pid).not.toBe(orphan);
    await waitFor("the orphan to be gone", () => !alive(orphan));
    const now = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { pid: number };
    expect(now.pid).not.toBe(served.pid);

    // Stop.
    const stopped = await call(local, "POST", `/api/v1/apps/${web}/stop`);
    expect(stopped.body).toMatchObject({ phase: "stopped", desired: "stopped", pid: null });
    expect(alive(readopted.pid)).toBe(false);
    await third.stop();
    rmSync(agent.stateDir, { recursive: true, force: true });
  }, 120_000);

  test("files confined, export checked, snapshot restored, agent run streamed over SSE", async () => {
    const { host, agent } = await agentFor(t, envId, "files", { env });
    agent.start();
    await hostOnline(t, host.id);
    const local = await runtimeOf(agent);
    const ws = (await call(local, "POST", "/api/v1/workspaces", { name: "files", template: "two-apps" })).body.id;

    expect((await call(local, "PUT", `/api/v1/workspaces/${ws}/files/docs/a.txt`, "alpha", true)).status).toBe(200);
    expect((await call(local, "GET", `/api/v1/workspaces/${ws}/files/docs/a.txt`)).body).toBe("alpha");
    for (const path of [
      "..%2f..%2fagent.db",
      "%2e%2e%2fagent.db",
      "%2fetc%2fpasswd",
      "..%5cagent.db",
      "%252e%252e%252fagent.db",
    ]) {
      const response = await call(local, "GET", `/api/v1/workspaces/${ws}/files/${path}`);
      expect({ path, refused: [400, 403].includes(response.status) }).toEqual({ path, refused: true });
      expect(
        (await call(local, "PUT", `/api/v1/workspaces/${ws}/files/${path}`, "x", true)).status,
      ).toBeGreaterThanOrEqual(400);
    }

    const exported = await fetch(`${local.url}/api/v1/workspaces/${ws}/export`, {
      headers: { authorization: `Bearer ${local.token}` },
    });
    expect(exported.headers.get("content-type")).toBe("application/gzip");
    const entries = readTar(Bun.gunzipSync(new Uint8Array(await exported.arrayBuffer())));
    const files = Object.fromEntries(
      entries
        .filter((e) => e.type === "file")
        .map((e) => [e.path, e.type === "file" ? new TextDecoder().decode(e.data) : ""]),
    );
    expect(files["docs/a.txt"]).toBe("alpha");
    expect(files["app.runtime.yaml"]).toContain("dependsOn: [web]");
    expect(Object.keys(files)).toEqual(expect.arrayContaining(["src/server.ts", "src/worker.ts"]));

    const snap = (await call(local, "POST", `/api/v1/workspaces/${ws}/snapshots`, { label: "v1" })).body;
    await call(local, "PUT", `/api/v1/workspaces/${ws}/files/docs/a.txt`, "beta", true);
    await call(local, "DELETE", `/api/v1/workspaces/${ws}/files/src/worker.ts`);
    expect((await call(local, "POST", `/api/v1/workspaces/${ws}/snapshots/${snap.id}/restore`)).status).toBe(200);
    expect((await call(local, "GET", `/api/v1/workspaces/${ws}/files/docs/a.txt`)).body).toBe("alpha");
    expect((await call(local, "GET", `/api/v1/workspaces/${ws}/files/src/worker.ts`)).status).toBe(200);

    const stream = await fetch(`${local.url}/api/v1/agent-runs/stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${local.token}` },
      body: JSON.stringify({ prompt: "hello edge", workspaceId: ws }),
    });
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const events = (await stream.text())
      .trim()
      .split("\n\n")
      .map((block) => ({ type: /^event: (.*)$/m.exec(block)![1], data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) }));
    expect(events.map((e) => e.type)).toEqual(["started", "tool", "output", "finished"]);
    expect(events[2]!.data.line).toBe("thinking about: hello edge");
    expect(events[3]!.data).toMatchObject({ status: "completed", result: { answer: 42 } });
  }, 60_000);

  test("runtime.stop stops every app and refuses starts until runtime.start", async () => {
    const { host, agent } = await agentFor(t, envId, "stopper", { env });
    agent.start();
    await hostOnline(t, host.id);
    const local = await runtimeOf(agent);
    const ws = (await call(local, "POST", "/api/v1/workspaces", { name: "stop-me", template: "two-apps" })).body.id;
    const web = (await call(local, "POST", `/api/v1/apps/${ws}.web/start`)).body;
    expect(web.phase).toBe("healthy");
    const command = async (kind: string) => {
      const created = await t.api.post("/api/v1/commands", { hostId: host.id, kind, params: {} }, t.adminKey);
      expect(created.status).toBe(201);
      await waitFor(
        `${kind} completed`,
        async () => (await t.api.get(`/api/v1/commands/${created.body.id}`, t.adminKey)).body.status === "completed",
      );
    };
    await command("runtime.stop");
    await waitFor(
      "web stopped",
      async () => (await call(local, "GET", `/api/v1/apps/${ws}.web/build-status`)).body.phase === "stopped",
    );
    expect(alive(web.pid)).toBe(false);
    const refused = await call(local, "POST", `/api/v1/apps/${ws}.web/start`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain("machine stopped");
    expect((await call(local, "GET", "/api/v1/runtime/status")).body.status).toBe("blocked");
    await command("runtime.start");
    expect((await call(local, "POST", `/api/v1/apps/${ws}.web/start`)).body.phase).toBe("healthy");
  }, 60_000);

  test("the safety policy governs app starts and agent runs", async () => {
    const strict = await policedEnvironment(t, "runtime-strict", {
      allowedKinds: ["exec", "runtime.stop", "runtime.start"],
      exec: { allowedCommands: ["true"] },
    });
    const { host, agent } = await agentFor(t, strict, "strict", { env });
    agent.start();
    await hostOnline(t, host.id);
    const local = await runtimeOf(agent);
    const ws = (await call(local, "POST", "/api/v1/workspaces", { name: "strict", template: "two-apps" })).body.id;
    const refused = await call(local, "POST", `/api/v1/apps/${ws}.web/start`);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain('"app.start" is not allowed');
    expect((await call(local, "POST", "/api/v1/agent-runs", { prompt: "x" })).status).toBe(403);

    // A cap on how many apps run: paramBounds on appCount (the apps running with the one starting).
    const capped = await policedEnvironment(t, "runtime-capped", { paramBounds: { appCount: { max: 1 } } });
    const second = await agentFor(t, capped, "capped", { env });
    second.agent.start();
    await hostOnline(t, second.host.id);
    const other = await runtimeOf(second.agent);
    const ws2 = (await call(other, "POST", "/api/v1/workspaces", { name: "capped", template: "two-apps" })).body.id;
    const worker = await call(other, "POST", `/api/v1/apps/${ws2}.worker/start`);
    expect(worker.status).toBe(403);
    expect(worker.body.error).toContain("appCount=2 exceeds max 1");
    expect((await call(other, "GET", `/api/v1/apps/${ws2}.web/build-status`)).body.phase).toBe("healthy");
  }, 60_000);
});
