import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { sql } from "drizzle-orm";
import { startTestPlane, type TestPlane } from "../support/control-plane";

const backends = await availableBackends();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)("auth on $name", (backend) => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane(backend, { devicePollIntervalSeconds: 1, deviceCodeTtlSeconds: 3 });
  });
  afterAll(() => t?.stop());

  test("health needs no credential", async () => {
    const res = await t.api.get("/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  test("protected routes reject missing, malformed and unknown credentials with 401", async () => {
    for (const token of [undefined, "nonsense", "roz_sk_doesnotexist", "roz_at_doesnotexist"]) {
      const res = await t.api.get("/api/v1/hosts", token);
      expect(res.status).toBe(401);
      expect(typeof res.body.error).toBe("string");
    }
    const basic = await t.api.request("GET", "/api/v1/hosts", { headers: { authorization: `Basic ${t.adminKey}` } });
    expect(basic.status).toBe(401);
  });

  test("API keys: create shows the secret once, list hides it, revoke cuts access", async () => {
    const created = await t.api.post("/api/v1/auth-keys", { name: "ci" }, t.adminKey);
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^roz_sk_[A-Za-z0-9_-]{40,}$/);
    expect(created.body.name).toBe("ci");
    const key = created.body.key as string;

    expect((await t.api.get("/api/v1/hosts", key)).status).toBe(200);
    const list = await t.api.get("/api/v1/auth-keys", key);
    expect(list.status).toBe(200);
    const listed = list.body.items.find((k: { id: string }) => k.id === created.body.id);
    expect(listed).toBeDefined();
    expect(listed.revokedAt).toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(key);
    expect(listed.prefix).toBe(key.slice(0, listed.prefix.length));

    const revoked = await t.api.delete(`/api/v1/auth-keys/${created.body.id}`, t.adminKey);
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    expect((await t.api.get("/api/v1/hosts", key)).status).toBe(401);
    // revoking again is harmless; an unknown id is 404
    expect((await t.api.delete(`/api/v1/auth-keys/${created.body.id}`, t.adminKey)).status).toBe(200);
    expect((await t.api.delete("/api/v1/auth-keys/key_nope", t.adminKey)).status).toBe(404);
  });

  test("API keys are served from a cache that any change of the key drops, even one made outside the control plane", async () => {
    const created = await t.api.post("/api/v1/auth-keys", { name: "cached" }, t.adminKey);
    const key = created.body.key as string;
    expect((await t.api.get("/api/v1/hosts", key)).status).toBe(200); // resolved, now cached
    const statements: string[] = [];
    const stop = t.plane.database.onStatement((text) => statements.push(text));
    expect((await t.api.get("/api/v1/hosts", key)).status).toBe(200);
    stop();
    expect(statements.filter((text) => /"api_keys"|"users"/.test(text))).toEqual([]);
    // Revoked by a statement the control plane did not make: the trigger's NOTIFY drops the cache.
    await t.plane.database.db.execute(sql`update api_keys set revoked_at = now() where id = ${created.body.id}`);
    await waitFor(async () => (await t.api.get("/api/v1/hosts", key)).status === 401);
  });

  test("API keys are stored hashed", async () => {
    const created = await t.api.post("/api/v1/auth-keys", { name: "hashed" }, t.adminKey);
    const rows = await t.plane.database.db.execute(
      `select key_hash from api_keys where id = '${created.body.id}'` as never,
    );
    const stored = JSON.stringify(rows);
    expect(stored).not.toContain(created.body.key);
    expect(stored).toMatch(/[0-9a-f]{64}/);
  });

  async function deviceLogin(startPath = "/api/auth/device/start") {
    const start = await t.api.post(startPath, { clientName: "roz-cli" });
    expect(start.status).toBe(200);
    return start.body;
  }

  test("device flow: start → pending → slow_down → approve → authorized, single use", async () => {
    const start = await deviceLogin();
    expect(start.deviceCode).toMatch(/^dev_/);
    expect(start.userCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(start.verificationUri).toBe(`${t.plane.config.publicUrl}/auth/device`);
    expect(start.verificationUriComplete).toBe(`${start.verificationUri}?user_code=${start.userCode}`);
    expect(start.expiresIn).toBe(3);
    expect(start.interval).toBe(1);
    expect(start.status).toBe("pending");

    const pending = await t.api.post("/api/auth/device/poll", { deviceCode: start.deviceCode });
    expect(pending.status).toBe(200);
    expect(pending.body).toEqual({ status: "authorization_pending", interval: 1 });

    const tooFast = await t.api.post("/api/auth/device/poll", { deviceCode: start.deviceCode });
    expect(tooFast.status).toBe(429);
    expect(tooFast.body.error).toBe("slow_down");
    expect(tooFast.body.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(tooFast.headers.get("retry-after")).toBe(String(tooFast.body.retryAfterSeconds));

    const approve = await t.api.post(
      "/api/auth/device/approve",
      { userCode: start.userCode.toLowerCase() },
      t.adminKey,
    );
    expect(approve.status).toBe(200);
    expect(approve.body.status).toBe("approved");

    await sleep(1050);
    const authorized = await t.api.post("/api/auth/device/poll", { deviceCode: start.deviceCode });
    expect(authorized.status).toBe(200);
    expect(authorized.body.status).toBe("authorized");
    expect(authorized.body.tokenType).toBe("Bearer");
    expect(authorized.body.accessToken.split(".")).toHaveLength(3); // a JWT (ES256)
    expect(authorized.body.refreshToken).toMatch(/^roz_rt_/);
    expect(typeof authorized.body.userId).toBe("string");
    expect(typeof authorized.body.plan).toBe("string");
    const accessExp = Date.parse(authorized.body.accessTokenExpiresAt);
    const refreshExp = Date.parse(authorized.body.refreshTokenExpiresAt);
    expect(accessExp).toBeGreaterThan(Date.now());
    expect(refreshExp).toBeGreaterThan(accessExp);

    const me = await t.api.get("/api/users/me", authorized.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(authorized.body.userId);
    expect(me.body.via).toBe("access_token");

    await sleep(1050);
    const again = await t.api.post("/api/auth/device/poll", { deviceCode: start.deviceCode });
    expect(again.status).toBe(400);
    expect(again.body.error).toContain("already used");
  });

  test("device flow: unknown codes, approval needs a user, denial, expiry", async () => {
    expect((await t.api.post("/api/auth/device/poll", { deviceCode: "dev_unknown" })).status).toBe(404);
    const start = await deviceLogin();
    expect((await t.api.post("/api/auth/device/approve", { userCode: start.userCode })).status).toBe(401);
    expect((await t.api.post("/api/auth/device/approve", { userCode: "ZZZZ-ZZZZ" }, t.adminKey)).status).toBe(404);

    const denied = await deviceLogin();
    await t.api.post("/api/auth/device/approve", { userCode: denied.userCode, approve: false }, t.adminKey);
    const deniedPoll = await t.api.post("/api/auth/device/poll", { deviceCode: denied.deviceCode });
    expect(deniedPoll.status).toBe(400);
    expect(deniedPoll.body.error).toBe("access_denied");

    await sleep(3100); // past deviceCodeTtlSeconds
    const expired = await t.api.post("/api/auth/device/poll", { deviceCode: start.deviceCode });
    expect(expired.status).toBe(400);
    expect(expired.body.error).toBe("expired_token");
    const lateApprove = await t.api.post("/api/auth/device/approve", { userCode: start.userCode }, t.adminKey);
    expect(lateApprove.status).toBe(404);
  });

  test("device flow aliases /api/v1/device/code and /api/v1/device/token", async () => {
    const code = await t.api.post("/api/v1/device/code");
    expect(code.status).toBe(200);
    expect(code.body.userCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    const pending = await t.api.post("/api/v1/device/token", { device_code: code.body.deviceCode });
    expect(pending.body.status).toBe("authorization_pending");
    await t.api.post("/api/auth/device/approve", { userCode: code.body.userCode }, t.adminKey);
    await sleep(1050);
    const token = await t.api.post("/api/v1/device/token", { device_code: code.body.deviceCode });
    expect(token.status).toBe(200);
    expect(token.body.status).toBe("authorized");
    expect((await t.api.post("/api/v1/device/token", {})).status).toBe(400);
  });

  async function loginTokens() {
    const start = await deviceLogin();
    await t.api.post("/api/auth/device/approve", { userCode: start.userCode }, t.adminKey);
    const res = await t.api.post("/api/auth/device/poll", { deviceCode: start.deviceCode });
    expect(res.body.status).toBe("authorized");
    return res.body as { accessToken: string; refreshToken: string; userId: string };
  }

  test("refresh rotates the pair; reusing a rotated refresh token revokes the whole family", async () => {
    const first = await loginTokens();
    const rotated = await t.api.post("/api/auth/refresh", { refreshToken: first.refreshToken });
    expect(rotated.status).toBe(200);
    expect(rotated.body.refreshToken).not.toBe(first.refreshToken);
    expect(rotated.body.accessToken).not.toBe(first.accessToken);
    expect(rotated.body.userId).toBe(first.userId);
    expect((await t.api.get("/api/v1/hosts", rotated.body.accessToken)).status).toBe(200);

    const reuse = await t.api.post("/api/auth/refresh", { refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error).toContain("reuse");
    // the whole family is gone: the newest pair no longer works either
    expect((await t.api.get("/api/v1/hosts", rotated.body.accessToken)).status).toBe(401);
    expect((await t.api.post("/api/auth/refresh", { refreshToken: rotated.body.refreshToken })).status).toBe(401);
    expect((await t.api.get("/api/v1/hosts", first.accessToken)).status).toBe(401);
  });

  test("logout revokes the session and is idempotent", async () => {
    const tokens = await loginTokens();
    const out = await t.api.post("/api/auth/logout", { refreshToken: tokens.refreshToken });
    expect(out.status).toBe(200);
    expect((await t.api.post("/api/auth/logout", { refreshToken: tokens.refreshToken })).status).toBe(200);
    expect((await t.api.post("/api/auth/logout", { refreshToken: "roz_rt_unknown" })).status).toBe(200);
    expect((await t.api.get("/api/v1/hosts", tokens.accessToken)).status).toBe(401);
    expect((await t.api.post("/api/auth/refresh", { refreshToken: tokens.refreshToken })).status).toBe(401);
    expect((await t.api.post("/api/auth/refresh", { refreshToken: "garbage" })).status).toBe(401);
  });

  test("access tokens expire", async () => {
    const short = await startTestPlane(backend, { accessTokenTtlSeconds: 1, devicePollIntervalSeconds: 1 });
    try {
      const start = (await short.api.post("/api/auth/device/start", {})).body;
      await short.api.post("/api/auth/device/approve", { userCode: start.userCode }, short.adminKey);
      const tokens = (await short.api.post("/api/auth/device/poll", { deviceCode: start.deviceCode })).body;
      expect((await short.api.get("/api/v1/hosts", tokens.accessToken)).status).toBe(200);
      await sleep(1100);
      expect((await short.api.get("/api/v1/hosts", tokens.accessToken)).status).toBe(401);
      // the refresh token still yields a fresh pair
      const fresh = await short.api.post("/api/auth/refresh", { refreshToken: tokens.refreshToken });
      expect(fresh.status).toBe(200);
      expect((await short.api.get("/api/v1/hosts", fresh.body.accessToken)).status).toBe(200);
    } finally {
      await short.stop();
    }
  });
});

/** Polls `check` until it holds (at most 5 s). */
async function waitFor(check: () => Promise<boolean>) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await sleep(50);
  }
  throw new Error("condition not reached in 5 s");
}

describe.skipIf(backends.length < 2)("API keys with two control planes on one PostgreSQL", () => {
  let a: TestPlane;
  let b: TestPlane;
  beforeAll(async () => {
    a = await startTestPlane(backends[1]!);
    b = await startTestPlane(
      backends[1]!,
      {},
      { databaseUrl: a.databaseUrl, dataDir: "memory://", adminKey: a.adminKey },
    );
  });
  afterAll(async () => {
    await b?.stop();
    await a?.stop();
  });

  test("a key revoked on replica A is refused by replica B, which had it cached", async () => {
    const created = await a.api.post("/api/v1/auth-keys", { name: "two-replicas" }, a.adminKey);
    const key = created.body.key as string;
    expect((await b.api.get("/api/v1/hosts", key)).status).toBe(200);
    expect((await b.api.get("/api/v1/hosts", key)).status).toBe(200);
    expect((await a.api.delete(`/api/v1/auth-keys/${created.body.id}`, a.adminKey)).status).toBe(200);
    expect((await a.api.get("/api/v1/hosts", key)).status).toBe(401); // the revoking replica: at once
    await waitFor(async () => (await b.api.get("/api/v1/hosts", key)).status === 401); // the other: at its NOTIFY
  });
});
