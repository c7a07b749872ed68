import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { ActorSystem, type ActorRef } from "../../edge-agent/src/actors/index.ts";
import { updater, type UpdaterDeps, type UpdaterMsg } from "../../edge-agent/src/agent/updater.ts";
import { silentLogger } from "@edge/proto/log";
import { openAgentDatabase } from "../../edge-agent/src/store/database.ts";
import { RuntimeVersionStore } from "../../edge-agent/src/store/runtime-state.ts";
import type { CheckResult } from "../../edge-agent/src/update/check-update.ts";
import { prepareInstallDir } from "../../edge-agent/src/update/install.ts";
import type { UpdateOutcome, UpdateRequest } from "../../edge-agent/src/update/types.ts";
import { HttpUpdateApi } from "../../edge-agent/src/update/update-client.ts";
import { tempDir } from "../../edge-agent/test-support/helpers.ts";
import { waitFor } from "../support/wait";
import { startTestUpdateServer, type TestUpdateServer } from "../../edge-agent/test-support/update-server.ts";
import { generateKeyPair } from "@edge/proto/release";
import { startAgent } from "../../edge-agent/src/agent/agent.ts";
import { AGENT_VERSION } from "../../edge-agent/src/version.ts";
import { CommandStatus, codecs, topic } from "@edge/proto/wire";
import { startTestBroker } from "../../edge-agent/test-support/broker.ts";
import { FakeAuthApi } from "../../edge-agent/test-support/fake-auth.ts";
import { MemoryIdentitySource, TEST_IDENTITY, testIdentity } from "../../edge-agent/test-support/helpers.ts";
import { commandPayload, policySetPayload } from "../../edge-agent/test-support/runner-harness.ts";

const releaseKey = generateKeyPair();
const FROM = "1.0.0";
const TO = "1.1.0";

let dir: ReturnType<typeof tempDir>;
let db: Database;
let server: TestUpdateServer;
let system: ActorSystem;
let version: RuntimeVersionStore;
let installDir: string;

/** Scripts that record their order, cwd and env in the staging dir, plus a passing healthcheck. */
const SCRIPT_ONE = [
  '[ "$(pwd -P)" = "$(cd "$STAGING_DIR" && pwd -P)" ] || exit 9',
  "echo one >> order",
  'echo "$UPDATE_FROM_VERSION->$UPDATE_TO_VERSION" > versions',
  'echo "$INSTALL_DIR" > install-dir',
].join("\n");
const SCRIPT_TWO = [
  "echo two >> order",
  "printf 'test -f versions && echo ok > healthcheck.ran\\n' > healthcheck",
].join("\n");

function spawnUpdater(overrides: Partial<UpdaterDeps> = {}): ActorRef<UpdaterMsg> {
  return system.spawn("updater", updater({ ...depsFor(), ...overrides }));
}

const apply = (ref: ActorRef<UpdaterMsg>, request: UpdateRequest = { grantToken: "grant-1" }) =>
  ref.ask<UpdateOutcome>((replyTo) => ({ type: "apply", request, replyTo }), 20_000);

const installed = () => readdirSync(installDir).sort();
/** Leftover staging or work dirs in the state dir. */
const leftovers = () => readdirSync(dir.path).filter((name) => /^(staging|update)-/.test(name));

/** Nothing on the agent changed, and the control plane heard about it. */
async function expectUnchanged(status: "rejected" | "failed", reason: string) {
  expect(installed()).toEqual(["marker"]);
  expect(readFileSync(join(installDir, "marker"), "utf8")).toBe("v1");
  expect(version.get()).toBe(FROM);
  expect(existsSync(join(dir.path, "previous"))).toBe(false);
  expect(leftovers()).toEqual([]);
  await waitFor("server.reports.length === 1", () => server.reports.length === 1);
  expect(server.reports[0]).toMatchObject({ channel: "stable", fromVersion: FROM, status });
  expect(server.reports[0]!.reason).toContain(reason);
}

beforeEach(() => {
  dir = tempDir();
  db = openAgentDatabase(dir.path);
  version = new RuntimeVersionStore(db, FROM);
  installDir = join(dir.path, "install");
  prepareInstallDir(dir.path, installDir, silentLogger);
  writeFileSync(join(installDir, "marker"), "v1");
  server = startTestUpdateServer({
    channel: "stable",
    version: TO,
    secretKey: releaseKey.secretKey,
    scripts: [
      { id: "s1", body: SCRIPT_ONE },
      { id: "s2", body: SCRIPT_TWO },
    ],
  });
  server.grants.add("grant-1");
  system = new ActorSystem({ supervision: { initialDelayMs: 1, maxDelayMs: 5, maxRestarts: 3 } });
});

afterEach(async () => {
  await system.stop();
  server.close();
  db.close();
  dir.remove();
});

describe("updater: applying a signed release", () => {
  test("happy path: scripts run in order in staging, healthcheck, switch, version persisted, applied reported", async () => {
    const outcome = await apply(spawnUpdater());
    expect(outcome).toEqual({ ok: true, fromVersion: FROM, toVersion: TO });
    expect(installed()).toEqual(["healthcheck", "healthcheck.ran", "install-dir", "marker", "order", "versions"]);
    expect(readFileSync(join(installDir, "order"), "utf8")).toBe("one\ntwo\n");
    expect(readFileSync(join(installDir, "versions"), "utf8")).toBe(`${FROM}->${TO}\n`);
    expect(readFileSync(join(installDir, "install-dir"), "utf8")).toBe(`${installDir}\n`);
    expect(readFileSync(join(installDir, "healthcheck.ran"), "utf8")).toBe("ok\n");
    expect(readdirSync(join(dir.path, "previous"))).toEqual(["marker"]);
    expect(version.get()).toBe(TO);
    expect(new RuntimeVersionStore(db, FROM).get()).toBe(TO);
    expect(leftovers()).toEqual([]);
    expect(server.applies).toEqual([
      {
        approved: true,
        grantToken: "grant-1",
        currentVersion: FROM,
        channel: "stable",
        targetVersion: TO,
        publicKey: releaseKey.publicKey,
      },
    ]);
    expect(server.checks[0]).toMatchObject({ publicKey: releaseKey.publicKey });
    expect(server.reports).toEqual([{ channel: "stable", fromVersion: FROM, toVersion: TO, status: "applied" }]);
    expect(new Set(server.authorizations)).toEqual(new Set(["Bearer access-1"]));
  });

  test("a tampered script (sha256 mismatch) runs nothing and is rejected", async () => {
    const ran = join(dir.path, "ran");
    server.release.scripts = [
      { id: "s1", body: `touch '${ran}'` },
      { id: "s2", body: "echo fine", served: "echo evil" },
    ];
    const outcome = await apply(spawnUpdater());
    expect(outcome).toMatchObject({ ok: false, status: "rejected", reason: "script s2 sha256 mismatch" });
    expect(existsSync(ran)).toBe(false);
    await expectUnchanged("rejected", "script s2 sha256 mismatch");
  });

  test("a manifest signed with another key is rejected, whatever key the payload claims", async () => {
    server.release.secretKey = generateKeyPair().secretKey;
    const outcome = await apply(spawnUpdater());
    expect(outcome).toMatchObject({ ok: false, status: "rejected" });
    if (!outcome.ok) expect(outcome.reason).toStartWith("signature: ");
    expect(server.applies).toEqual([]);
    expect(server.downloads).toEqual([]);
    await expectUnchanged("rejected", "signature: ");
    expect(server.grants.has("grant-1")).toBe(true);
  });

  test("a replayed equal or older release is refused as a rollback", async () => {
    version.set(TO);
    const equal = await apply(spawnUpdater());
    expect(equal).toMatchObject({
      ok: false,
      status: "rejected",
      reason: `version ${TO} is not newer than ${TO} (rollback refused)`,
    });
    version.set("2.0.0");
    const older = await apply(system.spawn("updater-2", updater(depsFor())));
    expect(older).toMatchObject({
      ok: false,
      status: "rejected",
      reason: `version ${TO} is not newer than 2.0.0 (rollback refused)`,
    });
    expect(version.get()).toBe("2.0.0");
    expect(installed()).toEqual(["marker"]);
    expect(server.applies).toEqual([]);
    await waitFor("server.reports.length === 2", () => server.reports.length === 2);
    expect(server.reports.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  });

  test("an expired manifest is refused (freeze attack)", async () => {
    server.release.expiresAt = new Date(Date.now() - 1000).toISOString();
    const outcome = await apply(spawnUpdater());
    expect(outcome).toMatchObject({
      ok: false,
      status: "rejected",
      reason: `manifest expired at ${server.release.expiresAt} (freeze attack?)`,
    });
    await expectUnchanged("rejected", "manifest expired at");
  });

  test("a requested target version or channel the manifest does not match is refused", async () => {
    const ref = spawnUpdater();
    expect(await apply(ref, { grantToken: "grant-1", targetVersion: "9.9.9" })).toMatchObject({
      ok: false,
      status: "rejected",
      reason: `manifest version ${TO} is not the requested version 9.9.9`,
    });
    expect(await apply(ref, { grantToken: "grant-1", channel: "beta" })).toMatchObject({
      ok: false,
      status: "rejected",
      reason: 'manifest channel "stable" is not the requested channel "beta"',
    });
    expect(server.applies).toEqual([]);
  });

  test("a used grant (403) is rejected with the server reason before anything is downloaded", async () => {
    server.grants.clear();
    const outcome = await apply(spawnUpdater());
    expect(outcome).toMatchObject({
      ok: false,
      status: "rejected",
      reason: "update grant is invalid, expired or already used",
    });
    expect(server.downloads).toEqual([]);
    await expectUnchanged("rejected", "already used");
  });

  test("a failing script fails the update; the install dir and version stay as they were", async () => {
    server.release.scripts = [
      { id: "s1", body: "echo one >> order; echo changed > marker" },
      { id: "s2", body: "echo broken >&2; exit 3" },
      { id: "s3", body: `touch '${join(dir.path, "ran-s3")}'` },
    ];
    const outcome = await apply(spawnUpdater());
    expect(outcome).toMatchObject({ ok: false, status: "failed", reason: "script s2 failed: exit code 3" });
    expect(existsSync(join(dir.path, "ran-s3"))).toBe(false);
    await expectUnchanged("failed", "script s2 failed: exit code 3");
  });

  test("a script that outlives its timeout is killed and fails the update", async () => {
    server.release.scripts = [{ id: "slow", body: "sleep 30" }];
    const started = Date.now();
    const outcome = await apply(spawnUpdater({ scriptTimeoutMs: 200 }));
    expect(outcome).toMatchObject({
      ok: false,
      status: "failed",
      reason: "script slow failed: timed out after 200 ms",
    });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expectUnchanged("failed", "timed out");
  });

  test("a failing healthcheck fails the update and nothing is switched", async () => {
    server.release.scripts = [{ id: "s1", body: "echo new > marker; echo exit 1 > healthcheck" }];
    const outcome = await apply(spawnUpdater());
    expect(outcome).toMatchObject({ ok: false, status: "failed", reason: "health check failed: exit code 1" });
    await expectUnchanged("failed", "health check failed");
  });

  test("a failure during the switch renames everything back", async () => {
    const failingVersion = new RuntimeVersionStore(db, FROM);
    failingVersion.set = () => {
      throw new Error("disk full");
    };
    version = failingVersion;
    const outcome = await apply(spawnUpdater({ version: failingVersion }));
    expect(outcome).toMatchObject({ ok: false, status: "failed", reason: "switch failed (rolled back): disk full" });
    await expectUnchanged("failed", "rolled back");
  });

  test("without a pinned key every update is refused", async () => {
    const outcome = await apply(spawnUpdater({ publicKey: undefined }));
    expect(outcome).toMatchObject({ ok: false, status: "rejected", reason: "no pinned update key" });
    expect(server.applies).toEqual([]);
    await expectUnchanged("rejected", "no pinned update key");
  });

  test("relative state and install dirs work (scripts get absolute paths)", async () => {
    const outcome = await apply(
      spawnUpdater({ stateDir: relative(process.cwd(), dir.path), installDir: relative(process.cwd(), installDir) }),
    );
    expect(outcome).toMatchObject({ ok: true });
    expect(readFileSync(join(installDir, "install-dir"), "utf8")).toBe(`${installDir}\n`);
    expect(readFileSync(join(installDir, "order"), "utf8")).toBe("one\ntwo\n");
  });

  test("a report that fails at first is retried", async () => {
    server.failReports = 2;
    expect(await apply(spawnUpdater())).toMatchObject({ ok: true });
    expect(server.reports).toEqual([{ channel: "stable", fromVersion: FROM, toVersion: TO, status: "applied" }]);
  });
});

describe("updater: scheduled checks", () => {
  test("only log an available update, never apply it", async () => {
    const ref = spawnUpdater({ checkIntervalMs: 30 });
    ref.tell({ type: "connected" });
    await waitFor(`3 checks (got ${server.checks.length})`, () => server.checks.length >= 3, 3000);
    const result = await ref.ask<CheckResult>((replyTo) => ({ type: "check", replyTo }));
    expect(result).toEqual({ state: "available", version: TO });
    expect(server.checks[0]).toEqual({ currentVersion: FROM, channel: "stable" });
    expect(server.applies).toEqual([]);
    expect(server.downloads).toEqual([]);
    expect(server.reports).toEqual([]);
    expect(installed()).toEqual(["marker"]);
    expect(version.get()).toBe(FROM);
  });

  test("report a badly signed offer as refused", async () => {
    server.release.secretKey = generateKeyPair().secretKey;
    const ref = spawnUpdater();
    const result = await ref.ask<CheckResult>((replyTo) => ({ type: "check", replyTo }));
    expect(result).toMatchObject({ state: "refused" });
  });

  test("with interval 0 nothing is checked, not even after connecting", async () => {
    const ref = spawnUpdater({ checkIntervalMs: 0 });
    ref.tell({ type: "connected" });
    await Bun.sleep(50);
    expect(server.checks).toEqual([]);
  });
});

describe("updater inside the agent", () => {
  test("checks once after connecting, applies on a runtime.update command, then reports the new version", async () => {
    const T = (channel: Parameters<typeof topic>[2]) => topic(TEST_IDENTITY.tenantId, TEST_IDENTITY.hostId, channel);
    const broker = await startTestBroker();
    broker.validPasswords.add("access-1");
    const agent = await startAgent({
      settings: {
        mqttUrl: broker.url,
        runtimeId: TEST_IDENTITY.runtimeId,
        statusIntervalMs: 100,
        keepaliveSeconds: 5,
        reconnectMinMs: 20,
        reconnectMaxMs: 100,
        policyWaitMs: 5_000,
      },
      db,
      identity: TEST_IDENTITY,
      tokens: new MemoryIdentitySource(testIdentity()),
      authApi: new FakeAuthApi(),
      log: silentLogger,
      update: {
        apiUrl: server.url,
        stateDir: dir.path,
        installDir,
        publicKey: releaseKey.publicKey,
        channel: "stable",
        checkIntervalMs: 3_600_000,
        scriptTimeoutMs: 5_000,
      },
    });
    try {
      await waitFor("check after connecting", () => server.checks.length === 1, 3000);
      expect(server.checks[0]).toEqual({ currentVersion: AGENT_VERSION, channel: "stable" });
      await broker.publish(T("policies"), policySetPayload([]), true);
      await broker.publish(T("cmd"), commandPayload("upd_1", "runtime.update", { grantToken: "grant-1" }));
      const acks = () =>
        broker.published
          .filter((p) => p.channel === "ack")
          .map((p) => codecs.commandUpdate.decode(p.payload))
          .filter((u) => u.commandId === "upd_1");
      await waitFor(
        "update completed",
        () => acks().some((u) => u.status === CommandStatus.COMMAND_STATUS_COMPLETED),
        5000,
      );
      expect(JSON.parse(acks().at(-1)!.resultJson)).toEqual({ fromVersion: AGENT_VERSION, toVersion: TO });
      expect(server.reports).toEqual([
        { channel: "stable", fromVersion: AGENT_VERSION, toVersion: TO, status: "applied" },
      ]);
      const statusVersions = () =>
        broker.published.filter((p) => p.channel === "status").map((p) => codecs.status.decode(p.payload).agentVersion);
      await waitFor("status with the new version", () => statusVersions().includes(TO), 3000);
      expect(readFileSync(join(installDir, "order"), "utf8")).toBe("one\ntwo\n");
    } finally {
      await agent.stop();
      await broker.close();
    }
  });
});

describe("install dir preparation", () => {
  test("creates the install dir, clears leftovers and restores an interrupted switch", () => {
    const other = join(dir.path, "other-install");
    mkdirSync(join(dir.path, "staging-abc"));
    mkdirSync(join(dir.path, "previous"));
    writeFileSync(join(dir.path, "previous", "old"), "x");
    prepareInstallDir(dir.path, other, silentLogger);
    expect(readdirSync(other)).toEqual(["old"]);
    expect(leftovers()).toEqual([]);
    prepareInstallDir(dir.path, join(dir.path, "fresh"), silentLogger);
    expect(readdirSync(join(dir.path, "fresh"))).toEqual([]);
  });
});

function depsFor(): UpdaterDeps {
  return {
    api: new HttpUpdateApi(server.url, () => "access-1"),
    version,
    publicKey: releaseKey.publicKey,
    channel: "stable",
    stateDir: dir.path,
    installDir,
    scriptTimeoutMs: 5_000,
    checkIntervalMs: 0,
    backoff: { minMs: 5, maxMs: 20 },
    log: silentLogger,
  };
}
