import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { topic } from "@edge/proto/wire";

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
