import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";
import { hostWithRuntime } from "../support/runtime";
import { signRaw } from "../support/releases";
import { generateKeyPair, sha256Hex, signManifest, type ReleaseManifest } from "@edge/proto/release";

const backends = await availableBackends();
const ROOT = new URL("../..", import.meta.url).pathname;

function manifestFor(version: string, body: string, overrides: Partial<ReleaseManifest> = {}): ReleaseManifest {
  return {
    channel: "stable",
    version,
    notes: "Security update",
    issuedAt: new Date().toISOString(),
    expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    scripts: [
      {
        id: "step_1",
        description: "Apply runtime patch",
        path: `scripts/update-${version}.sh`,
        sha256: sha256Hex(body),
      },
    ],
    ...overrides,
  };
}

describe.each(backends)("update and delegation API on $name", (backend) => {
  let t: TestPlane;
  const keys = generateKeyPair();
  let agent: Awaited<ReturnType<typeof hostWithRuntime>>;
  const body = "#!/bin/sh\necho patched > patched.txt\n";

  beforeAll(async () => {
    t = await startTestPlane(backend);
    agent = await hostWithRuntime(t, "updatable");
    expect(
      (await t.api.post("/api/v1/release-keys", { name: "ci", publicKey: keys.publicKey }, t.adminKey)).status,
    ).toBe(201);
  });
  afterAll(() => t?.stop());

  test("npm run release: keygen, build and sign a folder of scripts, publish", async () => {
    const dir = mkdtempSync(join(tmpdir(), "release-"));
    try {
      mkdirSync(join(dir, "scripts"));
      writeFileSync(join(dir, "scripts", "01-patch.sh"), "# description: patch the runtime\necho 1\n");
      writeFileSync(join(dir, "scripts", "02-verify.sh"), "echo 2\n");
      const keygen = Bun.spawnSync([process.execPath, "scripts/release.ts", "keygen", "--out", join(dir, "keys")], {
        cwd: ROOT,
      });
      expect(keygen.exitCode, keygen.stderr.toString()).toBe(0);
      const publicKey = readFileSync(join(dir, "keys", "release.pub"), "utf8").trim();
      expect(publicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      expect((await t.api.post("/api/v1/release-keys", { name: "release tool", publicKey }, t.adminKey)).status).toBe(
        201,
      );
      // async: the control plane it publishes to runs in this process
      const publish = Bun.spawn(
        [
          process.execPath,
          "scripts/release.ts",
          "publish",
          "--dir",
          join(dir, "scripts"),
          "--version",
          "2026.01.01",
          "--channel",
          "beta",
          "--notes",
          "first",
          "--key",
          join(dir, "keys", "release.key"),
          "--api",
          t.plane.url,
          "--api-key",
          t.adminKey,
        ],
        { cwd: ROOT, stdout: "pipe", stderr: "pipe" },
      );
      expect(await publish.exited, await new Response(publish.stderr).text()).toBe(0);
      const listed = (await t.api.get("/api/v1/releases?channel=beta", t.adminKey)).body.items;
      expect(listed).toHaveLength(1);
      expect(listed[0]).toMatchObject({ channel: "beta", version: "2026.01.01", notes: "first" });
      expect(listed[0].scripts.map((s: { description: string }) => s.description)).toEqual([
        "patch the runtime",
        "02-verify.sh",
      ]);
      expect(listed[0].publicKey).toBe(readFileSync(join(dir, "keys", "release.pub"), "utf8").trim());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("publishing refuses bad signatures, tampered scripts, unsafe paths and duplicates", async () => {
    const signed = signManifest(manifestFor("2026.02.20", body), keys.secretKey);
    const ok = await t.api.post(
      "/api/v1/releases",
      { signedManifest: signed, scripts: [{ path: "scripts/update-2026.02.20.sh", body }] },
      t.adminKey,
    );
    expect(ok.status).toBe(201);
    const dup = await t.api.post(
      "/api/v1/releases",
      { signedManifest: signed, scripts: [{ path: "scripts/update-2026.02.20.sh", body }] },
      t.adminKey,
    );
    expect(dup.status).toBe(409);
    const forged = { ...signManifest(manifestFor("2026.03.01", body), keys.secretKey), signature: signed.signature };
    expect(
      (
        await t.api.post(
          "/api/v1/releases",
          { signedManifest: forged, scripts: [{ path: "scripts/update-2026.03.01.sh", body }] },
          t.adminKey,
        )
      ).status,
    ).toBe(400);
    const tampered = signManifest(manifestFor("2026.03.02", body), keys.secretKey);
    const res = await t.api.post(
      "/api/v1/releases",
      { signedManifest: tampered, scripts: [{ path: "scripts/update-2026.03.02.sh", body: `${body}rm -rf /\n` }] },
      t.adminKey,
    );
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("sha256");
    const unsafe = signRaw(
      manifestFor("2026.03.03", body, {
        scripts: [{ id: "x", description: "", path: "../../etc/passwd", sha256: sha256Hex(body) }],
      }),
      keys,
    );
    expect(
      (
        await t.api.post(
          "/api/v1/releases",
          { signedManifest: unsafe, scripts: [{ path: "../../etc/passwd", body }] },
          t.adminKey,
        )
      ).status,
    ).toBe(400);
  });

  test("runtime update endpoints: manifest, scripts (no traversal), check, grant, apply once, report", async () => {
    const auth = agent.token;
    const manifest = await t.api.get("/api/runtime/updates/manifest", auth);
    expect(manifest.status).toBe(200);
    expect(manifest.body).toMatchObject({ ok: true, channel: "stable", version: "2026.02.20" });
    expect(manifest.body.signedManifest.signature).toBeString();
    expect((await t.api.get("/api/runtime/updates/manifest?channel=nightly", auth)).status).toBe(404);
    expect((await t.api.get("/api/runtime/updates/manifest", t.adminKey)).status).toBe(401);

    const script = await t.api.get("/api/runtime/updates/scripts?path=scripts%2Fupdate-2026.02.20.sh", auth);
    expect(script.status).toBe(200);
    expect(script.body).toBe(body);
    for (const path of ["../etc/passwd", "/etc/passwd", "scripts/../../x", "scripts/./x", "scripts\\x"]) {
      const res = await t.api.get(`/api/runtime/updates/scripts?path=${encodeURIComponent(path)}`, auth);
      expect(res.status, path).toBe(400);
      expect(res.body.error).toBeString();
    }
    expect((await t.api.get("/api/runtime/updates/scripts?path=scripts%2Fnope.sh", auth)).status).toBe(404);

    const check = await t.api.post(
      "/api/runtime/updates/check",
      { currentVersion: "2026.02.15", channel: "stable" },
      auth,
    );
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({
      ok: true,
      runtimeId: agent.runtimeId,
      agentId: agent.hostId,
      channel: "stable",
      currentVersion: "2026.02.15",
      targetVersion: "2026.02.20",
      updateAvailable: true,
      requiresApproval: true,
      notes: "Security update",
    });
    expect(check.body.scripts[0]).toMatchObject({
      id: "step_1",
      path: "scripts/update-2026.02.20.sh",
      sha256: sha256Hex(body),
    });
    expect(check.body.scripts[0].url).toContain(
      `/api/runtime/updates/scripts?releaseId=${check.body.releaseId}&path=scripts%2Fupdate-2026.02.20.sh&sha256=`,
    );
    const upToDate = await t.api.post("/api/runtime/updates/check", { currentVersion: "2026.02.20" }, auth);
    expect(upToDate.body.updateAvailable).toBe(false);

    expect((await t.api.post(`/api/agents/${agent.hostId}/runtime-update-grant`, {})).status).toBe(401);
    const other = await createTenant(t, "upd-other");
    expect((await t.api.post(`/api/agents/${agent.hostId}/runtime-update-grant`, {}, other.key)).status).toBe(404);
    const grant = await t.api.post(
      `/api/agents/${agent.hostId}/runtime-update-grant`,
      { channel: "stable" },
      t.adminKey,
    );
    expect(grant.status).toBe(201);
    expect(grant.body.grantToken).toMatch(/^rtug_/);
    const apply = (extra: object) =>
      t.api.post(
        "/api/runtime/updates/apply",
        {
          approved: true,
          grantToken: grant.body.grantToken,
          currentVersion: "2026.02.15",
          channel: "stable",
          targetVersion: "2026.02.20",
          ...extra,
        },
        auth,
      );

    expect((await apply({ approved: false })).status).toBe(400);
    expect((await apply({ grantToken: "rtug_forged" })).status).toBe(403);
    expect((await apply({ targetVersion: "2026.01.01" })).status).toBe(409);
    const someoneElse = await hostWithRuntime(t, "not-granted");
    expect(
      (
        await t.api.post(
          "/api/runtime/updates/apply",
          {
            approved: true,
            grantToken: grant.body.grantToken,
            currentVersion: "1",
            channel: "stable",
            targetVersion: "2026.02.20",
          },
          someoneElse.token,
        )
      ).status,
    ).toBe(403);
    const applied = await apply({});
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({
      approved: true,
      canExecuteRemoteScripts: true,
      targetVersion: "2026.02.20",
      updateAvailable: true,
    });
    const reused = await apply({});
    expect(reused.status).toBe(403);
    expect(reused.body.error).toContain("grant");

    const short = await t.api.post(`/api/agents/${agent.hostId}/runtime-update-grant`, { ttlSeconds: 1 }, t.adminKey);
    await Bun.sleep(1100);
    expect(
      (
        await t.api.post(
          "/api/runtime/updates/apply",
          {
            approved: true,
            grantToken: short.body.grantToken,
            currentVersion: "2026.02.15",
            targetVersion: "2026.02.20",
          },
          auth,
        )
      ).status,
    ).toBe(403);

    // "applied" only for the version a grant was spent on, once
    const bogus = await t.api.post(
      "/api/runtime/updates/report",
      { channel: "stable", fromVersion: "2026.02.15", toVersion: "9999.0.0", status: "applied" },
      auth,
    );
    expect(bogus.status).toBe(409);
    expect(bogus.body.error).toContain("9999.0.0");
    expect((await t.api.get(`/api/v1/hosts/${agent.hostId}`, t.adminKey)).body.agentVersion).not.toBe("9999.0.0");
    const report = await t.api.post(
      "/api/runtime/updates/report",
      { channel: "stable", fromVersion: "2026.02.15", toVersion: "2026.02.20", status: "applied" },
      auth,
    );
    expect(report.status).toBe(200);
    expect(
      (
        await t.api.post(
          "/api/runtime/updates/report",
          { channel: "stable", fromVersion: "2026.02.15", toVersion: "2026.02.20", status: "applied" },
          auth,
        )
      ).status,
    ).toBe(409);
    expect(
      (
        await t.api.post(
          "/api/runtime/updates/report",
          {
            channel: "stable",
            fromVersion: "2026.02.15",
            toVersion: "2026.02.20",
            status: "failed",
            reason: "disk full",
          },
          auth,
        )
      ).status,
    ).toBe(200);
    expect((await t.api.get(`/api/v1/hosts/${agent.hostId}`, t.adminKey)).body.agentVersion).toBe("2026.02.20");
    const audit = (await t.api.get(`/api/v1/audit?hostId=${agent.hostId}`, t.adminKey)).body.items.map(
      (e: { action: string }) => e.action,
    );
    expect(audit).toEqual(
      expect.arrayContaining([
        "update.granted",
        "update.apply_authorised",
        "update.apply_refused",
        "update.applied",
        "update.report_refused",
      ]),
    );
    expect((await t.api.get(`/api/v1/audit?hostId=${agent.hostId}`, other.key)).body.items).toHaveLength(0);
  });

  test("delegated runtime control: self, delegated, undelegated, wrong scope, revoked, expired", async () => {
    const controller = await hostWithRuntime(t, "controller");
    const target = await hostWithRuntime(t, "target");
    const act = (who: { token: string }, id: string, action: "start" | "stop" | "status") =>
      action === "status"
        ? t.api.get(`/api/runtime/agents/${id}/status`, who.token)
        : t.api.post(`/api/runtime/agents/${id}/${action}`, {}, who.token);

    // self
    expect((await act(controller, controller.hostId, "status")).status).toBe(200);
    // No agent runs here to acknowledge: the request stays pending and the state is not reported as changed.
    const selfStop = await act(controller, controller.hostId, "stop");
    expect(selfStop.status).toBe(202);
    expect(selfStop.body).toMatchObject({
      ok: true,
      machineState: "running",
      requestedMachineState: "stopped",
      pending: true,
    });
    expect((await act(controller, controller.hostId, "status")).body).toMatchObject({
      machineState: "running",
      requestedMachineState: "stopped",
      pendingCommand: { id: selfStop.body.commandId, status: "pending" },
    });
    expect((await act(controller, controller.hostId, "start")).body.requestedMachineState).toBe("running");
    // undelegated
    for (const action of ["start", "stop", "status"] as const) {
      const res = await act(controller, target.hostId, action);
      expect(res.status, action).toBe(403);
      expect(res.body.error).toContain("delegation");
    }
    expect((await act(controller, "host_0000000000000000", "stop")).status).toBe(404);
    expect((await t.api.post(`/api/runtime/agents/${target.hostId}/stop`, {}, t.adminKey)).status).toBe(401);

    // delegated with scopes stop + status
    const created = await t.api.post(
      "/api/runtime/delegations",
      { controllerAgentId: controller.hostId, targetAgentId: target.hostId, scopes: ["stop", "status"] },
      t.adminKey,
    );
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      controllerAgentId: controller.hostId,
      targetAgentId: target.hostId,
      scopes: ["stop", "status"],
      active: true,
    });
    const stopped = await act(controller, target.hostId, "stop");
    expect(stopped.status).toBe(202);
    expect((await act(controller, target.hostId, "status")).body).toMatchObject({
      agentId: target.hostId,
      machineState: "running",
      requestedMachineState: "stopped",
    });
    expect((await act(controller, target.hostId, "start")).status).toBe(403); // scope not granted
    expect((await act(target, controller.hostId, "stop")).status).toBe(403); // delegations are one-way
    const command = (await t.api.get(`/api/v1/commands/${stopped.body.commandId}`, t.adminKey)).body;
    expect(command).toMatchObject({ hostId: target.hostId, kind: "runtime.stop" });

    // revoked
    expect((await t.api.delete(`/api/runtime/delegations/${created.body.id}`, t.adminKey)).body.active).toBe(false);
    expect((await act(controller, target.hostId, "stop")).status).toBe(403);
    // expired
    await t.api.post(
      "/api/runtime/delegations",
      { controllerAgentId: controller.hostId, targetAgentId: target.hostId, scopes: ["start"], ttlSeconds: 1 },
      t.adminKey,
    );
    expect((await act(controller, target.hostId, "start")).status).toBe(202);
    await Bun.sleep(1100);
    expect((await act(controller, target.hostId, "start")).status).toBe(403);

    // validation and tenancy
    expect(
      (
        await t.api.post(
          "/api/runtime/delegations",
          { controllerAgentId: controller.hostId, targetAgentId: target.hostId, scopes: ["reboot"] },
          t.adminKey,
        )
      ).status,
    ).toBe(400);
    const other = await createTenant(t, "dlg-other");
    expect(
      (
        await t.api.post(
          "/api/runtime/delegations",
          { controllerAgentId: controller.hostId, targetAgentId: target.hostId, scopes: ["stop"] },
          other.key,
        )
      ).status,
    ).toBe(400);
    expect((await t.api.get(`/api/runtime/delegations/${created.body.id}`, other.key)).status).toBe(404);
    const audit = (await t.api.get(`/api/v1/audit?hostId=${target.hostId}`, t.adminKey)).body.items.map(
      (e: { action: string }) => e.action,
    );
    expect(audit).toEqual(
      expect.arrayContaining(["delegation.created", "delegation.revoked", "runtime.stop", "runtime.start"]),
    );
  });
});
