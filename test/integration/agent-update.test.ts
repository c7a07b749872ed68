/** Signed self-update with a real agent process: the happy path and every attack, each leaving the agent unchanged. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents, type AgentProcess } from "../support/agent-process";
import { waitFor } from "../support/wait";
import { agentFor, commandFinished, hostOnline, hostWithRuntime, policedEnvironment } from "../support/runtime";
import { generateKeyPair, sha256Hex, signManifest, type ReleaseManifest } from "@edge/proto/release";

const backends = await availableBackends();

/** A snapshot of a directory tree's files and contents. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full, `${prefix}${name}/`);
      else out[`${prefix}${name}`] = readFileSync(full, "utf8");
    }
  };
  if (existsSync(dir)) walk(dir, "");
  return out;
}

describe.each(backends)("agent self-update on $name", (backend) => {
  let t: TestPlane;
  let agent: AgentProcess;
  let hostId: string;
  let installDir: string;
  const trusted = generateKeyPair();
  const attacker = generateKeyPair();

  async function publish(
    channel: string,
    version: string,
    scripts: Record<string, string>,
    opts: { key?: string; expiresAt?: string; dir?: string } = {},
  ) {
    const entries = Object.entries(scripts);
    const dir = opts.dir ?? `scripts/${channel}/${version}`;
    const manifest: ReleaseManifest = {
      channel,
      version,
      notes: `${channel} ${version}`,
      issuedAt: new Date().toISOString(),
      expiresAt: opts.expiresAt ?? new Date(Date.now() + 86_400_000).toISOString(),
      scripts: entries.map(([name, body], i) => ({
        id: `step_${i + 1}`,
        description: name,
        path: `${dir}/${name}`,
        sha256: sha256Hex(body),
      })),
    };
    const res = await t.api.post(
      "/api/v1/releases",
      {
        signedManifest: signManifest(manifest, opts.key ?? trusted.secretKey),
        scripts: entries.map(([name, body]) => ({ path: `${dir}/${name}`, body })),
      },
      t.adminKey,
    );
    expect(res.status).toBe(201);
    return res.body;
  }

  /** Grants and delivers an update; resolves with the finished `runtime.update` command. */
  async function update(channel: string, grantToken?: string) {
    let commandId: string;
    if (grantToken) {
      commandId = (
        await t.api.post(
          "/api/v1/commands",
          { hostId, kind: "runtime.update", params: { grantToken, channel } },
          t.adminKey,
        )
      ).body.id;
    } else {
      commandId = (
        await t.api.post(`/api/agents/${hostId}/runtime-update-grant`, { channel, deliver: true }, t.adminKey)
      ).body.commandId;
    }
    return commandFinished(t, commandId, 30_000);
  }

  const reportedVersion = async () => (await t.api.get(`/api/v1/hosts/${hostId}`, t.adminKey)).body.agentVersion;

  async function expectRejected(channel: string, reason: RegExp, grantToken?: string) {
    const before = snapshot(installDir);
    const versionBefore = await reportedVersion();
    const cmd = await update(channel, grantToken);
    expect(cmd.status).toBe("failed");
    expect(cmd.error).toMatch(reason);
    expect(snapshot(installDir)).toEqual(before);
    expect(await reportedVersion()).toBe(versionBefore);
    const audit = (await t.api.get(`/api/v1/audit?hostId=${hostId}&action=update.rejected`, t.adminKey)).body.items;
    expect(
      audit.some(
        (e: { detail: Record<string, string> }) => e.detail.channel === channel && reason.test(e.detail.reason),
      ),
    ).toBe(true);
  }

  beforeAll(async () => {
    t = await startTestPlane(backend);
    // The tenant trusts both keys; the agent pins only `trusted`.
    for (const [name, key] of [
      ["release", trusted.publicKey],
      ["other team", attacker.publicKey],
    ]) {
      expect((await t.api.post("/api/v1/release-keys", { name, publicKey: key }, t.adminKey)).status).toBe(201);
    }
    const envId = await policedEnvironment(t, "upd", {
      allowedKinds: ["runtime.update", "runtime.stop", "runtime.start", "echo"],
    });
    const provisioned = await agentFor(t, envId, "upd-host", {
      env: { EDGE_UPDATE_PUBLIC_KEY: trusted.publicKey, EDGE_UPDATE_CHECK_INTERVAL_MS: "0" },
    });
    hostId = provisioned.host.id;
    agent = provisioned.agent;
    installDir = join(agent.stateDir, "install");
    mkdirSync(installDir, { recursive: true });
    writeFileSync(join(installDir, "app.txt"), "v1\n");
    agent.start();
    await hostOnline(t, hostId);
    await waitFor("first status report", async () => Boolean(await reportedVersion()));
  });
  afterAll(async () => {
    await stopAllAgents();
    await t?.stop();
  });

  test("a script tampered on the control plane is rejected before anything runs", async () => {
    await publish("tampered", "2030.01.01", { "01.sh": "echo safe > app.txt\n" });
    await t.plane.database.db.execute(
      sql`update release_scripts set body = 'echo pwned > app.txt' where path like 'scripts/tampered/%'`,
    );
    await expectRejected("tampered", /sha256/);
  });

  test("a release signed with another key is rejected", async () => {
    await publish("wrongkey", "2030.01.01", { "01.sh": "echo evil > app.txt\n" }, { key: attacker.secretKey });
    await expectRejected("wrongkey", /signature/);
  });

  test("an expired manifest is rejected (freeze attack)", async () => {
    await publish(
      "frozen",
      "2030.01.01",
      { "01.sh": "echo stale > app.txt\n" },
      { expiresAt: new Date(Date.now() + 1000).toISOString() },
    );
    await Bun.sleep(1100);
    // The control plane no longer offers it; a compromised one would: the agent still refuses.
    await t.plane.database.db.execute(
      sql`update releases set expires_at = now() + interval '1 day' where channel = 'frozen'`,
    );
    await expectRejected("frozen", /expired/);
  });

  test("a failing script rolls back", async () => {
    await publish("broken", "2030.01.01", { "01.sh": "echo half > app.txt\n", "02.sh": "exit 7\n" });
    const before = snapshot(installDir);
    const cmd = await update("broken");
    expect(cmd.status).toBe("failed");
    expect(snapshot(installDir)).toEqual(before);
    const audit = (await t.api.get(`/api/v1/audit?hostId=${hostId}&action=update.failed`, t.adminKey)).body.items;
    expect(audit.some((e: { detail: Record<string, string> }) => e.detail.channel === "broken")).toBe(true);
  });

  test("check → grant → apply → scripts run → new version reported; then replays are refused", async () => {
    await publish("stable", "2026.02.20", {
      "01-patch.sh": 'echo v2 > app.txt\necho "$UPDATE_FROM_VERSION -> $UPDATE_TO_VERSION" > upgraded.txt\n',
      "02-health.sh": "printf 'test -f app.txt\\n' > healthcheck\n",
    });
    const cmd = await update("stable");
    expect(cmd.status).toBe("completed");
    expect(cmd.result.toVersion).toBe("2026.02.20");
    expect(readFileSync(join(installDir, "app.txt"), "utf8")).toBe("v2\n");
    expect(readFileSync(join(installDir, "upgraded.txt"), "utf8")).toContain("-> 2026.02.20");
    await waitFor("new version reported", async () => (await reportedVersion()) === "2026.02.20");
    const applied = (await t.api.get(`/api/v1/audit?hostId=${hostId}&action=update.applied`, t.adminKey)).body.items;
    expect(applied[0].detail.toVersion).toBe("2026.02.20");

    // a used grant: the delivered command's grant is spent
    const grant = (await t.api.post(`/api/agents/${hostId}/runtime-update-grant`, { channel: "stable2" }, t.adminKey))
      .body;
    await publish("stable2", "2026.09.09", { "01.sh": "echo v3 > app.txt\n" });
    const other = (await t.api.post("/api/runtime/identities", { hostId }, t.adminKey)).body;
    const otherTokens = (
      await t.api.post("/api/runtime/bootstrap/exchange", {
        runtimeId: other.runtimeId,
        bootstrapToken: other.bootstrapToken,
      })
    ).body;
    const spent = await t.api.post(
      "/api/runtime/updates/apply",
      {
        approved: true,
        grantToken: grant.grantToken,
        currentVersion: "2026.02.20",
        channel: "stable2",
        targetVersion: "2026.09.09",
      },
      otherTokens.accessToken,
    );
    expect(spent.status).toBe(200);
    await expectRejected("stable2", /grant/, grant.grantToken);

    // a replayed old manifest (a compromised control plane serving an older signed release)
    await publish("stable", "2026.01.01", { "01.sh": "echo old > app.txt\n" });
    await t.plane.database.db.execute(sql`delete from releases where channel = 'stable' and version = '2026.02.20'`);
    await expectRejected("stable", /not newer|rollback/);
  });

  test("a delegated stop is enforced by the agent until a delegated start", async () => {
    const controller = await hostWithRuntime(t, "controller");
    const finished = (id: string) => commandFinished(t, id);
    const echo = async () =>
      finished((await t.api.post("/api/v1/commands", { hostId, kind: "echo", params: { n: 1 } }, t.adminKey)).body.id);

    expect((await t.api.post(`/api/runtime/agents/${hostId}/stop`, {}, controller.token)).status).toBe(403);
    await t.api.post(
      "/api/runtime/delegations",
      { controllerAgentId: controller.hostId, targetAgentId: hostId, scopes: ["stop", "start", "status"] },
      t.adminKey,
    );
    const stop = await t.api.post(`/api/runtime/agents/${hostId}/stop`, {}, controller.token);
    expect(stop.status).toBe(202);
    expect((await finished(stop.body.commandId)).result).toEqual({ state: "stopped" });
    expect((await t.api.get(`/api/runtime/agents/${hostId}/status`, controller.token)).body).toMatchObject({
      machineState: "stopped",
      requestedMachineState: null,
    });
    const refused = await echo();
    expect(refused).toMatchObject({ status: "failed", error: "machine stopped" });

    const start = await t.api.post(`/api/runtime/agents/${hostId}/start`, {}, controller.token);
    expect((await finished(start.body.commandId)).result).toEqual({ state: "running" });
    expect((await echo()).status).toBe("completed");
    expect((await t.api.get(`/api/runtime/agents/${hostId}/status`, controller.token)).body.machineState).toBe(
      "running",
    );
  });

  test("a granted update downloads its own release's scripts, not another channel's at the same path", async () => {
    await publish("shared", "2031.03.01", { "01.sh": "echo shared > shared.txt\n" }, { dir: "scripts/2031.03.01" });
    await publish("shared-beta", "2031.03.01", { "01.sh": "echo beta > shared.txt\n" }, { dir: "scripts/2031.03.01" });
    const cmd = await update("shared");
    expect(cmd.status).toBe("completed");
    expect(readFileSync(join(installDir, "shared.txt"), "utf8")).toBe("shared\n");
  });
});
