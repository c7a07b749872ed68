/**
 * Task terminals and workspace tunnels through the control plane, with real agent processes on MQTT only (no gRPC
 * session: the agent dials the worker websocket back): a shell in the task's workspace (output, `stty size` after a
 * resize, exit code, single-use token, transcript in the task's logs, audit), the workspace info, a TCP tunnel to an
 * echo server and an HTTP server on this machine through `edgectl tunnel`, policy refusals (`pty`, `tunnel`), another
 * tenant 404, bad worker credentials, and `edgectl pty TASK`. Then the same across two control planes on one
 * PostgreSQL and one Mosquitto: the operator on one replica, the agent's websocket on the other.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopAllAgents } from "../support/agent-process";
import { availableBackends, mqttReachable, postgresReachable, TEST_MQTT_URL } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { agentFor, hostOnline, policedEnvironment } from "../support/runtime";
import { waitFor } from "../support/wait";
import { connectPty } from "../support/pty-session";

const backends = await availableBackends();
const setups = [{ label: "PGlite", backend: backends[0]! }];
if (await postgresReachable()) setups.push({ label: "PostgreSQL", backend: backends[1]! });

/** A TCP echo server and an HTTP server on this machine (the agent's host). */
function servers() {
  // Keeps what a socket could not take yet (a plain `write` drops the rest under backpressure).
  const drain = (socket: Bun.Socket<Uint8Array[]>) => {
    while (socket.data.length) {
      const chunk = socket.data[0]!;
      const n = socket.write(chunk);
      if (n < chunk.length) {
        socket.data[0] = chunk.subarray(Math.max(n, 0));
        return;
      }
      socket.data.shift();
    }
  };
  const echo = Bun.listen<Uint8Array[]>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open: (socket) => {
        socket.data = [];
      },
      data: (socket, data) => {
        socket.data.push(new Uint8Array(data));
        drain(socket);
      },
      drain,
    },
  });
  const http = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req) => new Response(`hello ${new URL(req.url).pathname}`),
  });
  return {
    echoPort: echo.port,
    httpPort: http.port as number,
    stop() {
      echo.stop(true);
      void http.stop(true);
    },
  };
}

const cleanEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("EDGECTL_")));

/** `edgectl tunnel TASK PORT --local-port 0` until stopped; resolves the local port it listens on. */
async function startTunnelCli(t: TestPlane, home: string, taskId: string, port: number) {
  const proc = Bun.spawn([process.execPath, "cli/src/main.ts", "tunnel", taskId, String(port), "--local-port", "0"], {
    env: { ...cleanEnv(), XDG_CONFIG_HOME: home, EDGECTL_TOKEN: t.adminKey, EDGECTL_API_URL: t.plane.url },
    stdout: "pipe",
    stderr: "pipe",
  });
  const reader = proc.stderr.getReader();
  let text = "";
  const decoder = new TextDecoder();
  while (!/127\.0\.0\.1:(\d+) ->/.test(text)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`edgectl tunnel ended: ${text}`);
    text += decoder.decode(value);
  }
  const localPort = Number(/127\.0\.0\.1:(\d+) ->/.exec(text)![1]);
  return { proc, localPort };
}

/** Sends `message` over a new TCP connection to the local port and reads until as many bytes came back. */
async function echoBytes(localPort: number, message: Uint8Array): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let received = 0;
  let offset = 0;
  const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
  const timer = setTimeout(() => reject(new Error(`echo timed out after ${received} bytes`)), 15_000);
  const pump = (s: Bun.Socket<undefined>) => {
    while (offset < message.length) {
      const written = s.write(message.subarray(offset));
      if (written <= 0) return;
      offset += written;
    }
  };
  await Bun.connect({
    hostname: "127.0.0.1",
    port: localPort,
    socket: {
      open: pump,
      drain: pump,
      data(s, data) {
        chunks.push(new Uint8Array(data));
        received += data.length;
        if (received >= message.length) {
          clearTimeout(timer);
          s.end();
          resolve(Buffer.concat(chunks));
        }
      },
    },
  });
  return promise;
}

const echoThrough = async (localPort: number, message: string) =>
  new TextDecoder().decode(await echoBytes(localPort, new TextEncoder().encode(message)));

async function taskOn(t: TestPlane, hostId: string): Promise<string> {
  const res = await t.api.post("/api/v1/tasks", { prompt: "inspect", hostId }, t.adminKey);
  if (res.status !== 201) throw new Error(`task: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

describe.each(setups)("task terminals and tunnels, agents on MQTT only ($label)", ({ backend }) => {
  let t: TestPlane;
  let hostId: string;
  let taskId: string;
  let refusingTaskId: string;
  let home: string;
  const local = servers();

  beforeAll(async () => {
    t = await startTestPlane(backend);
    home = mkdtempSync(join(tmpdir(), "edgectl-task-pty-"));
    const open = await policedEnvironment(t, "tpty-open", { deniedKinds: ["never.this"] });
    const closed = await policedEnvironment(t, "tpty-closed", { deniedKinds: ["pty", "tunnel"] });
    const a = await agentFor(t, open, "tpty");
    const b = await agentFor(t, closed, "tpty-refused");
    hostId = a.host.id;
    a.agent.start();
    b.agent.start();
    await hostOnline(t, hostId);
    await hostOnline(t, b.host.id);
    taskId = await taskOn(t, hostId);
    refusingTaskId = await taskOn(t, b.host.id);
  }, 90_000);
  afterAll(async () => {
    local.stop();
    const started = Date.now();
    await stopAllAgents();
    await t?.stop();
    if (Date.now() - started > 4_000) console.warn(`teardown took ${Date.now() - started} ms`);
    rmSync(home, { recursive: true, force: true });
  }, 30_000);

  const wsUrl = (path: string) => `${t.plane.url.replace(/^http/, "ws")}${path}`;
  const token = (task: string, key = t.adminKey) => t.api.post(`/api/web/tasks/${task}/pty-token`, {}, key);

  test("a shell in the task's workspace: output, resize, exit code; transcript in the task's logs; audited", async () => {
    const grant = await token(taskId);
    expect(grant.status).toBe(201);
    expect(grant.body).toMatchObject({ websocket: `/ws/pty/${taskId}`, machineId: hostId });
    expect(grant.body.channelToken).toStartWith("pty_ct_");
    const s = connectPty(wsUrl(grant.body.websocket), {
      token: t.adminKey,
      channelToken: grant.body.channelToken,
      cols: 80,
      rows: 24,
    });
    await waitFor("ready", () => s.control.find((c) => c.type === "ready"), 20_000);
    s.send('echo "task=$TASK_ID dir=$(pwd)"\n');
    await waitFor(
      "the workspace",
      () => /task=task_\S+ dir=\S+workspaces\/ws_[0-9a-f]+/.test(s.output()) || undefined,
    ).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(s.output())}`);
    });
    expect(s.output()).toContain(`task=${taskId}`);
    s.send("stty size\n");
    await waitFor("the first size", () => /24 80/.test(s.output()) || undefined);
    s.send({ type: "resize", cols: 132, rows: 43 });
    s.send("stty size\n");
    await waitFor("the new size", () => /43 132/.test(s.output()) || undefined);
    s.send({ type: "input", data: "echo marker-$((6*7)); exit 3\n" });
    const exit = await waitFor("the exit", () => s.control.find((c) => c.type === "exit"), 20_000);
    expect(exit).toEqual({ type: "exit", code: 3 });
    expect(await s.closed).toBe(1000);

    // Single use.
    const again = connectPty(wsUrl(grant.body.websocket), { token: t.adminKey, channelToken: grant.body.channelToken });
    expect(await again.closed).toBe(4401);

    const logs = await waitFor("the transcript in the task's logs", async () => {
      const res = await t.api.get(`/api/web/tasks/${taskId}/logs?limit=500`, t.adminKey);
      const lines = res.body.items.filter((l: { stream: string }) => l.stream === "pty");
      return lines.some((l: { line: string }) => l.line.includes("ended: exit code 3")) ? lines : undefined;
    });
    const text = logs.map((l: { line: string }) => l.line).join("\n");
    expect(text).toContain("marker-42");
    expect(text).not.toContain("\x1b");
    const audit = await waitFor("the session in the audit trail", async () => {
      const res = await t.api.get("/api/admin/audit-logs?action=task.pty_session", t.adminKey);
      return res.body.items.length ? res.body.items : undefined;
    });
    expect(audit[0]).toMatchObject({ target: taskId, detail: { exitCode: 3 } });
    const issued = await t.api.get("/api/admin/audit-logs?action=task.pty_token", t.adminKey);
    expect(issued.body.items[0].target).toBe(taskId);

    const ws = await t.api.get(`/api/web/workspaces/${taskId}`, t.adminKey);
    expect(ws.status).toBe(200);
    expect(ws.body).toMatchObject({ taskId, machineId: hostId, reachable: true, workspace: { exists: true } });
    expect(ws.body.workspace.id).toStartWith("ws_");
  }, 90_000);

  test("edgectl pty TASK with piped stdin: output and the shell's exit code; refused = 1", async () => {
    const run = async (target: string, input: string) => {
      const proc = Bun.spawn([process.execPath, "cli/src/main.ts", "pty", target], {
        env: { ...cleanEnv(), XDG_CONFIG_HOME: home, EDGECTL_TOKEN: t.adminKey, EDGECTL_API_URL: t.plane.url },
        stdin: new TextEncoder().encode(input),
        stdout: "pipe",
        stderr: "pipe",
      });
      const [code, stdout, stderr] = await Promise.all([
        proc.exited,
        new Response(proc.stdout).text(),
        new Response(proc.stderr).text(),
      ]);
      return { code, stdout, stderr };
    };
    const ok = await run(taskId, "echo from-$((40+2)); exit 5\n");
    expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 5, stderr: "" });
    expect(ok.stdout).toContain("from-42");
    const refused = await run(refusingTaskId, "exit 0\n");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("pty");
  }, 60_000);

  test("a tunnel to a TCP echo server and an HTTP server on the machine, through edgectl tunnel", async () => {
    const echo = await startTunnelCli(t, home, taskId, local.echoPort);
    try {
      expect(await echoThrough(echo.localPort, "ping through the tunnel")).toBe("ping through the tunnel");
      // Binary-safe, larger than one frame.
      const big = new Uint8Array(300_000).map((_, i) => i % 256);
      expect(Buffer.from(await echoBytes(echo.localPort, big)).equals(Buffer.from(big))).toBe(true);
      const status = await waitFor("connections counted", async () => {
        const res = await t.api.get(`/api/web/workspace-tunnel/${taskId}/status`, t.adminKey);
        return res.body.tunnels[0]?.connections >= 2 ? res.body : undefined;
      });
      expect(status).toMatchObject({ taskId, active: true });
      expect(status.tunnels[0]).toMatchObject({ port: local.echoPort, status: "active", machineId: hostId });
    } finally {
      echo.proc.kill("SIGINT");
      expect(await echo.proc.exited).toBe(0);
    }
    const after = await t.api.get(`/api/web/workspace-tunnel/${taskId}/status`, t.adminKey);
    expect(after.body.tunnels.find((x: { port: number }) => x.port === local.echoPort).status).toBe("stopped");

    const http = await startTunnelCli(t, home, taskId, local.httpPort);
    try {
      const res = await fetch(`http://127.0.0.1:${http.localPort}/through/the/tunnel`);
      expect(await res.text()).toBe("hello /through/the/tunnel");
    } finally {
      http.proc.kill("SIGTERM");
      await http.proc.exited;
    }
    const audit = await t.api.get("/api/admin/audit-logs?action=task.tunnel_connection", t.adminKey);
    expect(audit.body.items.length).toBeGreaterThanOrEqual(2);
    expect((await t.api.get("/api/admin/audit-logs?action=task.tunnel_start", t.adminKey)).body.items.length).toBe(2);
  }, 90_000);

  test("refusals: policy forbids pty and tunnel; another tenant 404; bad input 400; bad worker credentials 4401", async () => {
    const grant = await token(refusingTaskId);
    const s = connectPty(wsUrl(grant.body.websocket), { token: t.adminKey, channelToken: grant.body.channelToken });
    const exit = await waitFor("the refusal", () => s.control.find((c) => c.type === "exit"), 20_000);
    expect(exit.code).toBe(-1);
    expect(String(exit.error)).toContain("pty");

    const refused = await t.api.post(`/api/web/workspace-tunnel/${refusingTaskId}/start`, { port: 80 }, t.adminKey);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toContain("tunnel");
    const cli = async (...args: string[]) => {
      const proc = Bun.spawn([process.execPath, "cli/src/main.ts", "tunnel", ...args], {
        env: { ...cleanEnv(), XDG_CONFIG_HOME: home, EDGECTL_TOKEN: t.adminKey, EDGECTL_API_URL: t.plane.url },
        stdout: "pipe",
        stderr: "pipe",
      });
      const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
      return { code, stderr };
    };
    const cliRefused = await cli(refusingTaskId, "80", "--local-port", "0");
    expect(cliRefused.code).toBe(1);
    expect(cliRefused.stderr).toContain("403");
    expect((await cli(taskId, "http")).code).toBe(2);
    expect((await cli(taskId, "80", "--local-port", "-1")).code).toBe(2);
    const help = await Bun.spawn([process.execPath, "cli/src/main.ts", "tunnel", "--help"], { stdout: "pipe" });
    expect(await new Response(help.stdout).text()).toContain("--local-port");

    for (const body of [{}, { port: 0 }, { port: 70000 }, { port: "80" }, { port: 80, extra: 1 }]) {
      const bad = await t.api.post(`/api/web/workspace-tunnel/${taskId}/start`, body, t.adminKey);
      expect(bad.status).toBe(400);
      expect(typeof bad.body.error).toBe("string");
    }

    const other = await createTenant(t, `other-${crypto.randomUUID().slice(0, 6)}`);
    expect((await token(taskId, other.key)).status).toBe(404);
    expect((await t.api.get(`/api/web/workspaces/${taskId}`, other.key)).status).toBe(404);
    expect((await t.api.post(`/api/web/workspace-tunnel/${taskId}/start`, { port: 80 }, other.key)).status).toBe(404);
    const mine = await token(taskId);
    const stolen = connectPty(wsUrl(`/ws/pty/${taskId}`), { token: other.key, channelToken: mine.body.channelToken });
    expect(await stolen.closed).toBe(4401);
    // Unspent by the failed attempt: its owner still redeems it.
    const owner = connectPty(wsUrl(`/ws/pty/${taskId}`), { token: t.adminKey, channelToken: mine.body.channelToken });
    await waitFor("ready", () => owner.control.find((c) => c.type === "ready"), 20_000);
    owner.send("exit 0\n");
    await owner.closed;

    const worker = connectPty(wsUrl(`/api/workers/pty/${taskId}`), { workerJwt: "nope", channelToken: "pty_wt_x" });
    expect(await worker.closed).toBe(4401);
    const malformed = connectPty(wsUrl(`/api/workers/pty/${taskId}`), { workerJwt: 1 });
    expect(await malformed.closed).toBe(4400);
    const tunnelWs = connectPty(wsUrl(`/ws/tunnel/${taskId}`), { token: t.adminKey, tunnelId: "tun_missing" });
    expect(await tunnelWs.closed).toBe(4404);
    expect((await t.api.post("/api/web/tasks/task_missing/pty-token", {}, t.adminKey)).status).toBe(404);
  }, 90_000);
});

describe.skipIf(!(await postgresReachable()) || !(await mqttReachable()))(
  "task terminals across two control planes on one PostgreSQL and one Mosquitto",
  () => {
    test("the operator on one replica, the agent's websocket on the other: a terminal and a tunnel", async () => {
      const pg = backends.find((b) => b.name === "postgres")!;
      const group = `ptytun-${crypto.randomUUID().slice(0, 8)}`;
      const a = await startTestPlane(pg, { mqttUrl: TEST_MQTT_URL, mqttSharedGroup: group });
      const b = await startTestPlane(
        pg,
        { mqttUrl: TEST_MQTT_URL, mqttSharedGroup: group },
        { databaseUrl: a.databaseUrl, dataDir: "memory://", adminKey: a.adminKey },
      );
      const local = servers();
      const home = mkdtempSync(join(tmpdir(), "edgectl-task-pty-"));
      try {
        const env = await policedEnvironment(a, "tpty-replicas", { deniedKinds: ["never.this"] });
        // The agent talks to replica B's HTTP API (its worker websocket lands there) and to the shared broker.
        const { host, agent } = await agentFor(a, env, "tpty-replicas", {
          mqttUrl: TEST_MQTT_URL,
          env: { EDGE_API_URL: b.plane.url },
        });
        agent.start();
        await hostOnline(a, host.id);
        const taskId = await taskOn(a, host.id);

        const grant = await a.api.post(`/api/web/tasks/${taskId}/pty-token`, {}, a.adminKey);
        expect(grant.status).toBe(201);
        const s = connectPty(`${a.plane.url.replace(/^http/, "ws")}${grant.body.websocket}`, {
          token: a.adminKey,
          channelToken: grant.body.channelToken,
        });
        await waitFor("ready", () => s.control.find((c) => c.type === "ready"), 20_000);
        s.send("echo across-$((2+3))-replicas; exit 7\n");
        const exit = await waitFor("the exit", () => s.control.find((c) => c.type === "exit"), 20_000);
        expect(exit.code).toBe(7);
        expect(s.output()).toContain("across-5-replicas");
        // B wrote the transcript; A reads it.
        await waitFor("the transcript", async () => {
          const res = await a.api.get(`/api/web/tasks/${taskId}/logs?limit=500`, a.adminKey);
          return res.body.items.some((l: { line: string }) => l.line.includes("across-5-replicas")) || undefined;
        });

        const tunnel = await startTunnelCli(a, home, taskId, local.echoPort);
        try {
          expect(await echoThrough(tunnel.localPort, "over two replicas")).toBe("over two replicas");
        } finally {
          tunnel.proc.kill("SIGINT");
          await tunnel.proc.exited;
        }
      } finally {
        local.stop();
        rmSync(home, { recursive: true, force: true });
        await stopAllAgents();
        await b.plane.stop();
        await a.stop();
      }
    }, 120_000);
  },
);
