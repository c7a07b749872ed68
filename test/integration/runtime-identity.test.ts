import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { availableBackends, mqttReachable, postgresReachable, TEST_MQTT_URL } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { openSession } from "../support/grpc-clients";
import { hostWithRuntime } from "../support/runtime";
import { waitFor } from "../support/wait";
import { CommandStatus, codecs, topic, withAgentSeq } from "@edge/proto/wire";

const backends = await availableBackends();

describe.each(backends)("runtime identities on $name", (backend) => {
  let t: TestPlane;
  let hostId: string;
  beforeAll(async () => {
    t = await startTestPlane(backend);
    hostId = (await t.api.post("/api/v1/hosts", { name: "rt-host" }, t.adminKey)).body.id;
  });
  afterAll(() => t?.stop());

  async function newIdentity() {
    const res = await t.api.post("/api/runtime/identities", { hostId }, t.adminKey);
    expect(res.status).toBe(201);
    return res.body as { runtimeId: string; bootstrapToken: string; agentId: string };
  }

  async function exchange(identity: { runtimeId: string; bootstrapToken: string }) {
    return t.api.post("/api/runtime/bootstrap/exchange", {
      runtimeId: identity.runtimeId,
      bootstrapToken: identity.bootstrapToken,
      runtimeVersion: "2026.02.15",
    });
  }

  test("identities need a user and a host of the tenant", async () => {
    expect((await t.api.post("/api/runtime/identities", { hostId })).status).toBe(401);
    expect((await t.api.post("/api/runtime/identities", { hostId: "host_nope" }, t.adminKey)).status).toBe(400);
    const other = await createTenant(t, "rt-other");
    expect((await t.api.post("/api/runtime/identities", { hostId }, other.key)).status).toBe(400);
  });

  test("bootstrap exchange returns the reference payload, once", async () => {
    const identity = await newIdentity();
    expect(identity.runtimeId).toMatch(/^runtime_/);
    expect(identity.bootstrapToken).toMatch(/^rtb_/);
    expect(identity.agentId).toBe(hostId);

    const res = await exchange(identity);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      tokenType: "Bearer",
      runtimeId: identity.runtimeId,
      agentId: hostId,
      runtimeVersion: "2026.02.15",
    });
    expect(typeof res.body.userId).toBe("string");
    expect(res.body.accessToken).toMatch(/^rt_at_/);
    expect(res.body.refreshToken).toMatch(/^rt_rt_/);
    expect(Date.parse(res.body.accessTokenExpiresAt)).toBeGreaterThan(Date.now());
    expect(Date.parse(res.body.refreshTokenExpiresAt)).toBeGreaterThan(Date.parse(res.body.accessTokenExpiresAt));

    const again = await exchange(identity);
    expect(again.status).toBe(401);
    expect(
      (await t.api.post("/api/runtime/bootstrap/exchange", { runtimeId: "runtime_x", bootstrapToken: "rtb_x" })).status,
    ).toBe(401);
    expect((await t.api.post("/api/runtime/bootstrap/exchange", { runtimeId: identity.runtimeId })).status).toBe(400);

    const listed = (await t.api.get("/api/runtime/identities", t.adminKey)).body.items.find(
      (i: { runtimeId: string }) => i.runtimeId === identity.runtimeId,
    );
    expect(listed.status).toBe("active");
    expect(JSON.stringify(listed)).not.toContain(identity.bootstrapToken);
  });

  test("status, refresh rotation with reuse detection, session revoke", async () => {
    const tokens = (await exchange(await newIdentity())).body;
    const status = await t.api.get("/api/runtime/auth/status", tokens.accessToken);
    expect(status.status).toBe(200);
    expect(status.body).toMatchObject({
      ok: true,
      runtimeId: tokens.runtimeId,
      agentId: hostId,
      identity: { status: "active" },
    });
    expect((await t.api.get("/api/runtime/auth/status")).status).toBe(401);
    expect((await t.api.get("/api/runtime/auth/status", t.adminKey)).status).toBe(401); // a user key is not a runtime token
    // and a runtime token is not a user credential
    expect((await t.api.get("/api/v1/hosts", tokens.accessToken)).status).toBe(401);

    const rotated = await t.api.post("/api/runtime/auth/refresh", { refreshToken: tokens.refreshToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.runtimeId).toBe(tokens.runtimeId);
    expect(rotated.body.refreshToken).not.toBe(tokens.refreshToken);
    const reuse = await t.api.post("/api/runtime/auth/refresh", { refreshToken: tokens.refreshToken });
    expect(reuse.status).toBe(401);
    expect((await t.api.get("/api/runtime/auth/status", rotated.body.accessToken)).status).toBe(401);

    const fresh = (await exchange(await newIdentity())).body;
    const revoked = await t.api.post("/api/runtime/auth/revoke", { refreshToken: fresh.refreshToken });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({ ok: true, revoked: true });
    expect((await t.api.post("/api/runtime/auth/revoke", { refreshToken: fresh.refreshToken })).status).toBe(200);
    expect((await t.api.get("/api/runtime/auth/status", fresh.accessToken)).status).toBe(401);
    // user refresh tokens are not runtime refresh tokens and vice versa
    expect((await t.api.post("/api/auth/refresh", { refreshToken: fresh.refreshToken })).status).toBe(401);
  });

  test("revoking an identity rejects its tokens immediately; other tenants get 404", async () => {
    const identity = await newIdentity();
    const tokens = (await exchange(identity)).body;
    const other = await createTenant(t, "rt-other-2");
    expect((await t.api.post(`/api/runtime/identities/${identity.runtimeId}/revoke`, {}, other.key)).status).toBe(404);
    expect((await t.api.get("/api/runtime/auth/status", tokens.accessToken)).status).toBe(200);

    const res = await t.api.post(`/api/runtime/identities/${identity.runtimeId}/revoke`, {}, t.adminKey);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("revoked");
    expect((await t.api.get("/api/runtime/auth/status", tokens.accessToken)).status).toBe(401);
    expect((await t.api.post("/api/runtime/auth/refresh", { refreshToken: tokens.refreshToken })).status).toBe(401);
  });

  test("embedded broker: runtime token login, own topics only", async () => {
    const tokens = (await exchange(await newIdentity())).body;
    const url = t.plane.transport.mqttUrl;
    const connect = (opts: mqtt.IClientOptions) =>
      new Promise<mqtt.MqttClient>((resolve, reject) => {
        const c = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 3000, ...opts });
        c.once("connect", () => resolve(c));
        c.once("error", (err) => {
          c.end(true);
          reject(err);
        });
      });
    await expect(
      connect({ clientId: tokens.runtimeId, username: tokens.runtimeId, password: "rt_at_wrong" }),
    ).rejects.toThrow();
    await expect(
      connect({ clientId: "someone-else", username: tokens.runtimeId, password: tokens.accessToken }),
    ).rejects.toThrow();
    await expect(connect({ clientId: "anon" })).rejects.toThrow();

    const client = await connect({
      clientId: tokens.runtimeId,
      username: tokens.runtimeId,
      password: tokens.accessToken,
    });
    try {
      const own = await client.subscribeAsync(topic(tokens.tenantId, hostId, "cmd"), { qos: 1 });
      expect(own[0]!.qos).toBe(1);
      const receipts = await client.subscribeAsync(topic(tokens.tenantId, hostId, "receipt"), { qos: 1 });
      expect(receipts[0]!.qos).toBe(1);
      // refused with SUBACK 0x80; the connection stays up
      for (const name of [
        topic(tokens.tenantId, "host_other", "cmd"),
        topic(tokens.tenantId, "host_other", "receipt"),
        "edge/#",
        topic(tokens.tenantId, hostId, "ack"),
      ]) {
        const refusal = await client.subscribeAsync(name, { qos: 1 }).catch((err) => err);
        expect(refusal.packet?.granted, name).toEqual([128]);
      }
      expect(client.connected).toBe(true);
    } finally {
      await client.endAsync(true);
    }

    // publishing to another host's topic gets the client disconnected
    const rogue = await connect({
      clientId: tokens.runtimeId,
      username: tokens.runtimeId,
      password: tokens.accessToken,
    });
    const closed = new Promise<void>((resolve) => rogue.once("close", () => resolve()));
    rogue.publish(topic(tokens.tenantId, hostId, "receipt"), "x", { qos: 1 }); // receipts come from the control plane only
    await closed;
    rogue.end(true);
  });
});

const replicated = (await postgresReachable()) && (await mqttReachable());

/**
 * Revocation is immediate on every replica, though each keeps the live identities in memory: the revoking replica's
 * NOTIFY drops them everywhere, and the statement applying an agent's report checks the identity itself.
 */
describe.skipIf(!replicated)("revocation with two control planes on one PostgreSQL", () => {
  let a: TestPlane;
  let b: TestPlane;
  beforeAll(async () => {
    const backend = (await availableBackends())[1]!;
    const overrides = { mqttUrl: TEST_MQTT_URL, mqttSharedGroup: `revoke-${crypto.randomUUID().slice(0, 8)}` };
    a = await startTestPlane(backend, overrides);
    b = await startTestPlane(backend, overrides, {
      databaseUrl: a.databaseUrl,
      dataDir: "memory://",
      adminKey: a.adminKey,
    });
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  const statusOf = async (id: string) => (await b.api.get(`/api/v1/commands/${id}`, b.adminKey)).body.status;
  const command = async (hostId: string) =>
    (await a.api.post("/api/v1/commands", { hostId, kind: "noop" }, a.adminKey)).body.id as string;

  test("revoked on replica A: the agent's session on B is refused at its next message, its reports not applied", async () => {
    const id = await hostWithRuntime(a, "two-replicas");
    const session = openSession(`127.0.0.1:${b.plane.transport.grpc.port}`, id.token);
    const agent = await mqtt.connectAsync(TEST_MQTT_URL, {
      clientId: id.runtimeId,
      username: id.runtimeId,
      password: id.token,
      reconnectPeriod: 0,
    });
    try {
      session.call.write({ seq: 0, hello: { agentVersion: "1" } });
      await session.next((f) => Boolean(f.welcome));
      const viaGrpc = await command(id.hostId);
      const viaMqtt = await command(id.hostId);
      const update = (commandId: string, status: CommandStatus) => ({ commandId, status, resultJson: "{}" });
      // Before: B applies the agent's reports (and has its identity in memory now).
      session.call.write({ seq: 1, update: update(viaGrpc, CommandStatus.COMMAND_STATUS_RUNNING) });
      await session.next((f) => f.ack?.seq === 1);
      const ack = (seq: number, commandId: string, status: CommandStatus) =>
        agent.publishAsync(
          topic(id.tenantId, id.hostId, "ack"),
          Buffer.from(
            withAgentSeq(codecs.commandUpdate.encode({ ...update(commandId, status), error: "", atMs: 0 }), seq, 1),
          ),
          { qos: 1 },
        );
      await ack(2, viaMqtt, CommandStatus.COMMAND_STATUS_RUNNING);
      await waitFor("the MQTT report applied", async () => (await statusOf(viaMqtt)) === "running");
      expect(await statusOf(viaGrpc)).toBe("running");

      const revoked = await a.api.post(`/api/runtime/identities/${id.runtimeId}/revoke`, {}, a.adminKey);
      expect(revoked.status).toBe(200);
      // At once, the agent's next messages: over its session on B, and over the broker (either replica takes it).
      session.call.write({ seq: 3, update: update(viaGrpc, CommandStatus.COMMAND_STATUS_COMPLETED) });
      await ack(4, viaMqtt, CommandStatus.COMMAND_STATUS_COMPLETED);
      expect((await session.failure()).code).toBe(16); // UNAUTHENTICATED
      // The broker path has no answer to wait for: a later report of another host, applied, orders the check.
      const other = await hostWithRuntime(a, "two-replicas-witness");
      const witness = await command(other.hostId);
      const client = await mqtt.connectAsync(TEST_MQTT_URL, {
        clientId: other.runtimeId,
        username: other.runtimeId,
        password: other.token,
        reconnectPeriod: 0,
      });
      try {
        await client.publishAsync(
          topic(other.tenantId, other.hostId, "ack"),
          Buffer.from(
            codecs.commandUpdate.encode({
              ...update(witness, CommandStatus.COMMAND_STATUS_RUNNING),
              error: "",
              atMs: 0,
            }),
          ),
          { qos: 1 },
        );
        await waitFor("the witness report applied", async () => (await statusOf(witness)) === "running");
      } finally {
        await client.endAsync(true);
      }
      expect(await statusOf(viaGrpc)).toBe("running");
      expect(await statusOf(viaMqtt)).toBe("running");
    } finally {
      session.close();
      await agent.endAsync(true);
    }
  });
});
