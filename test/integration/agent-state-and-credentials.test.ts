/**
 * Reported state is what the agent acknowledged; credentials die at once; grants do not linger; agents cannot store
 * junk on their host; command creation is retry-safe with Idempotency-Key.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as grpc from "@grpc/grpc-js";
import mqtt from "mqtt";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents } from "../support/agent-process";
import { openSession, watch } from "../support/grpc-clients";
import { waitFor } from "../support/wait";
import { agentFor, commandFinished, hostOnline, hostWithRuntime, policedEnvironment } from "../support/runtime";

const backends = await availableBackends();

describe.each(backends)("agent state and credentials on $name", (backend) => {
  let t: TestPlane;
  let grpcAddress: string;

  beforeAll(async () => {
    t = await startTestPlane(backend);
    grpcAddress = `127.0.0.1:${t.plane.transport.grpc.port}`;
  });
  afterAll(async () => {
    await stopAllAgents();
    await t?.stop();
  });

  async function runtimeTokens(name: string) {
    const host = (await t.api.post("/api/v1/hosts", { name: `${name}-${crypto.randomUUID().slice(0, 8)}` }, t.adminKey))
      .body;
    const identity = (await t.api.post("/api/runtime/identities", { hostId: host.id }, t.adminKey)).body;
    const tokens = (
      await t.api.post("/api/runtime/bootstrap/exchange", {
        runtimeId: identity.runtimeId,
        bootstrapToken: identity.bootstrapToken,
        runtimeVersion: "2026.02.15",
      })
    ).body;
    return {
      hostId: host.id as string,
      runtimeId: identity.runtimeId as string,
      accessToken: tokens.accessToken as string,
      refreshToken: tokens.refreshToken as string,
    };
  }

  test("a stop the agent refuses by policy is never reported as done: requested, then refused, state unchanged", async () => {
    const envId = await policedEnvironment(t, "nostop", { allowedKinds: ["echo", "runtime.start"] });
    const { host, agent } = await agentFor(t, envId, "nostop");
    agent.start();
    await hostOnline(t, host.id);
    const controller = await hostWithRuntime(t, "nostop-controller");
    await t.api.post(
      "/api/runtime/delegations",
      { controllerAgentId: controller.hostId, targetAgentId: host.id, scopes: ["stop", "status"] },
      t.adminKey,
    );

    const stop = await t.api.post(`/api/runtime/agents/${host.id}/stop`, {}, controller.token);
    expect(stop.status).toBe(202);
    expect(stop.body).toMatchObject({ machineState: "running", requestedMachineState: "stopped", pending: true });
    const refused = await commandFinished(t, stop.body.commandId);
    expect(refused.status).toBe("failed");
    expect(refused.error).toContain("refused by safety policy");

    const status = (await t.api.get(`/api/runtime/agents/${host.id}/status`, controller.token)).body;
    expect(status).toMatchObject({ machineState: "running", requestedMachineState: null, pendingCommand: null });
    expect(status.lastRefused).toMatchObject({
      commandId: stop.body.commandId,
      requestedMachineState: "stopped",
      status: "failed",
    });
    expect(status.lastRefused.error).toContain("refused by safety policy");
    expect((await t.api.get(`/api/v1/hosts/${host.id}`, t.adminKey)).body.machineState).toBe("running");
    // The agent really is running: it still runs commands.
    const echo = await commandFinished(
      t,
      (await t.api.post("/api/v1/commands", { hostId: host.id, kind: "echo", params: {} }, t.adminKey)).body.id,
    );
    expect(echo.status).toBe("completed");
  });

  test("refresh-token reuse ends the session's live connections at once: gRPC session, MQTT login, operator watch", async () => {
    const rt = await runtimeTokens("reuse");
    const session = openSession(grpcAddress, rt.accessToken);
    session.call.write({ seq: 0, hello: { agentVersion: "2026.02.15" } });
    await session.next((f) => Boolean(f.welcome));
    const client = await new Promise<mqtt.MqttClient>((resolve, reject) => {
      const c = mqtt.connect(t.plane.transport.mqttUrl, {
        clientId: rt.runtimeId,
        username: rt.runtimeId,
        password: rt.accessToken,
        reconnectPeriod: 0,
        connectTimeout: 3000,
      });
      c.once("connect", () => resolve(c));
      c.once("error", reject);
    });
    let mqttClosed = false;
    client.on("close", () => (mqttClosed = true));

    const rotated = await t.api.post("/api/runtime/auth/refresh", { refreshToken: rt.refreshToken });
    expect(rotated.status).toBe(200);
    const reuse = await t.api.post("/api/runtime/auth/refresh", { refreshToken: rt.refreshToken });
    expect(reuse.status).toBe(401);

    expect((await session.failure()).code).toBe(grpc.status.UNAUTHENTICATED);
    await waitFor("MQTT connection dropped", async () => mqttClosed);
    client.end(true);
    for (const token of [rt.accessToken, rotated.body.accessToken]) {
      expect((await t.api.get("/api/runtime/auth/status", token)).status).toBe(401);
      const again = openSession(grpcAddress, token);
      again.call.write({ seq: 0, hello: { agentVersion: "x" } });
      expect((await again.failure()).code).toBe(grpc.status.UNAUTHENTICATED);
      again.close();
    }
    session.close();

    // A user: device login → access token → a watch; reusing the refresh token ends the watch.
    const start = (await t.api.post("/api/auth/device/start", { clientName: "cli" })).body;
    await t.api.post("/api/auth/device/approve", { userCode: start.userCode }, t.adminKey);
    const user = (await t.api.post("/api/auth/device/poll", { deviceCode: start.deviceCode })).body;
    expect(user.status).toBe("authorized");
    const w = watch(grpcAddress, user.accessToken, { hostId: rt.hostId });
    await w.ready;
    expect((await t.api.post("/api/auth/refresh", { refreshToken: user.refreshToken })).status).toBe(200);
    expect((await t.api.post("/api/auth/refresh", { refreshToken: user.refreshToken })).status).toBe(401);
    expect((await w.failure()).code).toBe(grpc.status.UNAUTHENTICATED);
    expect((await t.api.get("/api/users/me", user.accessToken)).status).toBe(401);
    w.close();
  });

  test("a delivered grant token is scrubbed from the stored command when it expires unused or the command is cancelled", async () => {
    const idle = await hostWithRuntime(t, "grant-idle"); // no agent connected: its commands stay pending
    const params = async (id: string) => (await t.api.get(`/api/v1/commands/${id}`, t.adminKey)).body.params;

    const cancelled = (
      await t.api.post(`/api/agents/${idle.hostId}/runtime-update-grant`, { deliver: true }, t.adminKey)
    ).body;
    expect((await params(cancelled.commandId)).grantToken).toBe(cancelled.grantToken);
    expect(
      (await t.api.post(`/api/v1/commands/${cancelled.commandId}/transition`, { status: "cancelled" }, t.adminKey))
        .status,
    ).toBe(200);
    await waitFor(
      "grant scrubbed after cancel",
      async () => (await params(cancelled.commandId)).grantToken === undefined,
    );
    expect(await params(cancelled.commandId)).toMatchObject({ channel: "stable", grantId: cancelled.grantId });

    const expiring = (
      await t.api.post(`/api/agents/${idle.hostId}/runtime-update-grant`, { deliver: true, ttlSeconds: 1 }, t.adminKey)
    ).body;
    expect((await params(expiring.commandId)).grantToken).toBe(expiring.grantToken);
    await waitFor(
      "grant scrubbed after expiry",
      async () => (await params(expiring.commandId)).grantToken === undefined,
      5000,
    );

    const live = (await t.api.post(`/api/agents/${idle.hostId}/runtime-update-grant`, { deliver: true }, t.adminKey))
      .body;
    await t.plane.services.updates.scrubSpentGrants();
    expect((await params(live.commandId)).grantToken).toBe(live.grantToken); // still usable: kept for delivery
  });

  test("status reports are bounded: no huge version strings, no absurd numbers on the host row", async () => {
    const rt = await runtimeTokens("status");
    const s = openSession(grpcAddress, rt.accessToken);
    s.call.write({ seq: 0, hello: { agentVersion: "2026.02.15" } });
    const base = (await s.next((f) => Boolean(f.welcome))).welcome!.lastAgentSeq;
    const now = Date.now();
    s.call.write({
      seq: base + 1,
      status: {
        agentVersion: "2026.02.15",
        uptimeSeconds: 12,
        load1: 0.5,
        memoryTotalBytes: 8e9,
        memoryFreeBytes: 4e9,
        runningCommands: 1,
        atMs: now,
      },
    });
    expect((await s.next((f) => f.ack?.seq === base + 1)).ack).toBeDefined();
    s.call.write({
      seq: base + 2,
      status: {
        agentVersion: "x".repeat(1_000_000),
        uptimeSeconds: 1e300,
        load1: -5,
        memoryTotalBytes: 8e9,
        memoryFreeBytes: 9e15,
        runningCommands: 4_000_000_000,
        atMs: now,
      },
    });
    expect((await s.next((f) => f.ack?.seq === base + 2, 10_000)).ack).toBeDefined();
    s.close();
    const host = (await t.api.get(`/api/v1/hosts/${rt.hostId}`, t.adminKey)).body;
    expect(host.agentVersion).toBe("2026.02.15");
    expect(host.lastStatus).toEqual({ memoryTotalBytes: 8e9, atMs: now });
  });

  test("Idempotency-Key: same key and body → the same command; another body → 422; keys are per tenant", async () => {
    const { hostId } = await hostWithRuntime(t, "idem");
    const post = (body: object, key: string | undefined, token = t.adminKey) =>
      t.api.request("POST", "/api/v1/commands", {
        body,
        token,
        headers: key === undefined ? {} : { "idempotency-key": key },
      });
    const body = { hostId, kind: "echo", params: { a: 1, b: [1, 2] } };
    const first = await post(body, "retry-1");
    expect(first.status).toBe(201);
    const retried = await post({ params: { b: [1, 2], a: 1 }, kind: "echo", hostId }, "retry-1");
    expect(retried.status).toBe(200);
    expect(retried.body.id).toBe(first.body.id);
    const concurrent = await Promise.all([1, 2, 3, 4].map(() => post(body, "retry-2")));
    expect(new Set(concurrent.map((r) => r.body.id)).size).toBe(1);
    expect(concurrent.map((r) => r.status).sort()).toEqual([200, 200, 200, 201]);
    const mismatch = await post({ ...body, params: { a: 2 } }, "retry-1");
    expect(mismatch.status).toBe(422);
    expect(mismatch.body.error).toContain("Idempotency-Key");
    const listed = (await t.api.get(`/api/v1/commands?hostId=${hostId}`, t.adminKey)).body.items;
    expect(listed).toHaveLength(2);
    expect((await post(body, undefined)).status).toBe(201); // no key: a new command each time
    expect((await post(body, "bad key with spaces")).status).toBe(400);
    expect((await post(body, "x".repeat(256))).status).toBe(400);
    // Another tenant's same key is another key.
    const other = await createTenant(t, "idem-other");
    const theirs = await hostWithRuntime(t, "idem-theirs", other.key);
    const otherFirst = await post({ hostId: theirs.hostId, kind: "echo" }, "retry-1", other.key);
    expect(otherFirst.status).toBe(201);
    expect(otherFirst.body.id).not.toBe(first.body.id);
  });
});
