/**
 * Worker enrollment: one-time worker tokens, registration (creates or links the machine and its runtime
 * identity), refresh with reuse detection, recovery with a rotating secret, and a real agent enrolling itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { AgentProcess, stopAllAgents } from "../support/agent-process";
import { hostOnline } from "../support/runtime";
import { waitFor } from "../support/wait";

describe.each(await availableBackends())("worker enrollment on $name", (backend) => {
  let t: TestPlane;
  let key: string;

  beforeAll(async () => {
    t = await startTestPlane(backend, { taskSchedulerTickMs: 200, taskAssignmentLeaseMs: 1_000 });
    key = t.adminKey;
  });
  afterEach(() => stopAllAgents());
  afterAll(() => t?.stop());

  const newToken = async (name = "rack-1") => {
    const res = await t.api.post("/api/admin/worker-tokens", { name }, key);
    expect(res.status).toBe(201);
    expect(res.body.token).toStartWith("wkt_");
    return res.body as { id: string; token: string; status: string };
  };
  const register = (token: string, machineId: string, extra: Record<string, unknown> = {}) =>
    t.api.post("/api/workers/register", {
      machineId,
      token,
      name: machineId,
      capabilities: ["gpu"],
      hardware: { cpus: 8, arch: "x64" },
      ...extra,
    });

  test("register with a one-time token; reuse, revoked and unknown tokens are refused", async () => {
    const token = await newToken();
    expect(token.status).toBe("active");
    expect((await register("wkt_nope", "m-unknown")).status).toBe(401);

    const machineId = `m-${crypto.randomUUID().slice(0, 8)}`;
    const res = await register(token.token, machineId, { labels: { zone: "a" }, maxConcurrentTasks: 3 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ tokenType: "Bearer", workerMachineId: machineId });
    expect(res.body.recoverySecret).toStartWith("rtrs_");
    expect(res.body.accessToken).toBeString();
    const machine = (await t.api.get(`/api/web/machines/${res.body.machineId}`, key)).body;
    expect(machine).toMatchObject({
      name: machineId,
      capabilities: ["gpu"],
      hardware: { cpus: 8, arch: "x64" },
      labels: { zone: "a" },
      maxConcurrentTasks: 3,
      workerMachineId: machineId,
    });
    expect((await t.api.get("/api/runtime/auth/status", res.body.accessToken)).status).toBe(200);

    const reused = await register(token.token, machineId);
    expect(reused.status).toBe(401);
    expect(reused.body.error).toContain("invalid, used, revoked or expired");
    const status = (await t.api.get(`/api/admin/worker-tokens/${token.id}/status`, key)).body;
    expect(status).toMatchObject({
      status: "used",
      machineId: res.body.machineId,
      machine: { id: res.body.machineId, workerMachineId: machineId },
    });

    const revoked = await newToken("to-revoke");
    expect((await t.api.post(`/api/admin/worker-tokens/${revoked.id}/revoke`, undefined, key)).body.status).toBe(
      "revoked",
    );
    expect((await register(revoked.token, "m-revoked")).status).toBe(401);
    const listed = (await t.api.get("/api/admin/worker-tokens", key)).body.items;
    expect(listed.find((x: { id: string; token: string | undefined }) => x.id === revoked.id)).toMatchObject({
      status: "revoked",
    });
    expect(listed.every((x: { token: string | undefined }) => x.token === undefined)).toBe(true); // shown once only

    // another tenant sees none of it
    const other = await createTenant(t, `workers-${crypto.randomUUID().slice(0, 6)}`);
    expect((await t.api.get(`/api/admin/worker-tokens/${token.id}/status`, other.key)).status).toBe(404);
    expect((await t.api.get(`/api/web/machines/${res.body.machineId}`, other.key)).status).toBe(404);
  });

  test("registering the same machineId again links the same machine and retires its old identity", async () => {
    const machineId = `m-${crypto.randomUUID().slice(0, 8)}`;
    const first = (await register((await newToken()).token, machineId)).body;
    const second = await register((await newToken()).token, machineId, { capabilities: ["gpu", "camera"] });
    expect(second.status).toBe(201);
    expect(second.body.machineId).toBe(first.machineId);
    expect(second.body.runtimeId).not.toBe(first.runtimeId);
    expect((await t.api.get("/api/runtime/auth/status", first.accessToken)).status).toBe(401);
    expect((await t.api.get(`/api/web/machines/${first.machineId}`, key)).body.capabilities).toEqual(["gpu", "camera"]);
  });

  test("refresh rotates (a reused refresh token is refused); recovery re-issues tokens once per secret", async () => {
    const enrolled = (await register((await newToken()).token, `m-${crypto.randomUUID().slice(0, 8)}`)).body;
    const refreshed = await t.api.post("/api/workers/refresh-token", { refreshToken: enrolled.refreshToken });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(enrolled.refreshToken);
    expect((await t.api.post("/api/workers/refresh-token", { refreshToken: enrolled.refreshToken })).status).toBe(401);

    // the worker lost its tokens (e.g. crashed between a rotation and saving the new pair)
    expect(
      (await t.api.post("/api/workers/recover", { runtimeId: enrolled.runtimeId, recoverySecret: "rtrs_wrong" }))
        .status,
    ).toBe(401);
    const recovered = await t.api.post("/api/workers/recover", {
      runtimeId: enrolled.runtimeId,
      recoverySecret: enrolled.recoverySecret,
    });
    expect(recovered.status).toBe(200);
    expect(recovered.body.runtimeId).toBe(enrolled.runtimeId);
    expect(recovered.body.recoverySecret).not.toBe(enrolled.recoverySecret);
    expect((await t.api.get("/api/runtime/auth/status", recovered.body.accessToken)).status).toBe(200);
    expect((await t.api.get("/api/runtime/auth/status", refreshed.body.accessToken)).status).toBe(401); // earlier sessions revoked
    // the secret was rotated: the old one is spent
    expect(
      (
        await t.api.post("/api/workers/recover", {
          runtimeId: enrolled.runtimeId,
          recoverySecret: enrolled.recoverySecret,
        })
      ).status,
    ).toBe(401);
    // a decommissioned machine's worker cannot recover
    await t.api.delete(`/api/admin/machines/${enrolled.machineId}`, key);
    expect(
      (
        await t.api.post("/api/workers/recover", {
          runtimeId: enrolled.runtimeId,
          recoverySecret: recovered.body.recoverySecret,
        })
      ).status,
    ).toBe(401);
  });

  test("a real agent enrolls with --enroll-token, reports its capabilities and runs tasks", async () => {
    const token = await newToken("agent");
    const machineId = `agent-${crypto.randomUUID().slice(0, 8)}`;
    const agent = new AgentProcess({
      apiUrl: t.plane.url,
      mqttUrl: t.plane.transport.mqttUrl,
      runtimeId: "",
      env: {
        EDGE_ENROLL_TOKEN: token.token,
        EDGE_MACHINE_ID: machineId,
        EDGE_CAPABILITIES: "lidar",
        EDGE_AGENT_TYPES: "default=/bin/cat",
      },
    }).start();
    const status = await waitFor("the token to be used", async () => {
      const s = (await t.api.get(`/api/admin/worker-tokens/${token.id}/status`, key)).body;
      return s.status === "used" ? s : undefined;
    });
    const hostId = status.machineId;
    await hostOnline(t, hostId);
    const machine = (await t.api.get(`/api/web/machines/${hostId}`, key)).body;
    expect(machine.capabilities).toEqual(["lidar", "agent:default"]);
    expect(machine.hardware.cpus).toBeGreaterThan(0);
    expect(existsSync(join(agent.stateDir, "recovery-secret"))).toBe(true);
    expect(readFileSync(join(agent.stateDir, "recovery-secret"), "utf8")).toStartWith("rtrs_");
    expect((await t.api.get("/api/workers/healthz")).body.connectedWorkers).toBeGreaterThanOrEqual(1);

    const project = await t.api.post(
      "/api/admin/projects",
      {
        key: `enr${crypto.randomUUID().slice(0, 6)}`,
        name: "enrolled",
        pipeline: [{ name: "run", kind: "agent" }],
        settings: { requirements: { capabilities: ["lidar"] } },
      },
      key,
    );
    expect(project.status).toBe(201);
    const created = await t.api.post(
      "/api/web/tasks",
      { projectKey: project.body.key, description: "hello from the queue" },
      key,
    );
    const done = await waitFor(
      "the task to finish",
      async () => {
        const x = (await t.api.get(`/api/web/tasks/${created.body.id}`, key)).body;
        return ["completed", "failed"].includes(x.status) ? x : undefined;
      },
      30_000,
    );
    expect({ status: done.status, error: done.error, machineId: done.machineId }).toEqual({
      status: "completed",
      error: null,
      machineId: hostId,
    });
    expect(done.stageResults.run).toContain("hello from the queue"); // /bin/cat echoes the task it was given

    // restarting reuses the stored identity (the token is spent)
    await agent.stop({ keepState: true });
    const again = new AgentProcess({
      apiUrl: t.plane.url,
      mqttUrl: t.plane.transport.mqttUrl,
      runtimeId: "",
      stateDir: agent.stateDir,
      env: { EDGE_ENROLL_TOKEN: token.token, EDGE_MACHINE_ID: machineId },
    }).start();
    await again.waitForOutput(/started for runtime runtime_/);
    await hostOnline(t, hostId);
  });

  test("an agent whose refresh token is refused recovers with its recovery secret and carries on", async () => {
    const token = await newToken("recovering");
    const machineId = `rec-${crypto.randomUUID().slice(0, 8)}`;
    const env = { EDGE_ENROLL_TOKEN: token.token, EDGE_MACHINE_ID: machineId };
    const agent = new AgentProcess({ apiUrl: t.plane.url, mqttUrl: t.plane.transport.mqttUrl, runtimeId: "", env });
    agent.start();
    const hostId = await waitFor("the token to be used", async () => {
      const s = (await t.api.get(`/api/admin/worker-tokens/${token.id}/status`, key)).body;
      return s.status === "used" ? (s.machineId as string) : undefined;
    });
    await hostOnline(t, hostId);
    const secretFile = join(agent.stateDir, "recovery-secret");
    const firstSecret = readFileSync(secretFile, "utf8");

    // The agent "crashes" between a server-side rotation and saving the new pair: the control plane rotated its
    // refresh token, the agent still holds the old one (presenting it again revokes the whole session).
    await agent.stop({ keepState: true });
    const state = new Database(join(agent.stateDir, "agent.db"), { readonly: true });
    const { refresh_token, runtime_id } = state
      .query("SELECT refresh_token, runtime_id FROM identity WHERE id = 1")
      .get() as { refresh_token: string; runtime_id: string };
    state.close();
    expect((await t.api.post("/api/workers/refresh-token", { refreshToken: refresh_token })).status).toBe(200);
    // ...and the old token presented again (as the agent will) revokes the session: its access token is dead too.
    expect((await t.api.post("/api/workers/refresh-token", { refreshToken: refresh_token })).status).toBe(401);

    const again = new AgentProcess({
      apiUrl: t.plane.url,
      mqttUrl: t.plane.transport.mqttUrl,
      runtimeId: "",
      stateDir: agent.stateDir,
      env,
    }).start();
    await again.waitForOutput(/token refresh refused .*; recovering with the recovery secret/, 20_000);
    await again.waitForOutput(/tokens recovered with the recovery secret/, 10_000);
    const secondSecret = readFileSync(secretFile, "utf8");
    expect(secondSecret).toStartWith("rtrs_");
    expect(secondSecret).not.toBe(firstSecret); // rotated, and saved
    // the old secret is spent
    expect(
      (await t.api.post("/api/workers/recover", { runtimeId: runtime_id, recoverySecret: firstSecret })).status,
    ).toBe(401);
    // it carries on: online, and it runs work
    await hostOnline(t, hostId);
    const command = await t.api.post("/api/v1/commands", { hostId, kind: "echo", params: { hello: 1 } }, key);
    expect(command.status).toBe(201);
    const done = await waitFor(
      "the command to complete",
      async () => {
        const c = (await t.api.get(`/api/v1/commands/${command.body.id}`, key)).body;
        return ["completed", "failed", "cancelled", "expired"].includes(c.status) ? c : undefined;
      },
      20_000,
    );
    expect(done.status).toBe("completed");
    expect(again.output).not.toContain("exiting without publishing");

    // A revoked identity cannot be recovered: decommissioned, the agent is refused both ways and exits.
    expect((await t.api.delete(`/api/admin/machines/${hostId}`, key)).status).toBe(200);
    expect(await again.exitCode(20_000)).toBe(3);
    expect(again.output).toMatch(/recovery refused: POST \/api\/workers\/recover answered 401/);
  });

  test("assignment lease: a task its machine never starts goes back to the queue, its command cancelled", async () => {
    // A machine that looks online (status set by hand) but has no agent taking work.
    const host = (
      await t.api.post(
        "/api/v1/hosts",
        { name: `silent-${crypto.randomUUID().slice(0, 6)}`, labels: { role: "silent" } },
        key,
      )
    ).body;
    await t.api.put(`/api/v1/hosts/${host.id}/status`, { status: "online" }, key);
    const project = await t.api.post(
      "/api/admin/projects",
      {
        key: `lease${crypto.randomUUID().slice(0, 6)}`,
        name: "lease",
        pipeline: [{ name: "run", kind: "agent" }],
        settings: { requirements: { labels: { role: "silent" } } },
      },
      key,
    );
    const created = await t.api.post(
      "/api/web/tasks",
      { projectKey: project.body.key, description: "never started" },
      key,
    );
    const requeued = await waitFor(
      "the lease to expire",
      async () => {
        const events = (await t.api.get(`/api/web/tasks/${created.body.id}/events?search=lease%20expired`, key)).body
          .items;
        return events.length ? events : undefined;
      },
      15_000,
    );
    expect(requeued[0].message).toContain(`assignment lease expired: ${host.id} did not start the task`);
    const detail = (await t.api.get(`/api/web/tasks/${created.body.id}`, key)).body;
    const first = detail.attempts[0].stages[0];
    expect(first.status).toBe("cancelled");
    expect((await t.api.get(`/api/v1/commands/${first.commandId}`, key)).body.status).toBe("cancelled");
    await t.api.put(`/api/v1/hosts/${host.id}/status`, { status: "offline" }, key);
  });
});
