/**
 * Interactive terminals through the control plane: a pty-token, then `WS /ws/pty/:hostId` bridged to a real agent's
 * PTY over its gRPC session — output and the shell's exit code, resize seen by `stty size`, another tenant 404,
 * a safety policy forbidding `pty` refuses it, an agent without a live session is a 503, a token is single-use.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopAllAgents } from "../support/agent-process";
import { availableBackends, postgresReachable } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { agentFor, hostOnline, policedEnvironment } from "../support/runtime";
import { waitFor } from "../support/wait";
import { connectPty } from "../support/pty-session";

const backends = await availableBackends();
const setups = [{ label: "PGlite", backend: backends[0]! }];
if (await postgresReachable()) setups.push({ label: "PostgreSQL", backend: backends[1]! });

describe.each(setups)("terminals through the control plane ($label)", ({ backend }) => {
  let t: TestPlane;
  let hostId: string;
  let refusingHostId: string;

  beforeAll(async () => {
    t = await startTestPlane(backend);
    // gRPC to the main port: agents' sessions and the terminals' websockets both go through the one-port front.
    const grpc = { EDGE_GRPC_URL: `127.0.0.1:${new URL(t.plane.url).port}` };
    const open = await policedEnvironment(t, "pty-open", { deniedKinds: ["never.this"] });
    const closed = await policedEnvironment(t, "pty-closed", { deniedKinds: ["pty"] });
    const a = await agentFor(t, open, "pty", { env: grpc });
    const b = await agentFor(t, closed, "pty-refused", { env: grpc });
    hostId = a.host.id;
    refusingHostId = b.host.id;
    a.agent.start();
    b.agent.start();
    await hostOnline(t, hostId);
    await hostOnline(t, refusingHostId);
    await a.agent.waitForOutput(/gRPC session up/, 30_000);
    await b.agent.waitForOutput(/gRPC session up/, 30_000);
    // The refusal under test is the policy's, not the fail-closed one of an agent still without its set.
    await b.agent.waitForOutput(/safety policy set received/, 60_000);
  }, 150_000);
  afterAll(async () => {
    await stopAllAgents();
    await t?.stop();
  });

  const wsUrl = (path: string) => `${t.plane.url.replace(/^http/, "ws")}${path}`;
  const token = async (host: string, key = t.adminKey) => t.api.post(`/api/v1/hosts/${host}/pty-token`, {}, key);

  test("a shell: output, resize seen by stty, exit code; audited", async () => {
    const grant = await token(hostId);
    expect(grant.status).toBe(201);
    expect(grant.body.channelToken).toStartWith("pty_ct_");
    expect(grant.body.websocket).toBe(`/ws/pty/${hostId}`);
    const s = connectPty(wsUrl(grant.body.websocket), {
      token: t.adminKey,
      channelToken: grant.body.channelToken,
      cols: 80,
      rows: 24,
    });
    await waitFor("ready", () => s.control.find((c) => c.type === "ready"));
    s.send("stty size\n");
    await waitFor("the first size", () => /24 80/.test(s.output()) || undefined);
    s.send({ type: "resize", cols: 132, rows: 43 });
    s.send("stty size\n");
    await waitFor("the new size", () => /43 132/.test(s.output()) || undefined);
    s.send({ type: "input", data: "echo hi; exit 3\n" });
    const exit = await waitFor("the exit", () => s.control.find((c) => c.type === "exit"));
    expect(exit).toEqual({ type: "exit", code: 3 });
    expect(s.output()).toMatch(/[\r\n]hi\r\n/);
    expect(await s.closed).toBe(1000);

    // The token was single-use.
    const again = connectPty(wsUrl(grant.body.websocket), { token: t.adminKey, channelToken: grant.body.channelToken });
    expect(await again.closed).toBe(4401);
    expect(again.control[0]).toMatchObject({ type: "error", status: 401 });

    const audit = await waitFor("the session in the audit trail", async () => {
      const res = await t.api.get("/api/admin/audit-logs?action=host.pty_session", t.adminKey);
      return res.body.items.length ? res.body.items : undefined;
    });
    expect(audit[0]).toMatchObject({ target: hostId, detail: { exitCode: 3 } });
    const issued = await t.api.get("/api/admin/audit-logs?action=host.pty_token", t.adminKey);
    expect(issued.body.items[0].target).toBe(hostId);
  }, 60_000);

  test("edgectl pty HOST with piped stdin: output and the shell's exit code; refused = 1", async () => {
    const home = mkdtempSync(join(tmpdir(), "edgectl-pty-"));
    const run = async (host: string, input: string) => {
      const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("EDGECTL_")));
      const proc = Bun.spawn([process.execPath, "cli/src/main.ts", "pty", host], {
        env: { ...clean, XDG_CONFIG_HOME: home, EDGECTL_TOKEN: t.adminKey, EDGECTL_API_URL: t.plane.url },
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
    try {
      const ok = await run(hostId, "echo from-$((40+2)); exit 5\n");
      expect({ code: ok.code, stderr: ok.stderr }).toEqual({ code: 5, stderr: "" });
      expect(ok.stdout).toContain("from-42");
      const refused = await run(refusingHostId, "exit 0\n");
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("pty");
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);

  test("another tenant gets 404; a bad bearer is refused on the socket", async () => {
    const other = await createTenant(t, `other-${crypto.randomUUID().slice(0, 6)}`);
    expect((await token(hostId, other.key)).status).toBe(404);
    const grant = await token(hostId);
    // Another tenant's user cannot redeem this tenant's channel token.
    const s = connectPty(wsUrl(`/ws/pty/${hostId}`), { token: other.key, channelToken: grant.body.channelToken });
    expect(await s.closed).toBe(4401);
    const bad = connectPty(wsUrl(`/ws/pty/${hostId}`), { token: "nope", channelToken: grant.body.channelToken });
    expect(await bad.closed).toBe(4401);
    const noAuth = new WebSocket(wsUrl(`/ws/pty/${hostId}`));
    const code = await new Promise<number>((resolve) => {
      noAuth.onopen = () => noAuth.send("hello");
      noAuth.onclose = (e) => resolve(e.code);
    });
    expect(code).toBe(4400);
  }, 30_000);

  test("a safety policy forbidding pty refuses the terminal", async () => {
    const grant = await token(refusingHostId);
    expect(grant.status).toBe(201);
    const s = connectPty(wsUrl(grant.body.websocket), { token: t.adminKey, channelToken: grant.body.channelToken });
    const exit = await waitFor("the refusal", () => s.control.find((c) => c.type === "exit"));
    expect(exit.code).toBe(-1);
    expect(String(exit.error)).toContain("pty");
    expect(s.control.find((c) => c.type === "ready")).toBeUndefined();
  }, 30_000);

  test("an agent without a live session is a 503; an unknown host 404", async () => {
    const offline = await agentFor(t, await policedEnvironment(t, "pty-off", { deniedKinds: ["x"] }), "pty-off");
    const res = await token(offline.host.id);
    expect(res.status).toBe(503);
    expect(res.body.error).toContain("live session");
    expect((await token("host_missing")).status).toBe(404);
  }, 30_000);
});
