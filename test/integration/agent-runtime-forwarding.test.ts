/**
 * The workspace runtime through the control plane: `/api/v1/hosts/:id/runtime/...` forwarded to a real agent process
 * over its gRPC session — JSON, file bytes, a tar.gz export and an SSE agent run streamed end to end; tenant-scoped
 * (other tenant → 404), audited; offline agent → 503; an agent too slow to answer → 504. The server's HTTP idle
 * timeout does not cut a forwarded answer (the forwarding bounds its silences itself).
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopAllAgents } from "../support/agent-process";
import { availableBackends, postgresReachable } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { agentFor, hostOnline, policedEnvironment } from "../support/runtime";
import { writeAgentProgram, writeTwoAppTemplate } from "../support/runtime-fixtures";
import { readTar } from "../../edge-agent/src/runtime/tar.ts";
import { watch } from "../support/grpc-clients";
import { waitFor } from "../support/wait";
import { getKeptAlive } from "../support/raw-http";

const backends = await availableBackends();
const setups = [{ label: "PGlite", backend: backends[0]! }];
if (await postgresReachable()) setups.push({ label: "PostgreSQL", backend: backends[1]! });

const fixtures = mkdtempSync(join(tmpdir(), "runtime-fwd-"));
const templatesDir = join(fixtures, "templates");
writeTwoAppTemplate(templatesDir);
const agentProgram = writeAgentProgram(fixtures);
afterAll(() => rmSync(fixtures, { recursive: true, force: true }));

describe.each(setups)("runtime API through the control plane ($label)", ({ backend }) => {
  let t: TestPlane;
  let envId: string;
  let hostId: string;

  beforeAll(async () => {
    t = await startTestPlane(backend, { runtimeForwardTimeoutMs: 3_000 });
    envId = await policedEnvironment(t, "fwd", { deniedKinds: ["never.this"] });
    const { host, agent } = await agentFor(t, envId, "fwd", {
      env: {
        EDGE_GRPC_URL: `127.0.0.1:${t.plane.transport.grpc.port}`,
        EDGE_TEMPLATES_DIR: templatesDir,
        EDGE_APP_PORT_RANGE: "33000-33999",
        EDGE_AGENT_TYPES: `default=${agentProgram}`,
      },
    });
    hostId = host.id;
    agent.start();
    await hostOnline(t, hostId);
    await agent.waitForOutput(/gRPC session up/, 30_000);
  });
  afterEach(() => undefined);
  afterAll(async () => {
    await stopAllAgents();
    await t?.stop();
  });

  const rt = (path: string) => `/api/v1/hosts/${hostId}/runtime/api/v1${path}`;
  const raw = (method: string, path: string, body?: string, key = t.adminKey) =>
    fetch(`${t.plane.url}${path}`, { method, body, headers: { authorization: `Bearer ${key}` } });

  test("JSON, files, traversal refusal, export and an SSE agent run, end to end; audited", async () => {
    const status = await t.api.get(rt("/runtime/status"), t.adminKey);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ status: "ok", agentTypes: ["default"] });

    const created = await t.api.post(rt("/workspaces"), { name: "remote", template: "two-apps" }, t.adminKey);
    expect(created.status).toBe(201);
    const ws = created.body.id as string;

    const put = await raw("PUT", rt(`/workspaces/${ws}/files/notes/remote.txt`), "over the session");
    expect(put.status).toBe(200);
    const read = await raw("GET", rt(`/workspaces/${ws}/files/notes/remote.txt`));
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("over the session");
    for (const path of ["..%2f..%2fagent.db", "%2e%2e%2f%2e%2e%2fagent.db", "%2fetc%2fpasswd"]) {
      const refused = await raw("GET", rt(`/workspaces/${ws}/files/${path}`));
      expect({ path, refused: [400, 403, 404].includes(refused.status) }).toEqual({ path, refused: true });
      expect(((await refused.json()) as { error: string }).error).toBeString();
    }

    const exported = await raw("GET", rt(`/workspaces/${ws}/export`));
    expect(exported.status).toBe(200);
    expect(exported.headers.get("content-type")).toBe("application/gzip");
    const entries = readTar(Bun.gunzipSync(new Uint8Array(await exported.arrayBuffer())));
    const names = entries.map((e) => e.path);
    expect(names).toEqual(expect.arrayContaining(["app.runtime.yaml", "notes/remote.txt", "src/server.ts"]));

    const stream = await raw(
      "POST",
      rt("/agent-runs/stream"),
      JSON.stringify({ prompt: "through the plane", workspaceId: ws }),
    );
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const events = (await stream.text())
      .trim()
      .split("\n\n")
      .map((block) => ({ type: /^event: (.*)$/m.exec(block)![1], data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!) }));
    expect(events.map((e) => e.type)).toEqual(["started", "tool", "output", "finished"]);
    expect(events[2]!.data.line).toBe("thinking about: through the plane");
    expect(events[3]!.data).toMatchObject({ status: "completed", result: { answer: 42 } });

    // Agent-side errors come back as they are.
    expect((await t.api.get(rt("/workspaces/ws_missing"), t.adminKey)).status).toBe(404);
    expect((await t.api.get(`/api/v1/hosts/${hostId}/runtime/not-api`, t.adminKey)).status).toBe(400);

    const audit = await t.api.get("/api/admin/audit-logs?action=host.runtime_call", t.adminKey);
    expect(audit.status).toBe(200);
    expect(audit.body.items.length).toBeGreaterThan(0);
    expect(audit.body.items[0].target).toBe(hostId);
  }, 60_000);

  test("over MQTT when the agent has no gRPC session: JSON and an SSE agent run", async () => {
    const { host, agent } = await agentFor(t, envId, "fwd-mqtt", {
      env: { EDGE_TEMPLATES_DIR: templatesDir, EDGE_AGENT_TYPES: `default=${agentProgram}` },
    });
    agent.start();
    await hostOnline(t, host.id);
    const path = (p: string) => `/api/v1/hosts/${host.id}/runtime/api/v1${p}`;
    const created = await t.api.post(path("/workspaces"), { name: "via-mqtt", template: "two-apps" }, t.adminKey);
    expect(created.status).toBe(201);
    const listed = await t.api.get(path("/workspaces"), t.adminKey);
    expect(listed.body.items.map((w: { id: string }) => w.id)).toEqual([created.body.id]);
    const stream = await raw("POST", path("/agent-runs/stream"), JSON.stringify({ prompt: "over mqtt" }));
    expect(stream.headers.get("content-type")).toBe("text/event-stream");
    const text = await stream.text();
    expect([...text.matchAll(/^event: (.*)$/gm)].map((m) => m[1])).toEqual(["started", "tool", "output", "finished"]);
    expect(text).toContain("thinking about: over mqtt");
    await agent.stop();
  }, 60_000);

  test("app output streams live to the control plane (Operator.Watch), like command output", async () => {
    const live = watch(`127.0.0.1:${t.plane.transport.grpc.port}`, t.adminKey, { hostId });
    await live.ready;
    try {
      const ws = (await t.api.post(rt("/workspaces"), { name: "logs", template: "two-apps" }, t.adminKey)).body.id;
      const started = await t.api.post(rt(`/apps/${ws}.web/start`), {}, t.adminKey);
      expect(started.status).toBe(200);
      const port = started.body.ports.http;
      const lines = await waitFor("the app's output in the watch", () => {
        const mine = live.events.filter((e) => e.log?.commandId === `app:${ws}.web`).map((e) => e.log?.line);
        return mine.includes(`listening on ${port}`) && mine.includes("[runtime] healthy") ? mine : undefined;
      });
      expect(lines).toContain("[runtime] healthy");
      await t.api.post(rt(`/apps/${ws}.web/stop`), {}, t.adminKey);
    } finally {
      live.close();
    }
  }, 60_000);

  test("another tenant's operator gets 404 for the host's runtime, whatever the path", async () => {
    const other = await createTenant(t, `other-${crypto.randomUUID().slice(0, 6)}`);
    for (const [method, path] of [
      ["GET", rt("/runtime/status")],
      ["GET", rt("/workspaces")],
      ["POST", rt("/workspaces")],
      ["POST", rt("/agent-runs/stream")],
    ] as const) {
      const response = await raw(
        method,
        path,
        method === "POST" ? JSON.stringify({ name: "x", prompt: "x" }) : undefined,
        other.key,
      );
      expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    }
  });

  test("an agent that does not answer in time is a 504; an offline agent a 503", async () => {
    const ws = (await t.api.post(rt("/workspaces"), { name: "slow" }, t.adminKey)).body.id;
    const manifest = "apps:\n  slow:\n    setup: sleep 8\n    start: sleep 60\n";
    expect((await raw("PUT", rt(`/workspaces/${ws}/files/app.runtime.yaml`), manifest)).status).toBe(200);
    const slow = await t.api.post(rt(`/apps/${ws}.slow/start`), {}, t.adminKey);
    expect(slow.status).toBe(504);
    expect(slow.body.error).toContain("did not answer in time");
    await t.api.post(rt(`/apps/${ws}.slow/stop`), {}, t.adminKey);

    const offline = await agentFor(t, envId, "offline");
    const response = await t.api.get(`/api/v1/hosts/${offline.host.id}/runtime/api/v1/runtime/status`, t.adminKey);
    expect(response.status).toBe(503);
    expect(response.body.error).toContain("offline");
    expect((await t.api.get("/api/v1/hosts/host_missing/runtime/api/v1/runtime/status", t.adminKey)).status).toBe(404);
  }, 60_000);
});

// Bun checks idle timeouts every 4 s: with 1 s, a request quiet for 4 s or more is cut (without the route's opt-out).
describe("runtime API through a plane whose HTTP idle timeout is 1 s (PGlite)", () => {
  let t: TestPlane;
  let hostId: string;

  beforeAll(async () => {
    t = await startTestPlane(backends[0]!, { httpIdleTimeoutSeconds: 1, runtimeForwardTimeoutMs: 3_000 });
    const envId = await policedEnvironment(t, "idle", { deniedKinds: ["never.this"] });
    const { host, agent } = await agentFor(t, envId, "idle", {
      env: {
        EDGE_GRPC_URL: `127.0.0.1:${t.plane.transport.grpc.port}`,
        EDGE_TEMPLATES_DIR: templatesDir,
        EDGE_AGENT_TYPES: `default=${agentProgram}`,
      },
    });
    hostId = host.id;
    agent.start();
    await hostOnline(t, hostId);
    await agent.waitForOutput(/gRPC session up/, 30_000);
  });
  afterAll(async () => {
    await stopAllAgents();
    await t?.stop();
  });

  test("an agent run's SSE stream quiet for 6 s arrives whole; the connection is closed idle afterwards", async () => {
    const rt = (path: string) => `/api/v1/hosts/${hostId}/runtime/api/v1${path}`;
    // Side by side (the test takes the stream's 6 s): a short forwarded answer on a kept-alive connection.
    const [text, kept] = await Promise.all([
      fetch(`${t.plane.url}${rt("/agent-runs/stream")}`, {
        method: "POST",
        headers: { authorization: `Bearer ${t.adminKey}` },
        body: JSON.stringify({ prompt: "[quiet] past the idle timeout" }),
      }).then((stream) => {
        expect(stream.status).toBe(200);
        return stream.text();
      }),
      getKeptAlive(t.plane.url, rt("/runtime/status"), t.adminKey),
    ]);
    const events = text
      .trim()
      .split("\n\n")
      .map((block) => ({
        type: /^event: (.*)$/m.exec(block)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!),
      }));
    expect(events.map((e) => e.type)).toEqual(["started", "tool", "output", "finished"]);
    expect(events[2]!.data.line).toBe("thinking about: [quiet] past the idle timeout");
    expect(events[3]!.data).toMatchObject({ status: "completed", result: { answer: 42 } });

    // The route's lifted timeout does not stay on the connection: it is closed idle at the next 4 s check.
    expect(kept.text).toStartWith("HTTP/1.1 200");
    expect(kept.text).toContain('"status":"ok"');
    expect(kept.idleOpenMs).toBeGreaterThanOrEqual(0);
    expect(kept.idleOpenMs).toBeLessThan(8_000);
  }, 60_000);
});
