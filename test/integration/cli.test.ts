/**
 * edgectl end to end: the real CLI process (`bun cli/src/main.ts`, and the compiled binary once) against a started
 * control plane, with a real agent where commands run: device login with approval by a user through the API,
 * refresh on 401, logout, apply idempotency, run with the command's exit code, task logs -f, watch over gRPC.
 */
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents } from "../support/agent-process";
import { agentFor, hostOnline, policedEnvironment } from "../support/runtime";
import { waitFor } from "../support/wait";

const MAIN = new URL("../../cli/src/main.ts", import.meta.url).pathname;
const ROOT = new URL("../..", import.meta.url).pathname;
const backends = await availableBackends();
// Each test spawns many CLI processes (each a bun start-up) on a shared, loaded machine.
setDefaultTimeout(180_000);

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** A CLI process with its own config dir; output collected as it comes. */
class Cli {
  stdout = "";
  stderr = "";
  readonly proc: ReturnType<typeof Bun.spawn>;
  constructor(args: string[], env: Record<string, string>, command = [process.execPath, MAIN]) {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("EDGECTL_")));
    this.proc = Bun.spawn([...command, ...args], {
      env: { ...clean, ...env },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    void this.collect(this.proc.stdout as ReadableStream<Uint8Array>, "stdout");
    void this.collect(this.proc.stderr as ReadableStream<Uint8Array>, "stderr");
  }
  private async collect(stream: ReadableStream<Uint8Array>, into: "stdout" | "stderr") {
    const decoder = new TextDecoder();
    for await (const chunk of stream) this[into] += decoder.decode(chunk, { stream: true });
  }
  async done(timeoutMs = 60_000): Promise<Result> {
    const code = await Promise.race([
      this.proc.exited,
      Bun.sleep(timeoutMs).then(() => {
        this.proc.kill("SIGKILL");
        throw new Error(`CLI did not exit; stdout:\n${this.stdout}\nstderr:\n${this.stderr}`);
      }),
    ]);
    await Bun.sleep(20); // the last chunks of the pipes
    return { code, stdout: this.stdout, stderr: this.stderr };
  }
}

describe.each(backends)("edgectl on $name", (backend) => {
  let t: TestPlane;
  let home: string;
  const env = () => ({ XDG_CONFIG_HOME: home, EDGECTL_NO_PROGRESS: "1" });
  const start = (args: string[], extra: Record<string, string> = {}) => new Cli(args, { ...env(), ...extra });
  const cli = (args: string[], extra: Record<string, string> = {}) => start(args, extra).done();
  /** Non-interactive use: the admin API key in EDGECTL_TOKEN, the URL in EDGECTL_API_URL. */
  const admin = (args: string[]) => cli(args, { EDGECTL_TOKEN: t.adminKey, EDGECTL_API_URL: t.plane.url });
  const configFile = () => join(home, "edgectl", "config.yaml");
  const stored = () => YAML.parse(readFileSync(configFile(), "utf8"));

  beforeAll(async () => {
    t = await startTestPlane(backend, { devicePollIntervalSeconds: 1, taskSchedulerTickMs: 200 });
  });
  afterEach(async () => {
    await stopAllAgents();
    if (home) rmSync(home, { recursive: true, force: true });
  });
  afterAll(() => t?.stop());
  const freshHome = () => {
    home = mkdtempSync(join(tmpdir(), "edgectl-home-"));
  };

  /** A person of the tenant, signed in through the API: approves device logins. */
  async function person(name: string) {
    const password = "correct horse battery staple";
    const created = await t.api.post("/api/admin/developers", { name, password, role: "member" }, t.adminKey);
    expect(created.status).toBe(201);
    const login = await t.api.post("/api/auth/login", { username: name, password });
    expect(login.status).toBe(200);
    return { id: created.body.id as string, token: login.body.accessToken as string };
  }

  /** `edgectl login` through the device flow, approved by `approver` once the code is printed. */
  async function deviceLogin(approverToken: string, extra: string[] = []) {
    const login = start(["login", "--api-url", t.plane.url, ...extra]);
    const code = await waitFor(
      "the user code",
      () => login.stderr.match(/one-time code: ([A-Z0-9]{4}-[A-Z0-9]{4})/)?.[1],
    );
    // The code and the verification address are two writes: the second may arrive in a later read.
    await waitFor("the verification address", () => login.stderr.includes(`/auth/device?user_code=${code}`));
    const approve = await t.api.post("/api/auth/device/approve", { userCode: code }, approverToken);
    expect(approve.status).toBe(200);
    return login.done();
  }

  test("device login end to end: code shown, approved by a user, tokens stored 0600, whoami, logout revokes", async () => {
    freshHome();
    const ada = await person(`ada-${crypto.randomUUID().slice(0, 6)}`);
    const result = await deviceLogin(ada.token);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain("Logged in to");

    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(home, "edgectl")).mode & 0o777).toBe(0o700);
    const context = stored().contexts.default;
    expect(context.apiUrl).toBe(t.plane.url);
    expect(context.refreshToken).toStartWith("roz_rt_");
    expect(context.userId).toBe(ada.id);

    const me = await cli(["whoami", "-o", "json"]);
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout)).toMatchObject({ id: ada.id, via: "access_token", context: "default" });

    const refreshToken = context.refreshToken as string;
    const logout = await cli(["logout"]);
    expect(logout.code).toBe(0);
    expect(stored().contexts.default.refreshToken).toBeUndefined();
    // The session is revoked on the server, not only forgotten here.
    expect((await t.api.post("/api/auth/refresh", { refreshToken })).status).toBe(401);
    const after = await cli(["whoami"]);
    expect(after.code).toBe(1);
    expect(after.stderr).toContain("not logged in");
  });

  test("a denied device login fails with exit code 1", async () => {
    freshHome();
    const bob = await person(`bob-${crypto.randomUUID().slice(0, 6)}`);
    const login = start(["login", "--api-url", t.plane.url]);
    const code = await waitFor("the user code", () => login.stderr.match(/one-time code: (\S+)/)?.[1]);
    expect((await t.api.post("/api/auth/device/approve", { userCode: code, approve: false }, bob.token)).status).toBe(
      200,
    );
    const result = await login.done();
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("login denied");
  });

  test("a 401 refreshes the session once and retries: the request succeeds and the rotated pair is saved", async () => {
    freshHome();
    const cy = await person(`cy-${crypto.randomUUID().slice(0, 6)}`);
    expect((await deviceLogin(cy.token)).code).toBe(0);
    const before = stored();
    // An access token the server refuses (as an expired one would be): the CLI must refresh and retry.
    before.contexts.default.accessToken = "eyJhbGciOiJFUzI1NiJ9.e30.invalid";
    writeFileSync(configFile(), YAML.stringify(before), { mode: 0o600 });
    const oldRefresh = before.contexts.default.refreshToken;

    const me = await cli(["whoami", "-o", "json"]);
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout).id).toBe(cy.id);
    const after = stored().contexts.default;
    expect(after.refreshToken).toStartWith("roz_rt_");
    expect(after.refreshToken).not.toBe(oldRefresh);
    expect(after.accessToken).not.toBe(before.contexts.default.accessToken);
    expect(statSync(configFile()).mode & 0o777).toBe(0o600);
    // The rotated pair works with no further refresh.
    expect((await t.api.get("/api/users/me", after.accessToken)).status).toBe(200);

    // Several processes hitting the 401 at once: one rotates, the others take its pair (a second rotation of the
    // same refresh token would be reuse, and revoke the whole session).
    const corrupt = stored();
    corrupt.contexts.default.accessToken = "eyJhbGciOiJFUzI1NiJ9.e30.invalid";
    writeFileSync(configFile(), YAML.stringify(corrupt), { mode: 0o600 });
    const together = await Promise.all([1, 2, 3].map(() => cli(["whoami", "-o", "json"])));
    expect(together.map((r) => r.code)).toEqual([0, 0, 0]);
    const survivor = stored().contexts.default;
    // Reuse detection would have revoked the session and its access tokens with it.
    expect((await t.api.get("/api/users/me", survivor.accessToken)).status).toBe(200);

    // gRPC too: Watch refused as UNAUTHENTICATED refreshes and opens again (here answered NOT_FOUND: a task of nobody).
    const stale = stored();
    stale.contexts.default.accessToken = "eyJhbGciOiJFUzI1NiJ9.e30.invalid";
    writeFileSync(configFile(), YAML.stringify(stale), { mode: 0o600 });
    const watched = await cli([
      "watch",
      "--task",
      "task_nobody",
      "--grpc-url",
      `127.0.0.1:${t.plane.transport.grpc.port}`,
    ]);
    expect(watched.code).toBe(1);
    expect(watched.stderr).toMatch(/watch failed: .*not found/i);
    expect(stored().contexts.default.refreshToken).not.toBe(stale.contexts.default.refreshToken);

    // A refresh token that no longer works ends the session with a clear message (exit 1).
    const revoked = stored();
    revoked.contexts.default.accessToken = "eyJhbGciOiJFUzI1NiJ9.e30.invalid";
    revoked.contexts.default.refreshToken = "roz_rt_unknown";
    writeFileSync(configFile(), YAML.stringify(revoked), { mode: 0o600 });
    const expired = await cli(["get", "hosts"]);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain("run `edgectl login` again");
  });

  test("login --token stores an API key for non-interactive use; contexts switch like kubectl's", async () => {
    freshHome();
    const login = await cli(["login", "--api-url", t.plane.url, "--token", t.adminKey, "--context", "lab"]);
    expect(login.code).toBe(0);
    expect(stored()).toMatchObject({ currentContext: "lab", contexts: { lab: { apiKey: t.adminKey } } });
    expect((await cli(["whoami", "-o", "name"])).stdout.trim()).toBe("admin");
    expect((await cli(["config", "set-context", "other", "--api-url", "http://127.0.0.1:9"])).code).toBe(0);
    expect((await cli(["config", "use-context", "other"])).code).toBe(0);
    const unreachable = await cli(["get", "hosts"]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach http://127.0.0.1:9");
    expect((await cli(["get", "hosts", "--context", "lab"])).code).toBe(0);
    const contexts = await cli(["config", "get-contexts"]);
    expect(contexts.stdout).toMatch(/\*\s+other/);
    expect(contexts.stdout).toMatch(/lab\s+http:\/\/127\.0\.0\.1:\d+\s+api key/);
  });

  test("apply -f is declarative and idempotent: created, then all unchanged, then only the change updated", async () => {
    freshHome();
    const suffix = crypto.randomUUID().slice(0, 6);
    const dir = mkdtempSync(join(tmpdir(), "edgectl-apply-"));
    const file = join(dir, "fleet.yaml");
    const spec = (prompt: string) => `
kind: SafetyPolicy
name: lab-exec-${suffix}
spec:
  description: echo and sh only
  rules:
    exec: { allowedCommands: [echo, sh] }
    maxConcurrent: 2
---
kind: Environment
name: lab-${suffix}
spec:
  description: the lab
  safetyPolicies: [lab-exec-${suffix}]
  config: { zone: a }
---
kind: Project
key: fw-${suffix}
spec:
  name: Firmware
  pipeline:
    - name: build
      kind: command
      command: { kind: exec, params: { command: sh, args: ["-c", "echo building {{task.prompt}}"] } }
    - { name: approve, kind: confirm, prompt: "${prompt}", options: [ship, abort] }
  settings: { priority: 5 }
---
kind: Trigger
name: nightly-${suffix}
spec:
  kind: cron
  schedule: "0 3 * * *"
  timezone: Europe/Paris
  task: { prompt: nightly build, projectKey: fw-${suffix} }
`;
    try {
      writeFileSync(file, spec("Ship it?"));
      const first = await admin(["apply", "-f", file]);
      expect(first.code).toBe(0);
      expect(first.stdout.trim().split("\n")).toEqual([
        `safetypolicy/lab-exec-${suffix} created`,
        `environment/lab-${suffix} created`,
        `project/fw-${suffix} created`,
        `trigger/nightly-${suffix} created`,
      ]);
      const policy = (await t.api.get("/api/v1/safety-policies", t.adminKey)).body.items.find(
        (p: { name: string }) => p.name === `lab-exec-${suffix}`,
      );
      const environment = (await t.api.get("/api/v1/environments", t.adminKey)).body.items.find(
        (e: { name: string }) => e.name === `lab-${suffix}`,
      );
      expect(environment.safetyPolicyIds).toEqual([policy.id]);

      const second = await admin(["apply", "-f", file, "-o", "json"]);
      expect(second.code).toBe(0);
      expect(JSON.parse(second.stdout).map((r: { outcome: string }) => r.outcome)).toEqual([
        "unchanged",
        "unchanged",
        "unchanged",
        "unchanged",
      ]);
      expect((await t.api.get(`/api/v1/safety-policies/${policy.id}`, t.adminKey)).body.version).toBe(1);

      writeFileSync(file, spec("Ship it now?"));
      const dry = await admin(["apply", "--dry-run", "-f", file]);
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain(`project/fw-${suffix} updated (dry run)`);
      expect((await t.api.get(`/api/web/projects/fw-${suffix}`, t.adminKey)).body.pipeline[1].prompt).toBe("Ship it?");
      const third = await admin(["apply", "-f", file]);
      expect(third.code).toBe(0);
      expect(third.stdout).toContain(`project/fw-${suffix} updated`);
      expect(third.stdout).toContain(`safetypolicy/lab-exec-${suffix} unchanged`);
      expect(third.stderr).toContain("4 documents: 0 created, 1 updated, 3 unchanged");
      expect((await t.api.get(`/api/web/projects/fw-${suffix}`, t.adminKey)).body.pipeline[1].prompt).toBe(
        "Ship it now?",
      );

      writeFileSync(join(dir, "bad.yaml"), "kind: Gadget\nname: x\n");
      const bad = await admin(["apply", "-f", join(dir, "bad.yaml")]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain("kind must be one of");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("usage errors exit 2, --help works on every verb", async () => {
    freshHome();
    expect((await cli([])).code).toBe(2);
    expect((await cli(["frobnicate"])).code).toBe(2);
    const badFlag = await cli(["get", "hosts", "--frobnicate"]);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("frobnicate");
    expect((await cli(["get"])).code).toBe(2);
    expect((await cli(["get", "gizmos"])).code).toBe(2);
    const verbs = [
      ["login"],
      ["logout"],
      ["whoami"],
      ["get"],
      ["describe"],
      ["apply"],
      ["run"],
      ["drain"],
      ["undrain"],
      ["watch"],
      ["task", "create"],
      ["task", "cancel"],
      ["task", "retry"],
      ["task", "confirm"],
      ["task", "logs"],
      ["task", "events"],
      ["release", "publish"],
      ["release", "keygen"],
      ["agent", "install"],
      ["config", "get-contexts"],
      ["config", "use-context"],
    ];
    for (const verb of verbs) {
      const help = await cli([...verb, "--help"]);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: edgectl ${verb.join(" ")}`);
    }
  });

  describe("with a real agent", () => {
    let envId: string;
    let hostName: string;
    let hostId: string;
    beforeAll(async () => {
      envId = await policedEnvironment(t, `cli-${crypto.randomUUID().slice(0, 6)}`, {
        exec: { allowedCommands: ["sh", "echo"] },
      });
    });
    async function agent() {
      const w = await agentFor(t, envId, "cli");
      w.agent.start();
      await hostOnline(t, w.host.id);
      hostName = w.host.name;
      hostId = w.host.id;
      return w;
    }

    test("run HOST -- cmd: prints the output and exits with the command's exit code (0, 7, refused = 1)", async () => {
      freshHome();
      await agent();
      const ok = await admin(["run", hostName, "--", "sh", "-c", "echo hello world; echo to-stderr >&2"]);
      expect(ok).toMatchObject({ code: 0, stdout: "hello world\n" });
      expect(ok.stderr).toContain("to-stderr");

      const failing = await admin(["run", hostId, "--", "sh", "-c", "echo partial; exit 7"]);
      expect(failing.code).toBe(7);
      expect(failing.stdout).toBe("partial\n");

      const big = await admin(["run", hostName, "--", "sh", "-c", "head -c 60000 /dev/zero | tr '\\0' a"]);
      expect(big.code).toBe(0);
      expect(big.stdout).toBe("a".repeat(60000));

      const refused = await admin(["run", hostName, "--", "uname", "-a"]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("refused by safety policy");

      const unknown = await admin(["run", "no-such-host", "--", "echo"]);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no host named "no-such-host"');

      const listed = await admin(["get", "commands", "--host", hostName, "-o", "json"]);
      expect(JSON.parse(listed.stdout).map((c: { status: string }) => c.status)).toEqual([
        "failed",
        "completed",
        "failed",
        "completed",
      ]);
      const described = YAML.parse((await admin(["describe", "host", hostName])).stdout);
      expect(described).toMatchObject({ id: hostId, status: "online", policy: { lagging: false } });
      expect(described.recentCommands.map((c: { status: string }) => c.status)).toEqual([
        "failed",
        "completed",
        "failed",
        "completed",
      ]);
      const hosts = await admin(["get", "hosts"]);
      expect(hosts.stdout).toMatch(new RegExp(`${hostId}\\s+${hostName}\\s+online`));

      expect((await admin(["drain", hostName])).code).toBe(0);
      expect((await t.api.get(`/api/web/machines/${hostId}`, t.adminKey)).body.draining).toBe(true);
      expect((await admin(["undrain", hostName])).code).toBe(0);
      expect((await t.api.get(`/api/web/machines/${hostId}`, t.adminKey)).body.draining).toBe(false);
    });

    test("task create, logs -f follows the output until the task ends, confirm resumes it, events list it", async () => {
      freshHome();
      await agent();
      const projectKey = `cli${crypto.randomUUID().slice(0, 6)}`;
      const project = await t.api.post(
        "/api/admin/projects",
        {
          key: projectKey,
          name: projectKey,
          pipeline: [
            {
              name: "build",
              kind: "command",
              command: {
                kind: "exec",
                params: { command: "sh", args: ["-c", "echo line-one; sleep 1; echo line-two"] },
              },
            },
            { name: "approve", kind: "confirm", prompt: "Ship?", options: ["ship", "abort"] },
            {
              name: "ship",
              kind: "command",
              command: {
                kind: "exec",
                params: { command: "sh", args: ["-c", "echo shipped {{stages.approve.result}}"] },
              },
            },
          ],
        },
        t.adminKey,
      );
      expect(project.status).toBe(201);
      const created = await admin(["task", "create", "--project", projectKey, "--machine", hostName, "release 1"]);
      expect(created.code).toBe(0);
      const taskId = created.stdout.trim();
      expect(taskId).toStartWith("task_");

      const follow = start(["task", "logs", "-f", taskId], { EDGECTL_TOKEN: t.adminKey, EDGECTL_API_URL: t.plane.url });
      await waitFor(
        "the task to suspend",
        async () => (await t.api.get(`/api/web/tasks/${taskId}`, t.adminKey)).body.status === "suspended",
        30_000,
      );
      await waitFor("the first stage's lines streamed", () => follow.stdout.includes("line-two"), 15_000);
      expect(follow.proc.exitCode).toBeNull(); // still following: the task is not over

      const question = await admin(["task", "confirm", taskId]);
      expect(question.stdout).toContain("Ship?");
      expect(question.stdout).toContain("options: ship, abort");
      const wrong = await admin(["task", "confirm", taskId, "maybe"]);
      expect(wrong.code).toBe(1);
      expect((await admin(["task", "confirm", taskId, "ship"])).code).toBe(0);

      const followed = await follow.done(30_000);
      expect(followed.code).toBe(0);
      expect(followed.stdout).toBe("line-one\nline-two\nshipped ship\n");
      expect(followed.stderr).toContain(`task/${taskId} completed`);

      const events = await admin(["task", "events", taskId, "-o", "json"]);
      const types = JSON.parse(events.stdout).map((e: { type: string }) => e.type);
      expect(types).toContain("stage.confirmed");
      expect(types).toContain("stage.completed");
      const described = await admin(["describe", "task", taskId]);
      expect(YAML.parse(described.stdout)).toMatchObject({ id: taskId, status: "completed" });
      const machine = YAML.parse((await admin(["describe", "machine", hostName])).stdout);
      expect(JSON.stringify(machine.tasks)).toContain(taskId);
      const listed = await admin(["get", "tasks", "--project", projectKey]);
      expect(listed.stdout).toMatch(new RegExp(`${taskId}\\s+completed`));
    });

    test("task create -w exits 1 when the task fails; retry and cancel report the task; cancel of a finished one is 1", async () => {
      freshHome();
      await agent();
      const projectKey = `cli${crypto.randomUUID().slice(0, 6)}`;
      const pipeline = [
        { name: "boom", kind: "command", command: { kind: "exec", params: { command: "sh", args: ["-c", "exit 3"] } } },
      ];
      expect(
        (await t.api.post("/api/admin/projects", { key: projectKey, name: projectKey, pipeline }, t.adminKey)).status,
      ).toBe(201);
      const waited = await admin(["task", "create", "-p", projectKey, "--machine", hostId, "-w", "doomed"]);
      expect(waited.code).toBe(1);
      const taskId = waited.stderr.match(/task\/(task_\S+) created/)?.[1];
      expect(taskId).toBeDefined();
      expect(waited.stderr).toContain(`task/${taskId} failed`);
      const retried = await admin(["task", "retry", taskId!, "-o", "json"]);
      expect(retried.code).toBe(0);
      expect(JSON.parse(retried.stdout).id).toBe(taskId);
      await waitFor(
        "the retried task to fail again",
        async () => (await t.api.get(`/api/web/tasks/${taskId}`, t.adminKey)).body.status === "failed",
        30_000,
      );
      const cancel = await admin(["task", "cancel", taskId!]);
      expect(cancel.code).toBe(1);
      expect(cancel.stderr).toContain("HTTP 409");
    });

    test("watch HOST streams command transitions and output lines over gRPC", async () => {
      freshHome();
      await agent();
      // No --grpc-url: the gRPC address defaults to the API's host and port (one port serves both).
      const watcher = start(["watch", hostName], {
        EDGECTL_TOKEN: t.adminKey,
        EDGECTL_API_URL: t.plane.url,
      });
      // The watch is open once an event sent after it arrives; commands until then may be missed, so repeat.
      await waitFor(
        "a watched command",
        async () => {
          if (watcher.stdout.includes("watched-line")) return true;
          await admin(["run", hostName, "-d", "--", "echo", "watched-line"]);
          await Bun.sleep(300);
          return watcher.stdout.includes("watched-line");
        },
        20_000,
      );
      await waitFor("the completion", () => /command cmd_\S+ completed/.test(watcher.stdout));
      watcher.proc.kill("SIGINT");
      expect((await watcher.done()).code).toBe(0);
    });
  });

  test("release keygen + publish sign a folder of scripts and publish it; get releases lists it", async () => {
    freshHome();
    const dir = mkdtempSync(join(tmpdir(), "edgectl-release-"));
    try {
      mkdirSync(join(dir, "scripts"));
      writeFileSync(join(dir, "scripts", "01-patch.sh"), "# description: patch the runtime\necho 1\n");
      writeFileSync(join(dir, "scripts", "02-verify.sh"), "echo 2\n");
      const keygen = await admin(["release", "keygen", "--out", join(dir, "keys")]);
      expect(keygen.code).toBe(0);
      expect(statSync(join(dir, "keys", "release.key")).mode & 0o777).toBe(0o600);
      const publicKey = keygen.stdout.trim();
      expect(readFileSync(join(dir, "keys", "release.pub"), "utf8").trim()).toBe(publicKey);
      const version = `2026.3.${Math.floor(Math.random() * 1e6)}`;
      const publish = [
        "release",
        "publish",
        "--dir",
        join(dir, "scripts"),
        "--version",
        version,
        "--channel",
        "beta",
        "--key",
        join(dir, "keys", "release.key"),
      ];
      const untrusted = await admin(publish);
      expect(untrusted.code).toBe(1);
      expect(untrusted.stderr).toContain("HTTP 403");
      expect((await t.api.post("/api/v1/release-keys", { name: "cli", publicKey }, t.adminKey)).status).toBe(201);
      const published = await admin(publish);
      expect(published.code).toBe(0);
      expect(published.stderr).toContain(`published beta ${version} (2 scripts)`);
      const listed = await admin(["get", "releases", "--channel", "beta", "-o", "json"]);
      const release = JSON.parse(listed.stdout).find((r: { version: string }) => r.version === version);
      expect(release.scripts.map((s: { description: string }) => s.description)).toEqual([
        "patch the runtime",
        "02-verify.sh",
      ]);
      expect((await admin(["release", "publish", "--dir", join(dir, "scripts")])).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("agent install prints the env file, a systemd unit and the enroll command with a fresh worker token", async () => {
    freshHome();
    const printed = await admin(["agent", "install", "--machine-id", "rack-9", "--capabilities", "gpu"]);
    expect(printed.code).toBe(0);
    const token = printed.stdout.match(/EDGE_ENROLL_TOKEN=(wkt_\S+)/)?.[1];
    expect(token).toBeDefined();
    expect(printed.stdout).toContain(`EDGE_API_URL=${t.plane.url}`);
    expect(printed.stdout).toContain("EDGE_MACHINE_ID=rack-9");
    expect(printed.stdout).toContain("[Service]");
    expect(printed.stdout).toContain("ExecStart=/usr/local/bin/edge-agent");
    expect(printed.stdout).toContain(`--enroll-token ${token} --machine-id rack-9`);
    // The token is real: a worker enrolls with it (once).
    const register = await t.api.post("/api/workers/register", { machineId: "rack-9", token, name: "rack-9" });
    expect(register.status).toBe(201);
  });

  test.if(backend.name === "pglite")("the compiled single binary runs the same verbs", async () => {
    freshHome();
    const out = join(home, "edgectl-bin");
    const build = Bun.spawnSync([process.execPath, "build", "--compile", "cli/src/main.ts", "--outfile", out], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(build.exitCode, build.stderr.toString()).toBe(0);
    const binary = (args: string[], extra: Record<string, string> = {}) =>
      new Cli(args, { ...env(), ...extra }, [out]).done();
    expect((await binary(["--version"])).stdout).toStartWith("edgectl ");
    expect((await binary(["login", "--api-url", t.plane.url, "--token", t.adminKey])).code).toBe(0);
    const me = await binary(["whoami", "-o", "json"]);
    expect(me.code).toBe(0);
    expect(JSON.parse(me.stdout).via).toBe("api_key");
    expect((await binary(["get", "projects"])).code).toBe(0);
    expect((await binary(["get", "hosts", "--frobnicate"])).code).toBe(2);
  });
});

test("login polls at the given interval and waits retryAfterSeconds after a slow_down", async () => {
  // A real local server speaking the device flow, answering the second poll with slow_down.
  const polls: number[] = [];
  let started = 0;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch(req) {
      const path = new URL(req.url).pathname;
      if (path === "/api/auth/device/start") {
        started = Date.now();
        return Response.json({
          deviceCode: "dev_test",
          userCode: "F6H9-K2Q1",
          verificationUri: "http://127.0.0.1/auth/device",
          verificationUriComplete: "http://127.0.0.1/auth/device?user_code=F6H9-K2Q1",
          expiresIn: 60,
          interval: 1,
          status: "pending",
        });
      }
      if (path === "/api/auth/device/poll") {
        polls.push(Date.now());
        if (polls.length === 1) return Response.json({ status: "authorization_pending", interval: 1 });
        if (polls.length === 2) return Response.json({ error: "slow_down", retryAfterSeconds: 2 }, { status: 429 });
        return Response.json({
          status: "authorized",
          tokenType: "Bearer",
          accessToken: "at",
          accessTokenExpiresAt: "2026-02-21T12:30:00.000Z",
          refreshToken: "roz_rt_test",
          refreshTokenExpiresAt: "2026-03-22T12:00:00.000Z",
          userId: "user_123",
          plan: "pro",
        });
      }
      if (path === "/api/users/me") return Response.json({ id: "user_123", name: "tester" });
      return Response.json({ error: "not found" }, { status: 404 });
    },
  });
  const home = mkdtempSync(join(tmpdir(), "edgectl-home-"));
  try {
    const login = await new Cli(["login", "--api-url", `http://127.0.0.1:${server.port}`], {
      XDG_CONFIG_HOME: home,
    }).done();
    expect(login.code, login.stderr).toBe(0);
    expect(login.stderr).toContain("F6H9-K2Q1");
    expect(login.stderr).toContain("http://127.0.0.1/auth/device?user_code=F6H9-K2Q1");
    expect(polls).toHaveLength(3);
    // Lower bounds only: the CLI never polls before `interval`, nor before `retryAfterSeconds` after a slow_down.
    expect(polls[0]! - started).toBeGreaterThanOrEqual(950);
    expect(polls[1]! - polls[0]!).toBeGreaterThanOrEqual(950);
    expect(polls[2]! - polls[1]!).toBeGreaterThanOrEqual(1950);
    const context = YAML.parse(readFileSync(join(home, "edgectl", "config.yaml"), "utf8")).contexts.default;
    expect(context).toMatchObject({ refreshToken: "roz_rt_test", userId: "user_123" });
  } finally {
    server.stop(true);
    rmSync(home, { recursive: true, force: true });
  }
});
