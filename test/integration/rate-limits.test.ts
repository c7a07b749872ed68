/** Rate limits: failed authentications per client address and per credential, bounded unauthenticated writes. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type Reply, type TestPlane } from "../support/control-plane";
import { newSecret } from "../../control-plane/src/lib/secrets";
import * as grpc from "@grpc/grpc-js";
import mqtt from "mqtt";
import { openSession, sendCommand } from "../support/grpc-clients";

const backends = await availableBackends();

describe.each(backends)("rate limits on $name", (backend) => {
  let t: TestPlane;
  // Behind a trusted proxy, X-Forwarded-For is the client address: each test plays its own clients.
  const from = (source: string, method: string, path: string, opts: { body?: unknown; token?: string } = {}) =>
    t.api.request(method, path, { ...opts, headers: { "x-forwarded-for": source } });
  const expect429 = (res: Reply) => {
    expect(res.status).toBe(429);
    expect(res.body.error).toBeString();
    expect(res.body.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(res.headers.get("retry-after")).toBe(String(res.body.retryAfterSeconds));
  };

  beforeAll(async () => {
    t = await startTestPlane(backend, {
      trustProxy: true,
      rateLimitWindowSeconds: 300,
      rateLimitAuthFailures: 5,
      rateLimitCredentialFailures: 3,
      rateLimitDeviceStarts: 5,
      deviceCodeMaxPendingPerSource: 3,
      deviceCodeMaxPending: 5,
    });
  });
  afterAll(() => t?.stop());

  test("guessing API keys: 429 after the budget, even for a valid key from that address; others unaffected", async () => {
    for (let i = 0; i < 5; i++)
      expect((await from("10.0.0.1", "GET", "/api/v1/hosts", { token: newSecret("roz_sk_") })).status).toBe(401);
    const blocked = await from("10.0.0.1", "GET", "/api/v1/hosts", { token: newSecret("roz_sk_") });
    expect429(blocked);
    expect429(await from("10.0.0.1", "GET", "/api/v1/hosts", { token: t.adminKey }));
    expect((await from("10.0.0.1", "GET", "/health")).status).toBe(200);
    expect((await from("10.0.0.2", "GET", "/api/v1/hosts", { token: t.adminKey })).status).toBe(200);
  });

  test("every kind of guessed secret counts: refresh and access tokens, device codes, user codes (per user), bootstrap tokens (per identity)", async () => {
    const host = (await t.api.post("/api/v1/hosts", { name: "rl-host" }, t.adminKey)).body;
    const identity = (await t.api.post("/api/runtime/identities", { hostId: host.id }, t.adminKey)).body;
    const guesses: [string, () => [string, string, { body?: unknown; token?: string }]][] = [
      ["user refresh", () => ["POST", "/api/auth/refresh", { body: { refreshToken: newSecret("roz_rt_") } }]],
      ["runtime refresh", () => ["POST", "/api/runtime/auth/refresh", { body: { refreshToken: newSecret("rtr_") } }]],
      ["device code", () => ["POST", "/api/auth/device/poll", { body: { deviceCode: newSecret("dev_") } }]],
      ["access token", () => ["GET", "/api/users/me", { token: newSecret("roz_at_") }]],
    ];
    for (const [i, [what, guess]] of guesses.entries()) {
      const source = `10.1.0.${i}`;
      for (let n = 0; n < 5; n++) {
        const res = await from(source, ...guess());
        expect(res.status, `${what} #${n}`).toBeOneOf([401, 404]);
      }
      const res = await from(source, ...guess());
      expect(res.status, what).toBe(429);
    }
    // A user guessing user codes is limited per user (3 here), from any address.
    for (let n = 0; n < 3; n++)
      expect(
        (
          await from(`10.1.1.${n}`, "POST", "/api/auth/device/approve", {
            body: { userCode: "ZZZZ-ZZZZ" },
            token: t.adminKey,
          })
        ).status,
      ).toBe(404);
    expect429(
      await from("10.1.1.9", "POST", "/api/auth/device/approve", {
        body: { userCode: "ZZZZ-ZZZZ" },
        token: t.adminKey,
      }),
    );
    // Bootstrap tokens are limited per runtime identity too: 3 failures from 3 addresses lock it for the window.
    for (let n = 0; n < 3; n++) {
      const res = await from(`10.2.0.${n}`, "POST", "/api/runtime/bootstrap/exchange", {
        body: { runtimeId: identity.runtimeId, bootstrapToken: newSecret("rtb_") },
      });
      expect(res.status).toBe(401);
    }
    expect429(
      await from("10.2.0.9", "POST", "/api/runtime/bootstrap/exchange", {
        body: { runtimeId: identity.runtimeId, bootstrapToken: identity.bootstrapToken },
      }),
    );
  });

  test("device-login starts: a budget per address, a cap on pending codes per address and in all, expired ones purged", async () => {
    const approver = (await createTenant(t, "rl-approver")).key;
    const start = (source: string) => from(source, "POST", "/api/auth/device/start", { body: { clientName: "cli" } });
    // Budget: 5 starts per window, even when none stays pending.
    for (let i = 0; i < 5; i++) {
      const res = await start("10.3.0.1");
      expect(res.status).toBe(200);
      expect(
        (await t.api.post("/api/auth/device/approve", { userCode: res.body.userCode, approve: false }, approver))
          .status,
      ).toBe(200);
    }
    expect429(await start("10.3.0.1"));
    // Pending cap per address.
    for (let i = 0; i < 3; i++) expect((await start("10.3.0.2")).status).toBe(200);
    const capped = await start("10.3.0.2");
    expect429(capped);
    expect(capped.body.error).toContain("pending");
    // Global pending cap.
    for (let i = 0; i < 2; i++) expect((await start(`10.3.1.${i}`)).status).toBe(200);
    expect429(await start("10.3.2.1"));
    // Codes expired long enough ago are deleted on the next start, which frees the caps.
    await t.plane.database.db.execute(sql`update device_codes set expires_at = now() - interval '11 minutes'`);
    expect((await start("10.3.0.2")).status).toBe(200);
    const rows = await t.plane.database.db.execute(sql`select count(*)::int as n from device_codes`);
    // PGlite answers { rows: [...] }, postgres.js the rows themselves.
    const result = rows as unknown as { rows?: { n: number }[] } & { n: number }[];
    const n = result.rows?.[0]?.n ?? result[0]?.n;
    expect(n).toBe(1);
  });

  test("normal authenticated traffic is not throttled", async () => {
    for (let i = 0; i < 200; i++) {
      const res = await from("10.4.0.1", "GET", "/api/users/me", { token: t.adminKey });
      if (res.status !== 200) throw new Error(`request ${i}: ${res.status}`);
    }
  });

  // Last: it spends the budget of 127.0.0.1, the address of every request without X-Forwarded-For.
  test("gRPC and MQTT logins share the failed-authentication budget of their address with the HTTP API", async () => {
    const host = (await from("10.9.0.1", "POST", "/api/v1/hosts", { body: { name: "rl-mqtt" }, token: t.adminKey }))
      .body;
    const identity = (
      await from("10.9.0.1", "POST", "/api/runtime/identities", { body: { hostId: host.id }, token: t.adminKey })
    ).body;
    const tokens = (
      await from("10.9.0.2", "POST", "/api/runtime/bootstrap/exchange", {
        body: { runtimeId: identity.runtimeId, bootstrapToken: identity.bootstrapToken },
      })
    ).body;
    const mqttLogin = (password: string) =>
      new Promise<boolean>((resolve) => {
        const c = mqtt.connect(t.plane.transport.mqttUrl, {
          clientId: identity.runtimeId,
          username: identity.runtimeId,
          password,
          reconnectPeriod: 0,
          connectTimeout: 3000,
        });
        c.once("connect", () => {
          c.end(true);
          resolve(true);
        });
        c.once("error", () => {
          c.end(true);
          resolve(false);
        });
      });
    const address = `127.0.0.1:${t.plane.transport.grpc.port}`;
    for (let i = 0; i < 3; i++) {
      const s = openSession(address, newSecret("rta_"));
      s.call.write({ seq: 0, hello: { agentVersion: "x" } });
      expect((await s.failure()).code).toBe(grpc.status.UNAUTHENTICATED);
      s.close();
    }
    for (let i = 0; i < 2; i++) expect(await mqttLogin(newSecret("rta_"))).toBe(false);
    // Budget spent (5): every channel refuses this address now, valid credentials included.
    const blocked = openSession(address, tokens.accessToken);
    blocked.call.write({ seq: 0, hello: { agentVersion: "x" } });
    expect((await blocked.failure()).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    blocked.close();
    await expect(sendCommand(address, t.adminKey, { hostId: host.id, kind: "echo" })).rejects.toMatchObject({
      code: grpc.status.RESOURCE_EXHAUSTED,
    });
    expect(await mqttLogin(tokens.accessToken)).toBe(false);
    expect429(await t.api.get("/api/v1/hosts", t.adminKey));
    // The control plane's own broker login is not locked out with it.
    const internal = t.plane.transport.credentials!;
    const bridgeLogin = await new Promise<boolean>((resolve) => {
      const c = mqtt.connect(t.plane.transport.mqttUrl, {
        clientId: "bridge-check",
        username: internal.username,
        password: internal.password,
        reconnectPeriod: 0,
        connectTimeout: 3000,
      });
      c.once("connect", () => {
        c.end(true);
        resolve(true);
      });
      c.once("error", () => {
        c.end(true);
        resolve(false);
      });
    });
    expect(bridgeLogin).toBe(true);
  });
});
