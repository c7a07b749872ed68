/**
 * People and sign-in: password login, TOTP (replay refused, admin reset), lockout, JWT key rotation, personal access
 * tokens, password change, external OIDC ID tokens (against a local JWKS server), audit log, settings.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { Secret, TOTP } from "otpauth";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { waitFor } from "../support/wait";

const backends = await availableBackends();
const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}`;
const jwtHeader = (token: string) => JSON.parse(Buffer.from(token.split(".")[0]!, "base64url").toString());

/** A local OpenID provider: only its JWKS endpoint, as the control plane needs. */
async function startIdp() {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "idp-1", alg: "RS256", use: "sig" };
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => Response.json({ keys: [jwk] }) });
  const issuer = "https://idp.example.test";
  return {
    issuer,
    jwksUrl: `http://127.0.0.1:${server.port}/jwks`,
    idToken: (claims: Record<string, unknown>, audience = "edge-orchestrator") =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "RS256", kid: "idp-1" })
        .setIssuer(issuer)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey),
    stop: () => server.stop(true),
  };
}

describe.each(backends)("people and sign-in on $name", (backend) => {
  let t: TestPlane;
  let idp: Awaited<ReturnType<typeof startIdp>>;
  const login = (username: string, password: string, totpCode?: string) =>
    t.api.post("/api/auth/login", { username, password, ...(totpCode ? { totpCode } : {}) });
  const createDeveloper = async (body: Record<string, unknown>) => {
    const res = await t.api.post("/api/admin/developers", body, t.adminKey);
    expect(res.status).toBe(201);
    return res.body;
  };

  beforeAll(async () => {
    idp = await startIdp();
    t = await startTestPlane(backend, {
      rateLimitLoginFailures: 3,
      loginLockoutSeconds: 60,
      oidcIssuer: idp.issuer,
      oidcJwksUrl: idp.jwksUrl,
      oidcAudience: "edge-orchestrator",
    });
  });
  afterAll(async () => {
    await t?.stop();
    idp?.stop();
  });

  test("login with username and password gives a JWT access token and a rotating refresh token", async () => {
    const name = unique("ada");
    const dev = await createDeveloper({ name, password: "correct horse battery", gitEmail: "ada@example.com" });
    expect(dev).not.toHaveProperty("passwordHash");
    const res = await login(name, "correct horse battery");
    expect(res.status).toBe(200);
    expect(res.body.tokenType).toBe("Bearer");
    expect(jwtHeader(res.body.accessToken)).toMatchObject({ alg: "ES256", typ: "at+jwt" });
    expect(res.body.refreshToken).toMatch(/^roz_rt_/);
    const me = await t.api.get("/api/users/me", res.body.accessToken);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: dev.id, role: "member", via: "access_token" });
    expect(me.body).not.toHaveProperty("passwordHash");

    const refreshed = await t.api.post("/api/auth/refresh", { refreshToken: res.body.refreshToken });
    expect(refreshed.status).toBe(200);
    expect((await t.api.get("/api/users/me", refreshed.body.accessToken)).status).toBe(200);
    // The rotated refresh token again: reuse, the whole session ends.
    expect((await t.api.post("/api/auth/refresh", { refreshToken: res.body.refreshToken })).status).toBe(401);
    expect((await t.api.get("/api/users/me", refreshed.body.accessToken)).status).toBe(401);
    expect((await t.api.post("/api/auth/logout", { refreshToken: refreshed.body.refreshToken })).status).toBe(200);
    // A tampered token (payload changed) is refused.
    const [h, p, s] = (await login(name, "correct horse battery")).body.accessToken.split(".");
    const claims = JSON.parse(Buffer.from(p, "base64url").toString());
    const forged = [h, Buffer.from(JSON.stringify({ ...claims, sub: "user_someone" })).toString("base64url"), s];
    expect((await t.api.get("/api/users/me", forged.join("."))).status).toBe(401);
  });

  test("wrong passwords, unknown users and disabled users get the same 401; lockout after repeated failures", async () => {
    const name = unique("bob");
    await createDeveloper({ name, password: "bob's password" });
    const wrong = await login(name, "nope nope nope");
    const unknown = await login(unique("nobody"), "nope nope nope");
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.error).toBe(unknown.body.error);

    // Two more failures: the account is locked, even for the right password; the answer is the same for a name
    // that does not exist.
    await login(name, "nope nope nope");
    await login(name, "nope nope nope");
    const locked = await login(name, "bob's password");
    expect(locked.status).toBe(429);
    expect(locked.body.retryAfterSeconds).toBeGreaterThan(0);
    const ghost = unique("ghost");
    for (let i = 0; i < 3; i++) await login(ghost, "whatever!!");
    const ghostLocked = await login(ghost, "whatever!!");
    expect(ghostLocked.status).toBe(429);
    expect(ghostLocked.body.error).toBe(locked.body.error);
    // Other accounts are not affected.
    const other = unique("carol");
    const carol = await createDeveloper({ name: other, password: "carol's password" });
    const session = await login(other, "carol's password");
    expect(session.status).toBe(200);
    // A disabled user: the same 401 as a wrong password, and their sessions end.
    expect((await t.api.put(`/api/admin/developers/${carol.id}`, { disabled: true }, t.adminKey)).status).toBe(200);
    const disabled = await login(other, "carol's password");
    expect(disabled.status).toBe(401);
    expect(disabled.body.error).toBe(wrong.body.error);
    expect((await t.api.get("/api/users/me", session.body.accessToken)).status).toBe(401);
  });

  test("TOTP: setup, verify, then login needs a code; a code is accepted once; admin reset", async () => {
    const name = unique("dora");
    const dev = await createDeveloper({ name, password: "dora's password" });
    const session = (await login(name, "dora's password")).body;
    const setup = await t.api.post("/api/web/profile/totp/setup", undefined, session.accessToken);
    expect(setup.status).toBe(200);
    expect(setup.body.otpauthUri).toStartWith("otpauth://totp/");
    expect(setup.body.qrCodeSvg).toStartWith("data:image/svg+xml;base64,");
    expect(Buffer.from(setup.body.qrCodeSvg.split(",")[1], "base64").toString()).toContain("<svg");
    const totp = new TOTP({ secret: Secret.fromBase32(setup.body.secret), period: 30, digits: 6 });
    // Not enforced before it is verified.
    expect((await login(name, "dora's password")).status).toBe(200);
    expect((await t.api.post("/api/web/profile/totp/verify", { code: "000000" }, session.accessToken)).status).toBe(
      400,
    );
    const now = Date.now();
    const verify = await t.api.post(
      "/api/web/profile/totp/verify",
      { code: totp.generate({ timestamp: now }) },
      session.accessToken,
    );
    expect(verify.status).toBe(200);

    const noCode = await login(name, "dora's password");
    expect(noCode.status).toBe(401);
    expect(noCode.body).toMatchObject({ error: "totp_required", totpRequired: true });
    // The code used to verify cannot be used again; the next period's code works once.
    expect((await login(name, "dora's password", totp.generate({ timestamp: now }))).status).toBe(401);
    const next = totp.generate({ timestamp: now + 30_000 });
    expect((await login(name, "dora's password", next)).status).toBe(200);
    const replay = await login(name, "dora's password", next);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toContain("already used");

    const reset = await t.api.put(`/api/admin/developers/${dev.id}/reset-totp`, undefined, t.adminKey);
    expect(reset.status).toBe(200);
    expect((await login(name, "dora's password")).status).toBe(200);
  });

  test("personal access tokens: shown once, hashed, last use recorded, expiry and revocation honoured", async () => {
    const name = unique("finn");
    await createDeveloper({ name, password: "finn's password" });
    const session = (await login(name, "finn's password")).body.accessToken;
    const created = await t.api.post(
      "/api/web/profile/tokens",
      { label: "ci", expiresAt: new Date(Date.now() + 2500).toISOString() },
      session,
    );
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^roz_sk_/);
    const pat = created.body.token;
    const me = await t.api.get("/api/users/me", pat);
    expect(me.status).toBe(200);
    expect(me.body.via).toBe("api_key");
    const list = await t.api.get("/api/web/profile/tokens", session);
    const row = list.body.items.find((k: { id: string }) => k.id === created.body.id);
    expect(row.lastUsedAt).not.toBeNull();
    expect(JSON.stringify(list.body)).not.toContain(pat);
    await waitFor("the token to expire", async () => (await t.api.get("/api/users/me", pat)).status === 401);

    const second = (await t.api.post("/api/web/profile/tokens", { label: "laptop" }, session)).body;
    expect((await t.api.get("/api/users/me", second.token)).status).toBe(200);
    // Another user cannot revoke it (404), its owner can.
    const other = unique("gil");
    await createDeveloper({ name: other, password: "gil's password" });
    const otherSession = (await login(other, "gil's password")).body.accessToken;
    expect((await t.api.post(`/api/web/profile/tokens/${second.id}/revoke`, undefined, otherSession)).status).toBe(404);
    expect((await t.api.post(`/api/web/profile/tokens/${second.id}/revoke`, undefined, session)).status).toBe(200);
    expect((await t.api.get("/api/users/me", second.token)).status).toBe(401);

    for (const expiresAt of ["yesterday", new Date(Date.now() - 1000).toISOString()]) {
      const bad = await t.api.post("/api/web/profile/tokens", { label: "x", expiresAt }, session);
      expect(bad.status).toBe(400);
    }
    // The tenant-wide API keys honour expiresAt too.
    const key = await t.api.post(
      "/api/v1/auth-keys",
      { name: "short", expiresAt: new Date(Date.now() + 1500).toISOString() },
      t.adminKey,
    );
    expect(key.status).toBe(201);
    await waitFor("the API key to expire", async () => (await t.api.get("/api/users/me", key.body.key)).status === 401);
  });

  test("profile and password change: the other sessions end, this one stays", async () => {
    const name = unique("hana");
    await createDeveloper({ name, password: "hana's password" });
    const first = (await login(name, "hana's password")).body;
    const second = (await login(name, "hana's password")).body;
    const profile = await t.api.put(
      "/api/web/profile",
      { gitName: "Hana", gitEmail: "hana@example.com" },
      first.accessToken,
    );
    expect(profile.status).toBe(200);
    expect(profile.body).toMatchObject({ gitName: "Hana", gitEmail: "hana@example.com", totpEnabled: false });
    expect((await t.api.put("/api/web/profile", { gitEmail: "not an email" }, first.accessToken)).status).toBe(400);

    const wrong = await t.api.put(
      "/api/web/profile/password",
      { currentPassword: "not it at all", newPassword: "a new password" },
      first.accessToken,
    );
    expect(wrong.status).toBe(400);
    const short = await t.api.put(
      "/api/web/profile/password",
      { currentPassword: "hana's password", newPassword: "short" },
      first.accessToken,
    );
    expect(short.status).toBe(400);
    const changed = await t.api.put(
      "/api/web/profile/password",
      { currentPassword: "hana's password", newPassword: "a new password" },
      first.accessToken,
    );
    expect(changed.status).toBe(200);
    expect(changed.body.revokedSessions).toBeGreaterThanOrEqual(1);
    expect((await t.api.get("/api/web/profile", second.accessToken)).status).toBe(401);
    expect((await t.api.post("/api/auth/refresh", { refreshToken: second.refreshToken })).status).toBe(401);
    expect((await t.api.get("/api/web/profile", first.accessToken)).status).toBe(200);
    expect((await login(name, "hana's password")).status).toBe(401);
    expect((await login(name, "a new password")).status).toBe(200);
  });

  test("external OIDC ID tokens map to a user by subject or verified e-mail", async () => {
    const name = unique("ivan");
    const email = `${name}@example.com`;
    const dev = await createDeveloper({ name, password: "ivan's password", email });
    const token = await idp.idToken({ sub: "idp-user-1", email, email_verified: true });
    const me = await t.api.get("/api/users/me", token);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ id: dev.id, via: "external_id_token" });
    // Mapped by subject from now on, whatever the e-mail says.
    const again = await idp.idToken({ sub: "idp-user-1" });
    expect((await t.api.get("/api/users/me", again)).body.id).toBe(dev.id);
    // Wrong audience, unverified or unknown e-mail: 401.
    expect((await t.api.get("/api/users/me", await idp.idToken({ sub: "idp-user-1" }, "someone-else"))).status).toBe(
      401,
    );
    expect(
      (await t.api.get("/api/users/me", await idp.idToken({ sub: "idp-user-2", email, email_verified: false }))).status,
    ).toBe(401);
    expect(
      (await t.api.get("/api/users/me", await idp.idToken({ sub: "x", email: "no@one.test", email_verified: true })))
        .status,
    ).toBe(401);
  });

  test("audit log: logins, failures, tokens, role changes and settings, with filters and pages", async () => {
    const name = unique("jo");
    const dev = await createDeveloper({ name, password: "jo's password" });
    await login(name, "wrong password!");
    const session = (await login(name, "jo's password")).body.accessToken;
    const token = (await t.api.post("/api/web/profile/tokens", { label: "x" }, session)).body;
    await t.api.post(`/api/web/profile/tokens/${token.id}/revoke`, undefined, session);
    expect((await t.api.put(`/api/admin/developers/${dev.id}`, { role: "admin" }, t.adminKey)).status).toBe(200);

    const forUser = await t.api.get(`/api/admin/audit-logs?target=${dev.id}&limit=200`, t.adminKey);
    expect(forUser.status).toBe(200);
    const actions = forUser.body.items.map((e: { action: string }) => e.action);
    for (const action of ["user.create", "auth.login_failed", "auth.login", "user.role_change"])
      expect(actions).toContain(action);
    const refreshToken = (await login(name, "jo's password")).body.refreshToken;
    await t.api.post("/api/auth/logout", { refreshToken });
    await waitFor("the logout in the audit trail", async () => {
      const ended = await t.api.get(`/api/admin/audit-logs?actor=${dev.id}&action=auth.session_revoked`, t.adminKey);
      return ended.body.items.length > 0;
    });
    const tokens = await t.api.get(`/api/admin/audit-logs?actor=${dev.id}&target=${token.id}`, t.adminKey);
    expect(tokens.body.items.map((e: { action: string }) => e.action).sort()).toEqual(["token.create", "token.revoke"]);
    const role = (await t.api.get(`/api/admin/audit-logs?action=user.role_change&target=${dev.id}`, t.adminKey)).body
      .items[0];
    expect(role.detail).toMatchObject({ from: "member", to: "admin" });

    const page1 = await t.api.get(`/api/admin/audit-logs?target=${dev.id}&limit=2`, t.adminKey);
    expect(page1.body.items).toHaveLength(2);
    const page2 = await t.api.get(
      `/api/admin/audit-logs?target=${dev.id}&limit=2&cursor=${page1.body.nextCursor}`,
      t.adminKey,
    );
    expect(page2.body.items[0].id).not.toBe(page1.body.items[1].id);
    const future = await t.api.get(
      `/api/admin/audit-logs?since=${new Date(Date.now() + 60_000).toISOString()}`,
      t.adminKey,
    );
    expect(future.body.items).toHaveLength(0);
    expect((await t.api.get("/api/admin/audit-logs?since=garbage", t.adminKey)).status).toBe(400);
    // Members may not read it.
    const member = unique("kim");
    await createDeveloper({ name: member, password: "kim's password" });
    const memberToken = (await login(member, "kim's password")).body.accessToken;
    expect((await t.api.get("/api/admin/audit-logs", memberToken)).status).toBe(403);
  });

  test("settings: typed, validated, stored, applied without restart", async () => {
    const current = await t.api.get("/api/admin/settings", t.adminKey);
    expect(current.status).toBe(200);
    expect(current.body.accessTokenTtlSeconds).toBe(1800);
    for (const body of [{}, { accessTokenTtlSeconds: 5 }, { accessTokenTtlSeconds: "600" }, { unknown: 1 }])
      expect((await t.api.put("/api/admin/settings", body, t.adminKey)).status).toBe(400);
    const tenant = await t.api.post("/api/v1/tenants", { name: unique("t") }, t.adminKey);
    expect(
      (await t.api.put("/api/admin/settings", { accessTokenTtlSeconds: 600 }, tenant.body.apiKey.key)).status,
    ).toBe(403);
    const updated = await t.api.put("/api/admin/settings", { accessTokenTtlSeconds: 600 }, t.adminKey);
    expect(updated.status).toBe(200);
    expect(updated.body.accessTokenTtlSeconds).toBe(600);
    const name = unique("lee");
    await createDeveloper({ name, password: "lee's password" });
    const session = (await login(name, "lee's password")).body;
    const lifetime = Date.parse(session.accessTokenExpiresAt) - Date.now();
    expect(lifetime).toBeGreaterThan(590_000);
    const audit = await t.api.get("/api/admin/audit-logs?action=settings.update", t.adminKey);
    expect(audit.body.items[0].detail.accessTokenTtlSeconds).toEqual({ from: 1800, to: 600 });
  });
});

describe.each(backends)("access-token signing keys on $name", (backend) => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane(backend, { accessTokenTtlSeconds: 3 });
  });
  afterAll(() => t?.stop());
  const login = (username: string, password: string) => t.api.post("/api/auth/login", { username, password });
  const createDeveloper = async (body: Record<string, unknown>) => {
    const res = await t.api.post("/api/admin/developers", body, t.adminKey);
    expect(res.status).toBe(201);
    return res.body;
  };

  test("JWT key rotation: tokens of the retired key stay valid until they expire, then not", async () => {
    const name = unique("eve");
    await createDeveloper({ name, password: "eve's password" });
    const before = (await login(name, "eve's password")).body.accessToken;
    const oldKid = jwtHeader(before).kid;
    const rotated = await t.api.post("/api/admin/signing-keys/rotate", undefined, t.adminKey);
    expect(rotated.status).toBe(200);
    expect(rotated.body.kid).not.toBe(oldKid);
    expect((await t.api.get("/api/users/me", before)).status).toBe(200);
    const after = (await login(name, "eve's password")).body.accessToken;
    expect(jwtHeader(after).kid).toBe(rotated.body.kid);
    const jwks = (await t.api.get("/.well-known/jwks.json")).body.keys.map((k: { kid: string }) => k.kid);
    expect(jwks).toContain(oldKid);
    expect(jwks).toContain(rotated.body.kid);
    // Expired (3 s lifetime): refused; and once every token it signed has expired the retired key is dropped.
    await waitFor("the old token to expire", async () => (await t.api.get("/api/users/me", before)).status === 401);
    await waitFor(
      "the retired key to leave the key set",
      async () => !(await t.api.get("/.well-known/jwks.json")).body.keys.some((k: { kid: string }) => k.kid === oldKid),
      15_000,
    );
    // A fresh token of the new key still works.
    expect((await t.api.get("/api/users/me", (await login(name, "eve's password")).body.accessToken)).status).toBe(200);
    // Tenant admins (not installation admins) may not rotate.
    const tenant = await t.api.post("/api/v1/tenants", { name: unique("t") }, t.adminKey);
    expect((await t.api.post("/api/admin/signing-keys/rotate", undefined, tenant.body.apiKey.key)).status).toBe(403);
  });
});

describe.each(backends)("sign-in throttling per source address on $name", (backend) => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane(backend, { rateLimitAuthFailures: 4, rateLimitLoginFailures: 100 });
  });
  afterAll(() => t?.stop());

  test("failed sign-ins for many accounts from one address end in 429 for that address", async () => {
    await t.api.post("/api/admin/developers", { name: "real-user", password: "real password" }, t.adminKey);
    for (let i = 0; i < 4; i++) {
      const res = await t.api.post("/api/auth/login", { username: `guess-${i}`, password: "guess guess" });
      expect(res.status).toBe(401);
    }
    const blocked = await t.api.post("/api/auth/login", { username: "real-user", password: "real password" });
    expect(blocked.status).toBe(429);
    expect(blocked.body.retryAfterSeconds).toBeGreaterThan(0);
  });
});
