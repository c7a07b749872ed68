/** Update-channel integrity: explicit release trust, no poisoning or freezing, strict manifests, scripts bound to releases. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql } from "drizzle-orm";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { hostWithRuntime } from "../support/runtime";
import { users } from "../../control-plane/src/db/schema";
import { signRaw } from "../support/releases";
import { generateKeyPair, sha256Hex, signManifest, type ReleaseManifest } from "@edge/proto/release";

const backends = await availableBackends();

type Keys = ReturnType<typeof generateKeyPair>;

function manifest(
  channel: string,
  version: string,
  scripts: Record<string, string>,
  overrides: Partial<ReleaseManifest> = {},
): ReleaseManifest {
  return {
    channel,
    version,
    notes: `${channel} ${version}`,
    issuedAt: new Date(Date.now() - 1000).toISOString(),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    scripts: Object.entries(scripts).map(([path, body], i) => ({
      id: `step_${i + 1}`,
      description: path,
      path,
      sha256: sha256Hex(body),
    })),
    ...overrides,
  };
}

describe.each(backends)("update-channel integrity on $name", (backend) => {
  let t: TestPlane;
  let agent: Awaited<ReturnType<typeof hostWithRuntime>>;
  const ops = generateKeyPair();
  const otherTeam = generateKeyPair();
  const stranger = generateKeyPair();
  const installation = generateKeyPair(); // UPDATE_PUBLIC_KEYS

  const publish = (m: ReleaseManifest, keys: Keys, scripts: Record<string, string>, key = t.adminKey) =>
    t.api.post(
      "/api/v1/releases",
      {
        signedManifest: signManifest(m, keys.secretKey),
        scripts: Object.entries(scripts).map(([path, body]) => ({ path, body })),
      },
      key,
    );
  const check = (channel: string, publicKey?: string) =>
    t.api.post(
      "/api/runtime/updates/check",
      { currentVersion: "2026.02.15", channel, ...(publicKey ? { publicKey } : {}) },
      agent.token,
    );

  beforeAll(async () => {
    t = await startTestPlane(backend, { updatePublicKeys: [installation.publicKey] });
    agent = await hostWithRuntime(t, "integrity");
  });
  afterAll(() => t?.stop());

  test("release keys: admins register, list and revoke them; bad keys are 400", async () => {
    const created = await t.api.post("/api/v1/release-keys", { name: "ops", publicKey: ops.publicKey }, t.adminKey);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: "ops", publicKey: ops.publicKey, active: true });
    expect(
      (await t.api.post("/api/v1/release-keys", { name: "again", publicKey: ops.publicKey }, t.adminKey)).status,
    ).toBe(409);
    for (const publicKey of ["not-a-key", Buffer.alloc(16).toString("base64"), 42]) {
      const res = await t.api.post("/api/v1/release-keys", { name: "bad", publicKey }, t.adminKey);
      expect(res.status, String(publicKey)).toBe(400);
      expect(res.body.error).toBeString();
    }
    expect((await t.api.post("/api/v1/release-keys", { name: "anon", publicKey: ops.publicKey })).status).toBe(401);
    const listed = await t.api.get("/api/v1/release-keys", t.adminKey);
    expect(listed.body.items.map((k: { publicKey: string }) => k.publicKey)).toEqual([ops.publicKey]);
    expect(listed.body.installationKeys).toEqual([installation.publicKey]);
    const other = await createTenant(t, "keys-other");
    expect((await t.api.get("/api/v1/release-keys", other.key)).body.items).toEqual([]);
    expect((await t.api.delete(`/api/v1/release-keys/${created.body.id}`, other.key)).status).toBe(404);
    // Members may not manage keys.
    const tenantId = (await t.api.get("/api/users/me", t.adminKey)).body.tenantId;
    const userId = `user_member${crypto.randomUUID().slice(0, 8)}`;
    await t.plane.database.db.insert(users).values({ id: userId, tenantId, name: "member", role: "member" });
    const memberKey = (await t.plane.services.apiKeys.create({ tenantId, userId }, "member key")).key;
    expect(
      (await t.api.post("/api/v1/release-keys", { name: "mine", publicKey: stranger.publicKey }, memberKey)).status,
    ).toBe(403);
    expect((await t.api.delete(`/api/v1/release-keys/${created.body.id}`, memberKey)).status).toBe(403);
    // Keys configured with UPDATE_PUBLIC_KEYS are trusted by every tenant without registration.
    expect(
      (
        await publish(
          manifest("installation", "2026.01.01", { "s/i.sh": "echo i" }),
          installation,
          { "s/i.sh": "echo i" },
          other.key,
        )
      ).status,
    ).toBe(201);
  });

  test("publishing needs a trusted key: a stranger's release cannot poison the channel", async () => {
    const good = await publish(manifest("stable", "2026.03.01", { "s/a.sh": "echo a" }), ops, { "s/a.sh": "echo a" });
    expect(good.status).toBe(201);
    const poison = await publish(manifest("stable", "9999.0.0", { "s/p.sh": "echo p" }), stranger, {
      "s/p.sh": "echo p",
    });
    expect(poison.status).toBe(403);
    expect(poison.body.error).toContain("trusted key");
    const offered = await check("stable", ops.publicKey);
    expect(offered.body).toMatchObject({ targetVersion: "2026.03.01", updateAvailable: true });
    expect((await check("stable")).body.targetVersion).toBe("2026.03.01");
  });

  test("latest only offers what the agent could accept: its pinned key, a key still trusted, not expired", async () => {
    // Another trusted key publishes a higher version: an agent pinning ops is still offered ops' release.
    await t.api.post("/api/v1/release-keys", { name: "other team", publicKey: otherTeam.publicKey }, t.adminKey);
    expect(
      (await publish(manifest("stable", "9000.0.0", { "s/o.sh": "echo o" }), otherTeam, { "s/o.sh": "echo o" })).status,
    ).toBe(201);
    expect((await check("stable", ops.publicKey)).body.targetVersion).toBe("2026.03.01");
    expect((await check("stable", otherTeam.publicKey)).body.targetVersion).toBe("9000.0.0");
    expect(
      (
        await t.api.get(
          `/api/runtime/updates/manifest?channel=stable&publicKey=${encodeURIComponent(ops.publicKey)}`,
          agent.token,
        )
      ).body.version,
    ).toBe("2026.03.01");
    // Revoking a key withdraws its releases.
    const keyId = (await t.api.get("/api/v1/release-keys", t.adminKey)).body.items.find(
      (k: { publicKey: string }) => k.publicKey === otherTeam.publicKey,
    ).id;
    expect((await t.api.delete(`/api/v1/release-keys/${keyId}`, t.adminKey)).body.active).toBe(false);
    expect((await check("stable")).body.targetVersion).toBe("2026.03.01");
    expect((await check("stable", otherTeam.publicKey)).body.updateAvailable).toBe(false);
    expect(
      (await publish(manifest("stable", "9001.0.0", { "s/o.sh": "echo o" }), otherTeam, { "s/o.sh": "echo o" })).status,
    ).toBe(403);
    // An expired release is not offered: the previous good one is (no freeze).
    expect(
      (await publish(manifest("stable", "2026.04.01", { "s/b.sh": "echo b" }), ops, { "s/b.sh": "echo b" })).status,
    ).toBe(201);
    expect((await check("stable", ops.publicKey)).body.targetVersion).toBe("2026.04.01");
    await t.plane.database.db.execute(
      sql`update releases set expires_at = now() - interval '1 second' where version = '2026.04.01'`,
    );
    expect((await check("stable", ops.publicKey)).body.targetVersion).toBe("2026.03.01");
  });

  test("expired manifests and manifests published before (by anyone) are refused", async () => {
    const expired = manifest(
      "stable",
      "2026.05.01",
      { "s/e.sh": "echo e" },
      {
        issuedAt: new Date(Date.now() - 7_200_000).toISOString(),
        expiresAt: new Date(Date.now() - 3_600_000).toISOString(),
      },
    );
    const res = await publish(expired, ops, { "s/e.sh": "echo e" });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("expired");

    // Tenant B trusts the same public key, but may not re-publish tenant A's signed manifest.
    const m = manifest("replay", "2026.06.01", { "s/r.sh": "echo r" });
    const signed = signManifest(m, ops.secretKey);
    const body = { signedManifest: signed, scripts: [{ path: "s/r.sh", body: "echo r" }] };
    expect((await t.api.post("/api/v1/releases", body, t.adminKey)).status).toBe(201);
    const b = await createTenant(t, "replayer");
    expect((await t.api.post("/api/v1/release-keys", { name: "copied", publicKey: ops.publicKey }, b.key)).status).toBe(
      201,
    );
    const replay = await t.api.post("/api/v1/releases", body, b.key);
    expect(replay.status).toBe(409);
    expect(replay.body.error).toContain("already been published");
    expect((await t.api.get("/api/v1/releases", b.key)).body.items).toEqual([]);
  });

  test("malformed manifests are 400 with a reason, never 500, never coerced", async () => {
    const ok = manifest("stable", "2026.07.01", { "s/m.sh": "echo m" });
    const cases: [string, unknown][] = [
      ["null script", { ...ok, scripts: [null] }],
      ["numeric path", { ...ok, scripts: [{ ...ok.scripts[0], path: 42 }] }],
      ["object channel", { ...ok, channel: { a: 1 } }],
      ["channel with traversal and spaces", { ...ok, channel: "../Stable Channel" }],
      ["version with spaces and emoji", { ...ok, version: "1.0 🚀 final" }],
      ["missing expiresAt", { ...ok, expiresAt: undefined }],
      ["unparseable expiresAt", { ...ok, expiresAt: "2026-13-45T99:99:99Z" }],
      ["bad sha256", { ...ok, scripts: [{ ...ok.scripts[0], sha256: "xyz" }] }],
      ["unsafe path", { ...ok, scripts: [{ ...ok.scripts[0], path: "../../etc/passwd" }] }],
      ["duplicate paths", { ...ok, scripts: [ok.scripts[0], { ...ok.scripts[0], id: "step_2" }] }],
      ["unknown field", { ...ok, runAsRoot: true }],
      ["not an object", [1, 2, 3]],
    ];
    for (const [what, value] of cases) {
      const res = await t.api.post(
        "/api/v1/releases",
        { signedManifest: signRaw(value, ops), scripts: [{ path: "s/m.sh", body: "echo m" }] },
        t.adminKey,
      );
      expect(res.status, what).toBe(400);
      expect(res.body.error, what).toContain("manifest");
    }
    const notJson = { manifest: "{not json", signature: signRaw({}, ops).signature, publicKey: ops.publicKey };
    expect((await t.api.post("/api/v1/releases", { signedManifest: notJson, scripts: [] }, t.adminKey)).status).toBe(
      400,
    );
    const extraBody = await t.api.post(
      "/api/v1/releases",
      {
        signedManifest: signManifest(ok, ops.secretKey),
        scripts: [
          { path: "s/m.sh", body: "echo m" },
          { path: "s/x.sh", body: "x" },
        ],
      },
      t.adminKey,
    );
    expect(extraBody.status).toBe(400);
    const listed = (await t.api.get("/api/v1/releases", t.adminKey)).body.items.map(
      (r: { channel: string }) => r.channel,
    );
    expect(listed.every((c: string) => /^[a-z0-9][a-z0-9_-]*$/.test(c))).toBe(true);
    expect(() => signManifest({ ...ok, channel: "Bad Channel" }, ops.secretKey)).toThrow(/channel/);
  });

  test("scripts are addressed by release and digest; a bare path only while unambiguous", async () => {
    const path = "scripts/2026.3.1/update.sh";
    expect(
      (await publish(manifest("stable", "2026.8.1", { [path]: "echo stable" }), ops, { [path]: "echo stable" })).status,
    ).toBe(201);
    const stable = (await check("stable", ops.publicKey)).body;
    expect(stable.targetVersion).toBe("2026.8.1");
    const alone = await t.api.get(`/api/runtime/updates/scripts?path=${encodeURIComponent(path)}`, agent.token);
    expect(alone.status).toBe(200);
    expect(alone.body).toBe("echo stable");

    expect(
      (await publish(manifest("beta", "2026.8.1", { [path]: "echo beta" }), ops, { [path]: "echo beta" })).status,
    ).toBe(201);
    const ambiguous = await t.api.get(`/api/runtime/updates/scripts?path=${encodeURIComponent(path)}`, agent.token);
    expect(ambiguous.status).toBe(409);
    expect(ambiguous.body.error).toContain("releaseId");
    // The URL the stable offer carries still gives the stable script.
    const url = new URL(stable.scripts[0].url);
    expect(url.searchParams.get("releaseId")).toBe(stable.releaseId);
    const bound = await t.api.get(url.pathname + url.search, agent.token);
    expect(bound.status).toBe(200);
    expect(bound.body).toBe("echo stable");
    const byDigest = await t.api.get(
      `/api/runtime/updates/scripts?path=${encodeURIComponent(path)}&sha256=${sha256Hex("echo beta")}`,
      agent.token,
    );
    expect(byDigest.body).toBe("echo beta");
    const wrongDigest = await t.api.get(
      `/api/runtime/updates/scripts?path=${encodeURIComponent(path)}&releaseId=${stable.releaseId}&sha256=${sha256Hex("echo beta")}`,
      agent.token,
    );
    expect(wrongDigest.status).toBe(404);
    const other = await createTenant(t, "scripts-other");
    const stranger = await hostWithRuntime(t, "stranger", other.key);
    expect((await t.api.get(url.pathname + url.search, stranger.token)).status).toBe(404);
  });
});
