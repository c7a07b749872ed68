/** The agent-local runtime API (edge-agent/src/runtime): real files in tmp dirs, real app processes. */
import type { Untyped } from "../support/control-plane";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ActorSystem } from "../../edge-agent/src/actors/index.ts";
import {
  loadOrCreateToken,
  RuntimeApi,
  serveRuntimeApi,
  type RuntimeApiServer,
} from "../../edge-agent/src/runtime/api.ts";
import { readTar } from "../../edge-agent/src/runtime/tar.ts";
import { Runtime } from "../../edge-agent/src/runtime/runtime.ts";
import { openMemoryDatabase } from "../../edge-agent/src/store/database.ts";
import { createLogger } from "@edge/proto/log";
import { waitFor } from "../support/wait";
import { writeAgentProgram, writeTwoAppTemplate } from "../support/runtime-fixtures";

/** An app's ports as GET /api/v1/apps/ports lists them. */
type AppPorts = { app: string; appId: string; ports: Record<string, number> };

let stateDir: string;
let system: ActorSystem;
let runtime: Runtime;
let api: RuntimeApi;
let server: RuntimeApiServer;
let token: string;
let refuse: string | undefined;
const admitted: { kind: string; params: Record<string, unknown> }[] = [];

beforeAll(() => {
  stateDir = mkdtempSync(join(tmpdir(), "runtime-api-"));
  writeTwoAppTemplate(join(stateDir, "templates"));
  const agent = writeAgentProgram(stateDir);
  // A secret beside the workspaces that no request may ever read.
  writeFileSync(join(stateDir, "secret.txt"), "TOP-SECRET");
  system = new ActorSystem();
  runtime = new Runtime({
    db: openMemoryDatabase(),
    stateDir,
    system,
    portRange: { from: 31_000, to: 31_999 },
    agentTypes: { default: agent },
    admit: async (request) => {
      admitted.push(request);
      return refuse ? { allowed: false, error: `refused by safety policy: ${refuse}` } : { allowed: true };
    },
    log: createLogger("silent"),
  });
  api = new RuntimeApi(runtime);
  token = loadOrCreateToken(stateDir);
  server = serveRuntimeApi(api, { host: "127.0.0.1", port: 0, token, log: createLogger("silent") });
});

afterAll(async () => {
  await server?.stop();
  await system?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown, raw = false) {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` } };
  if (body !== undefined) init.body = raw ? (body as string) : JSON.stringify(body);
  const response = await fetch(`${server.url}${path}`, init);
  const type = response.headers.get("content-type") ?? "";
  const parsed = type.includes("json") ? await response.json() : await response.text();
  return { status: response.status, body: parsed as Untyped, headers: response.headers };
}

/** Sends a request line exactly as written (no client-side normalisation of `..`). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1", () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n\r\n`),
    );
    let data = "";
    socket.on("data", (chunk) => (data += chunk));
    socket.on("end", () =>
      resolve({ status: Number(data.split(" ")[1]), body: data.split("\r\n\r\n").slice(1).join("") }),
    );
    socket.on("error", reject);
  });
}

describe("runtime API: authentication, config and status", () => {
  test("a missing or wrong bearer token is refused with 401", async () => {
    expect((await fetch(`${server.url}/api/v1/runtime/status`)).status).toBe(401);
    const wrong = await fetch(`${server.url}/api/v1/runtime/status`, { headers: { authorization: "Bearer nope" } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toContain("bearer token");
    // The token is kept in the state dir, private, and the same on the next load.
    expect(readFileSync(join(stateDir, "runtime-api.token"), "utf8").trim()).toBe(token);
    expect(loadOrCreateToken(stateDir)).toBe(token);
  });

  test("GET/PUT config round-trips; a bad config is a 400 naming the field", async () => {
    expect((await call("GET", "/api/v1/runtime/config")).body).toEqual({});
    const put = await call("PUT", "/api/v1/runtime/config", {
      provider: "local",
      model: "tiny",
      settings: { temperature: 0.2 },
    });
    expect(put.status).toBe(200);
    expect((await call("GET", "/api/v1/runtime/config")).body).toEqual({
      provider: "local",
      model: "tiny",
      settings: { temperature: 0.2 },
    });
    const bad = await call("PUT", "/api/v1/runtime/config", { model: 5 });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain("model");
    expect((await call("PUT", "/api/v1/runtime/config", { nope: true })).status).toBe(400);
    const status = await call("GET", "/api/v1/runtime/status");
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({ status: "ok", agentTypes: ["default"] });
  });
});

describe("runtime API: workspaces and files", () => {
  let ws: string;

  test("create (from a template), list, get, update", async () => {
    const created = await call("POST", "/api/v1/workspaces", {
      name: "demo",
      template: "two-apps",
      metadata: { owner: "ops" },
    });
    expect(created.status).toBe(201);
    ws = created.body.id;
    expect(created.body).toMatchObject({ name: "demo", template: "two-apps", metadata: { owner: "ops" } });
    expect((await call("GET", "/api/v1/workspaces")).body.items.map((w: { id: string }) => w.id)).toContain(ws);
    expect((await call("GET", `/api/v1/workspaces/${ws}`)).body.name).toBe("demo");
    const updated = await call("PATCH", `/api/v1/workspaces/${ws}`, { name: "renamed" });
    expect(updated.body).toMatchObject({ name: "renamed", metadata: { owner: "ops" } });
    expect((await call("GET", "/api/v1/workspaces/ws_nope")).status).toBe(404);
    expect((await call("POST", "/api/v1/workspaces", { name: "x", template: "missing" })).status).toBe(404);
    expect((await call("POST", "/api/v1/workspaces", { name: "x", template: "../etc" })).status).toBe(400);
    expect((await call("POST", "/api/v1/workspaces", { name: "" })).status).toBe(400);
  });

  test("files: write (atomic, parents created), read, list, delete", async () => {
    const put = await call("PUT", `/api/v1/workspaces/${ws}/files/notes/today.txt`, "hello files", true);
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ path: "notes/today.txt", size: 11 });
    const read = await call("GET", `/api/v1/workspaces/${ws}/files/notes/today.txt`);
    expect(read.status).toBe(200);
    expect(read.body).toBe("hello files");
    const listing = await call("GET", `/api/v1/workspaces/${ws}/files/notes`);
    expect(listing.body).toEqual({
      type: "dir",
      path: "notes",
      entries: [{ name: "today.txt", type: "file", size: 11 }],
    });
    const root = await call("GET", `/api/v1/workspaces/${ws}/files`);
    expect(root.body.entries.map((e: { name: string }) => e.name)).toEqual(
      expect.arrayContaining(["app.runtime.yaml", "notes", "src"]),
    );
    // No temporary file left behind by the atomic write.
    expect(listing.body.entries).toHaveLength(1);
    expect((await call("DELETE", `/api/v1/workspaces/${ws}/files/notes`)).status).toBe(409);
    expect((await call("DELETE", `/api/v1/workspaces/${ws}/files/notes/today.txt`)).status).toBe(204);
    expect((await call("GET", `/api/v1/workspaces/${ws}/files/notes/today.txt`)).status).toBe(404);
    expect((await call("DELETE", `/api/v1/workspaces/${ws}/files`)).status).toBe(400);
  });

  test("every traversal attempt is refused and nothing outside the workspace is read or written", async () => {
    const dir = runtime.workspaces.dir(ws);
    // Links inside the workspace that point out of it.
    symlinkSync(stateDir, join(dir, "escape"));
    symlinkSync(join(stateDir, "secret.txt"), join(dir, "secret-link"));
    symlinkSync("../..", join(dir, "up"));
    mkdirSync(join(dir, "inner"));
    symlinkSync("inner", join(dir, "inner-link")); // stays inside: allowed

    const attempts = [
      `/api/v1/workspaces/${ws}/files/..%2f..%2fsecret.txt`,
      `/api/v1/workspaces/${ws}/files/..%2F..%2Fsecret.txt`,
      `/api/v1/workspaces/${ws}/files/%2e%2e%2f%2e%2e%2fsecret.txt`,
      `/api/v1/workspaces/${ws}/files/%252e%252e%252fsecret.txt`,
      `/api/v1/workspaces/${ws}/files/%2fetc%2fpasswd`,
      `/api/v1/workspaces/${ws}/files//etc/passwd`,
      `/api/v1/workspaces/${ws}/files/..%5c..%5csecret.txt`,
      `/api/v1/workspaces/${ws}/files/notes%00.txt`,
      `/api/v1/workspaces/${ws}/files/escape/secret.txt`,
      `/api/v1/workspaces/${ws}/files/secret-link`,
      `/api/v1/workspaces/${ws}/files/up/secret.txt`,
      `/api/v1/workspaces/${ws}/files/escape`,
      `/api/v1/workspaces/${ws}/files/%zz`,
    ];
    for (const path of attempts) {
      const response = await call("GET", path);
      expect({ path, refused: [400, 403].includes(response.status) }).toEqual({ path, refused: true });
      expect(JSON.stringify(response.body)).not.toContain("TOP-SECRET");
      expect(typeof response.body.error).toBe("string");
    }
    // Raw `..` segments: normalised away by the HTTP server before routing, so they never reach a workspace.
    for (const path of [
      `/api/v1/workspaces/${ws}/files/../../../secret.txt`,
      `/api/v1/workspaces/${ws}/files/%2e%2e/%2e%2e/%2e%2e/secret.txt`,
      `/api/v1/workspaces/${ws}/files/./../../../../secret.txt`,
    ]) {
      const response = await rawGet(path);
      expect([400, 403, 404]).toContain(response.status);
      expect(response.body).not.toContain("TOP-SECRET");
    }
    // Writes and deletes through the same paths are refused too, and create nothing outside.
    for (const path of ["..%2fplanted.txt", "escape/planted.txt", "up/planted.txt", "%2ftmp%2fplanted.txt"]) {
      const put = await call("PUT", `/api/v1/workspaces/${ws}/files/${path}`, "x", true);
      expect([400, 403]).toContain(put.status);
      expect([400, 403]).toContain((await call("DELETE", `/api/v1/workspaces/${ws}/files/${path}`)).status);
    }
    expect(existsSync(join(stateDir, "planted.txt"))).toBe(false);
    expect(existsSync(join(stateDir, "workspaces", "planted.txt"))).toBe(false);
    expect((await call("DELETE", `/api/v1/workspaces/${ws}/files/secret-link`)).status).toBe(204); // the link itself
    expect(readFileSync(join(stateDir, "secret.txt"), "utf8")).toBe("TOP-SECRET");
    // A link that stays inside works.
    await call("PUT", `/api/v1/workspaces/${ws}/files/inner/a.txt`, "inside", true);
    expect((await call("GET", `/api/v1/workspaces/${ws}/files/inner-link/a.txt`)).body).toBe("inside");
    for (const name of ["escape", "up"]) rmSync(join(dir, name));
  });

  test("export streams a tar.gz of the workspace; links are stored as links, never followed", async () => {
    symlinkSync(join(stateDir, "secret.txt"), join(runtime.workspaces.dir(ws), "leak"));
    const response = await fetch(`${server.url}/api/v1/workspaces/${ws}/export`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/gzip");
    const entries = readTar(Bun.gunzipSync(new Uint8Array(await response.arrayBuffer())));
    const byPath = new Map(entries.map((e) => [e.path, e]));
    expect([...byPath.keys()]).toEqual(
      expect.arrayContaining(["app.runtime.yaml", "src", "src/server.ts", "src/worker.ts", "inner/a.txt"]),
    );
    const manifest = byPath.get("app.runtime.yaml")!;
    expect(manifest.type === "file" && new TextDecoder().decode(manifest.data)).toContain("apps:");
    expect(byPath.get("leak")).toMatchObject({ type: "symlink", target: join(stateDir, "secret.txt") });
    for (const entry of entries)
      if (entry.type === "file") expect(new TextDecoder().decode(entry.data)).not.toContain("TOP-SECRET");
    rmSync(join(runtime.workspaces.dir(ws), "leak"));
  });

  test("a snapshot is restored: changed files come back, new ones go, escaping links are not recreated", async () => {
    await call("PUT", `/api/v1/workspaces/${ws}/files/state.txt`, "version 1", true);
    symlinkSync("../../secret.txt", join(runtime.workspaces.dir(ws), "bad-link"));
    const snap = await call("POST", `/api/v1/workspaces/${ws}/snapshots`, { label: "before" });
    expect(snap.status).toBe(201);
    expect(snap.body).toMatchObject({ workspaceId: ws, label: "before" });
    rmSync(join(runtime.workspaces.dir(ws), "bad-link"));
    await call("PUT", `/api/v1/workspaces/${ws}/files/state.txt`, "version 2", true);
    await call("PUT", `/api/v1/workspaces/${ws}/files/new.txt`, "new", true);
    expect((await call("GET", `/api/v1/workspaces/${ws}/snapshots`)).body.items).toHaveLength(1);
    const restored = await call("POST", `/api/v1/workspaces/${ws}/snapshots/${snap.body.id}/restore`);
    expect(restored.status).toBe(200);
    expect((await call("GET", `/api/v1/workspaces/${ws}/files/state.txt`)).body).toBe("version 1");
    expect((await call("GET", `/api/v1/workspaces/${ws}/files/new.txt`)).status).toBe(404);
    expect((await call("GET", `/api/v1/workspaces/${ws}/files/src/server.ts`)).status).toBe(200);
    expect(existsSync(join(runtime.workspaces.dir(ws), "bad-link"))).toBe(false);
    expect((await call("GET", `/api/v1/workspaces/${ws}/files/inner-link/a.txt`)).body).toBe("inside");
    expect((await call("POST", `/api/v1/workspaces/${ws}/snapshots/snap_nope/restore`)).status).toBe(404);
  });

  test("delete removes the workspace", async () => {
    const other = (await call("POST", "/api/v1/workspaces", { name: "throwaway" })).body.id;
    expect((await call("DELETE", `/api/v1/workspaces/${other}`)).status).toBe(204);
    expect((await call("GET", `/api/v1/workspaces/${other}`)).status).toBe(404);
    expect(existsSync(runtime.workspaces.dir(other))).toBe(false);
  });
});

describe("runtime API: apps from app.runtime.yaml", () => {
  let ws: string;
  const web = () => `${ws}.web`;
  const worker = () => `${ws}.worker`;

  beforeAll(async () => {
    ws = (await call("POST", "/api/v1/workspaces", { name: "apps", template: "two-apps" })).body.id;
  });
  afterAll(async () => {
    await call("DELETE", `/api/v1/workspaces/${ws}`);
  });

  test("ports are assigned from the range and reported", async () => {
    const ports = await call("GET", `/api/v1/apps/ports?workspaceId=${ws}`);
    expect(ports.status).toBe(200);
    const webPorts = ports.body.items.find((p: AppPorts) => p.app === "web");
    expect(webPorts.appId).toBe(web());
    expect(webPorts.ports.http).toBeGreaterThanOrEqual(31_000);
    expect(webPorts.ports.http).toBeLessThanOrEqual(31_999);
    expect(ports.body.items.find((p: AppPorts) => p.app === "worker").ports).toEqual({});
    // Stable: asked again, the same port.
    expect(
      (await call("GET", "/api/v1/apps/ports")).body.items.find((p: AppPorts) => p.appId === web()).ports.http,
    ).toBe(webPorts.ports.http);
  });

  test("starting the worker sets up, builds and starts the web app first; both run; the worker talks to web", async () => {
    const started = await call("POST", `/api/v1/apps/${worker()}/start`);
    expect(started.body.error).toBeUndefined();
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ appId: worker(), phase: "healthy", desired: "running" });
    const webStatus = (await call("GET", `/api/v1/apps/${web()}/build-status`)).body;
    expect(webStatus).toMatchObject({ phase: "healthy", lastError: null });
    expect(webStatus.builtAt).not.toBeNull();
    const port = webStatus.ports.http;
    const info = (await (await fetch(`http://127.0.0.1:${port}/`)).json()) as { port: number };
    expect(info.port).toBe(port);
    const dir = runtime.workspaces.dir(ws);
    expect(readFileSync(join(dir, "setup.log"), "utf8")).toContain("setting up web");
    expect(readFileSync(join(dir, "build.out"), "utf8")).toBe("built\n");
    await waitFor(
      "the worker to reach web",
      () => existsSync(join(dir, "worker.out")) && readFileSync(join(dir, "worker.out"), "utf8").startsWith("hello "),
    );
    // Both starts went through the safety policy, with the number of apps that would run (for paramBounds).
    const starts = admitted.filter((a) => a.kind === "app.start");
    expect(starts.map((a) => [a.params.app, a.params.appCount])).toEqual([
      ["web", 1],
      ["worker", 2],
    ]);
    const logs = await call("GET", `/api/v1/apps/${web()}/logs`);
    expect(logs.body.items.some((l: { line: string }) => l.line === `listening on ${port}`)).toBe(true);
  });

  test("ensure-running is idempotent: the same process keeps running", async () => {
    const before = (await call("GET", `/api/v1/apps/${web()}/build-status`)).body.pid;
    const again = await call("POST", `/api/v1/apps/${web()}/ensure-running`);
    expect(again.status).toBe(200);
    expect(again.body.pid).toBe(before);
    expect((await call("POST", `/api/v1/apps/${web()}/ensure-running`)).body.pid).toBe(before);
  });

  test("a crash restarts the app with backoff, on the same port", async () => {
    const before = (await call("GET", `/api/v1/apps/${web()}/build-status`)).body;
    await fetch(`http://127.0.0.1:${before.ports.http}/crash`);
    const after = await waitFor("web to be restarted", async () => {
      const s = (await call("GET", `/api/v1/apps/${web()}/build-status`)).body;
      return s.phase === "healthy" && s.pid !== before.pid ? s : undefined;
    });
    expect(after.restarts).toBeGreaterThanOrEqual(1);
    expect(after.lastExitCode).toBe(1);
    expect(after.ports.http).toBe(before.ports.http);
    const logs = (await call("GET", `/api/v1/apps/${web()}/logs`)).body.items.map((l: { line: string }) => l.line);
    expect(logs).toContain("process exited with code 1");
    expect(logs.some((l: string) => /restarting in \d+ms \(restart 1\)/.test(l))).toBe(true);
  });

  test("stop is graceful and the app stays stopped; ensure-running brings it back", async () => {
    const pid = (await call("GET", `/api/v1/apps/${worker()}/build-status`)).body.pid;
    const stopped = await call("POST", `/api/v1/apps/${worker()}/stop`);
    expect(stopped.body).toMatchObject({ phase: "stopped", desired: "stopped", pid: null });
    expect(() => process.kill(pid, 0)).toThrow();
    const back = await call("POST", `/api/v1/apps/${worker()}/ensure-running`);
    expect(back.body).toMatchObject({ phase: "healthy", desired: "running" });
  });

  test("setup runs again on request; build-status reports it", async () => {
    const setup = await call("POST", `/api/v1/apps/${worker()}/setup`);
    expect(setup.status).toBe(200);
    expect(setup.body.builtAt).not.toBeNull();
  });

  test("a start refused by the safety policy is a 403 and nothing runs", async () => {
    await call("POST", `/api/v1/apps/${worker()}/stop`);
    refuse = 'command kind "app.start" is not allowed';
    try {
      const refused = await call("POST", `/api/v1/apps/${worker()}/start`);
      expect(refused.status).toBe(403);
      expect(refused.body.error).toContain("app.start");
      const status = (await call("GET", `/api/v1/apps/${worker()}/build-status`)).body;
      expect(status).toMatchObject({ phase: "failed", pid: null });
    } finally {
      refuse = undefined;
    }
  });

  test("resolved-apps/start starts every app in dependency order", async () => {
    const started = await call("POST", `/api/v1/internal/workspaces/${ws}/resolved-apps/start`);
    expect(started.status).toBe(200);
    expect(started.body.items.map((a: { name: string; phase: string }) => [a.name, a.phase])).toEqual([
      ["web", "healthy"],
      ["worker", "healthy"],
    ]);
  });

  test("a bad manifest is a 422 naming the field; unknown apps are 404", async () => {
    const bad = (await call("POST", "/api/v1/workspaces", { name: "bad" })).body.id;
    await call(
      "PUT",
      `/api/v1/workspaces/${bad}/files/app.runtime.yaml`,
      "apps:\n  web:\n    start: x\n    dependsOn: [db]\n",
      true,
    );
    const response = await call("POST", `/api/v1/apps/${bad}.web/start`);
    expect(response.status).toBe(422);
    expect(response.body.error).toBe('app.runtime.yaml: apps.web.dependsOn: unknown app "db"');
    await call(
      "PUT",
      `/api/v1/workspaces/${bad}/files/app.runtime.yaml`,
      "apps:\n  web:\n    start: 5\n    ports: { http: { port: 99999 } }\n",
      true,
    );
    const second = await call("POST", `/api/v1/apps/${bad}.web/start`);
    expect(second.status).toBe(422);
    expect(second.body.error).toContain("apps.web.");
    await call("PUT", `/api/v1/workspaces/${bad}/files/app.runtime.yaml`, "apps: [unclosed", true);
    expect((await call("POST", `/api/v1/apps/${bad}.web/start`)).body.error).toContain("not valid YAML");
    expect((await call("POST", `/api/v1/apps/${ws}.nope/start`)).status).toBe(404);
    expect((await call("GET", "/api/v1/apps/nodot/build-status")).status).toBe(404);
    await call("DELETE", `/api/v1/workspaces/${bad}`);
  });

  test("memory and CPU caps: the OS enforces them, an app over its memory cap dies, the policy sees the caps", async () => {
    const status = (await call("GET", "/api/v1/runtime/status")).body;
    expect(status.limits.memory.enforced).toBe(true); // this test machine has prlimit (util-linux)
    const capped = (await call("POST", "/api/v1/workspaces", { name: "capped" })).body.id;
    await call(
      "PUT",
      `/api/v1/workspaces/${capped}/files/app.runtime.yaml`,
      `apps:
  calm:
    start: grep "Max address space" /proc/self/limits; echo "nice $(cut -d' ' -f19 /proc/self/stat)"; exec sleep 60
    limits: { memoryMb: 64, nice: 7 }
  hog:
    start: x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo "survived \${#x}"
    limits: { memoryMb: 64 }
    restart: { policy: never }
`,
      true,
    );
    const before = admitted.length;
    expect((await call("POST", `/api/v1/apps/${capped}.calm/start`)).status).toBe(200);
    const calmLogs = await waitFor("the capped app's limits in its log", async () => {
      const lines = (await call("GET", `/api/v1/apps/${capped}.calm/logs`)).body.items.map(
        (l: { line: string }) => l.line,
      ) as string[];
      return lines.some((l) => l.startsWith("nice ")) ? lines : undefined;
    });
    const asLine = calmLogs.find((l) => l.startsWith("Max address space"))!;
    expect(asLine.split(/\s+/).slice(3, 5)).toEqual([String(64 * 1024 * 1024), String(64 * 1024 * 1024)]);
    expect(calmLogs).toContain("nice 7");
    // the safety policy is asked with the caps (0 = none), so paramBounds can demand them
    expect(admitted.slice(before).find((a) => a.params.app === "calm")?.params).toMatchObject({
      memoryMb: 64,
      nice: 7,
    });

    await call("POST", `/api/v1/apps/${capped}.hog/start`);
    const hog = await waitFor("the memory hog to die", async () => {
      const s = (await call("GET", `/api/v1/apps/${capped}.hog/build-status`)).body;
      return s.pid === null && ["failed", "stopped", "exited", "crashed"].includes(s.phase) ? s : undefined;
    });
    const hogLogs = (await call("GET", `/api/v1/apps/${capped}.hog/logs`)).body.items.map(
      (l: { line: string }) => l.line,
    ) as string[];
    expect(hogLogs.some((l) => l.startsWith("survived"))).toBe(false);
    expect(hogLogs.some((l) => /exited with code [1-9]|killed/.test(l))).toBe(true);
    expect(hog.phase).not.toBe("healthy");
    await call("POST", `/api/v1/apps/${capped}.calm/stop`);
  });

  test("template/clone clones from a real git HTTP server (git http-backend), at a ref, without .git", async () => {
    const repos = mkdtempSync(join(tmpdir(), "git-repos-"));
    const git = (cwd: string, ...args: string[]) => {
      const r = Bun.spawnSync(["git", ...args], {
        cwd,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: "t",
          GIT_AUTHOR_EMAIL: "t@t",
          GIT_COMMITTER_NAME: "t",
          GIT_COMMITTER_EMAIL: "t@t",
        },
      });
      if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString()}`);
    };
    const src = join(repos, "src");
    mkdirSync(src);
    git(src, "init", "-q", "-b", "main");
    writeFileSync(join(src, "app.runtime.yaml"), "apps:\n  hello:\n    start: echo hi\n");
    writeFileSync(join(src, "README.txt"), "main branch");
    git(src, "add", ".");
    git(src, "commit", "-q", "-m", "main");
    git(src, "checkout", "-q", "-b", "v2");
    mkdirSync(join(src, "lib"));
    writeFileSync(join(src, "lib", "extra.txt"), "only on v2");
    writeFileSync(join(src, "README.txt"), "v2 branch");
    git(src, "add", ".");
    git(src, "commit", "-q", "-m", "v2");
    git(src, "checkout", "-q", "main"); // the default branch (HEAD) of the served repository
    git(repos, "clone", "-q", "--bare", src, "template.git");
    // git's own smart-HTTP server (CGI) behind Bun.serve
    const http = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      async fetch(req) {
        const url = new URL(req.url);
        const proc = Bun.spawn(["git", "http-backend"], {
          env: {
            ...process.env,
            GIT_PROJECT_ROOT: repos,
            GIT_HTTP_EXPORT_ALL: "1",
            PATH_INFO: decodeURIComponent(url.pathname),
            QUERY_STRING: url.search.slice(1),
            REQUEST_METHOD: req.method,
            CONTENT_TYPE: req.headers.get("content-type") ?? "",
            HTTP_CONTENT_ENCODING: req.headers.get("content-encoding") ?? "",
            GIT_PROTOCOL: req.headers.get("git-protocol") ?? "",
            REMOTE_ADDR: "127.0.0.1",
          },
          stdin: req.body ? new Uint8Array(await req.arrayBuffer()) : "ignore",
          stdout: "pipe",
          stderr: "ignore",
        });
        const out = Buffer.from(await new Response(proc.stdout).arrayBuffer());
        await proc.exited;
        const split = out.indexOf("\r\n\r\n");
        const headerText = out.subarray(0, split).toString();
        const headers = new Headers();
        let status = 200;
        for (const line of headerText.split("\r\n")) {
          const colon = line.indexOf(":");
          const name = line.slice(0, colon).trim();
          const value = line.slice(colon + 1).trim();
          if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
          else headers.append(name, value);
        }
        return new Response(out.subarray(split + 4), { status, headers });
      },
    });
    try {
      const base = `http://127.0.0.1:${http.port}`;
      const id = (await call("POST", "/api/v1/workspaces", { name: "cloned" })).body.id;
      const cloned = await call("POST", `/api/v1/workspaces/${id}/template/clone`, {
        url: `${base}/template.git`,
        ref: "v2",
      });
      expect(cloned.status).toBe(200);
      expect((await call("GET", `/api/v1/workspaces/${id}/files/README.txt`)).body).toBe("v2 branch");
      expect((await call("GET", `/api/v1/workspaces/${id}/files/lib/extra.txt`)).body).toBe("only on v2");
      const root = (await call("GET", `/api/v1/workspaces/${id}/files`)).body.entries.map(
        (e: { name: string }) => e.name,
      );
      expect(root.sort()).toEqual(["README.txt", "app.runtime.yaml", "lib"]);
      // the cloned manifest is the workspace's: its app is listed
      expect((await call("GET", `/api/v1/apps/ports?workspaceId=${id}`)).status).toBe(200);

      const main = (await call("POST", "/api/v1/workspaces", { name: "cloned-main" })).body.id;
      expect(
        (await call("POST", `/api/v1/workspaces/${main}/template/clone`, { url: `${base}/template.git` })).status,
      ).toBe(200);
      expect((await call("GET", `/api/v1/workspaces/${main}/files/README.txt`)).body).toBe("main branch");
      expect((await call("GET", `/api/v1/workspaces/${main}/files/lib/extra.txt`)).status).toBe(404);

      const missing = await call("POST", `/api/v1/workspaces/${main}/template/clone`, { url: `${base}/nope.git` });
      expect(missing.status).toBe(422);
      expect(missing.body.error).toContain("git clone failed");
      const badRef = await call("POST", `/api/v1/workspaces/${main}/template/clone`, {
        url: `${base}/template.git`,
        ref: "no-such-branch",
      });
      expect(badRef.status).toBe(422);
      expect((await call("POST", `/api/v1/workspaces/${main}/template/clone`, { url: "git://x/y" })).status).toBe(400);
    } finally {
      http.stop(true);
      rmSync(repos, { recursive: true, force: true });
    }
  });

  test("deleting the workspace stops its apps", async () => {
    const pids = [
      (await call("GET", `/api/v1/apps/${web()}/build-status`)).body.pid,
      (await call("GET", `/api/v1/apps/${worker()}/build-status`)).body.pid,
    ];
    expect((await call("DELETE", `/api/v1/workspaces/${ws}`)).status).toBe(204);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
  });
});

describe("runtime API: agent runs", () => {
  test("POST /agent-runs starts a run; it finishes with the program's result and events", async () => {
    const started = await call("POST", "/api/v1/agent-runs", { prompt: "count" });
    expect(started.status).toBe(201);
    const done = await waitFor("the run to finish", async () => {
      const run = (await call("GET", `/api/v1/agent-runs/${started.body.id}`)).body;
      return run.status !== "running" ? run : undefined;
    });
    expect(done).toMatchObject({ status: "completed", result: { answer: 42 }, agentType: "default" });
    expect(done.events.map((e: { type: string }) => e.type)).toEqual(["started", "tool", "output", "finished"]);
    expect(admitted.some((a) => a.kind === "agent" && a.params.prompt === "count")).toBe(true);
  });

  test("POST /agent-runs/stream delivers the events as server-sent events as they happen", async () => {
    const response = await fetch(`${server.url}/api/v1/agent-runs/stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}` },
      body: JSON.stringify({ prompt: "stream me" }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const text = await response.text();
    const events = text
      .trim()
      .split("\n\n")
      .map((block) => ({
        type: /^event: (.*)$/m.exec(block)![1],
        data: JSON.parse(/^data: (.*)$/m.exec(block)![1]!),
      }));
    expect(events.map((e) => e.type)).toEqual(["started", "tool", "output", "finished"]);
    expect(events[2]!.data.line).toBe("thinking about: stream me");
    expect(events[3]!.data).toMatchObject({ status: "completed", result: { answer: 42 } });
  });

  test("refused by policy → 403; unknown agent type → 409; bad body → 400", async () => {
    refuse = 'command kind "agent" is denied';
    try {
      expect((await call("POST", "/api/v1/agent-runs", { prompt: "x" })).status).toBe(403);
    } finally {
      refuse = undefined;
    }
    expect((await call("POST", "/api/v1/agent-runs", { prompt: "x", agentType: "nope" })).status).toBe(409);
    expect((await call("POST", "/api/v1/agent-runs", { prompt: "" })).status).toBe(400);
    expect((await call("POST", "/api/v1/agent-runs", "not json", true)).status).toBe(400);
  });
});
