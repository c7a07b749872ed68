import { describe, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Type } from "@sinclair/typebox";
import { CommandCancelledError } from "../../edge-agent/src/commands/abort.ts";
import { OUTPUT_LIMIT_BYTES, execCommand, type ExecResult } from "../../edge-agent/src/commands/exec.ts";
import { effectiveTimeoutMs, executeCommand } from "../../edge-agent/src/commands/execute.ts";
import { checkParams, defineCommand, type CommandOutcome } from "../../edge-agent/src/commands/kind.ts";
import { CommandRegistry } from "../../edge-agent/src/commands/registry.ts";
import { echoCommand } from "../../edge-agent/src/commands/echo.ts";
import { sleepCommand } from "../../edge-agent/src/commands/sleep.ts";
import { prepareCommand } from "../../edge-agent/src/agent/prepare-command.ts";
import { tempDir } from "../../edge-agent/test-support/helpers.ts";
import type { Command } from "@edge/proto/wire";

const exec = (params: Record<string, unknown>, timeoutMs = 5000, signal?: AbortSignal) =>
  executeCommand(execCommand, params, { timeoutMs, signal });

function execResult(outcome: CommandOutcome): ExecResult {
  expect(outcome.result).toBeDefined();
  return outcome.result as ExecResult;
}

describe("exec", () => {
  test("captures stdout, stderr and the exit code", async () => {
    const outcome = await exec({ command: "sh", args: ["-c", "echo out; echo err >&2"] });
    expect(outcome).toEqual({ ok: true, result: { exitCode: 0, stdout: "out\n", stderr: "err\n", timedOut: false } });
  });

  test('a non-zero exit fails with "exit code N" and keeps the result', async () => {
    const outcome = await exec({ command: "sh", args: ["-c", "echo partial; exit 7"] });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toBe("exit code 7");
    expect(execResult(outcome)).toEqual({ exitCode: 7, stdout: "partial\n", stderr: "", timedOut: false });
  });

  test("arguments reach the program verbatim: no shell interpretation", async () => {
    const dir = tempDir();
    try {
      const marker = join(dir.path, "pwned");
      const args = [`$(touch ${marker})`, "; rm -rf /", "`id`", "*", "$HOME", "it's"];
      const outcome = await exec({ command: "printf", args: ["%s|", ...args] });
      expect(execResult(outcome).stdout).toBe(args.map((a) => `${a}|`).join(""));
      expect(existsSync(marker)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  test("the command name is not split on spaces", async () => {
    const outcome = await exec({ command: "echo hello" });
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.error).toContain('cannot start "echo hello"');
  });

  test("timeout kills the process and everything it started", async () => {
    const dir = tempDir();
    try {
      const marker = join(dir.path, "survived");
      const started = performance.now();
      // The background child would create the marker after 0.6s unless the whole group is killed.
      const outcome = await exec(
        { command: "sh", args: ["-c", `(sleep 0.6; touch ${marker}) & echo started; sleep 30`] },
        300,
      );
      expect(performance.now() - started).toBeLessThan(600);
      expect(outcome.ok).toBe(false);
      expect(!outcome.ok && outcome.error).toBe("timed out after 300 ms");
      const result = execResult(outcome);
      expect(result.timedOut).toBe(true);
      expect(result.exitCode).toBeNull();
      expect(result.stdout).toBe("started\n");
      await Bun.sleep(600);
      expect(existsSync(marker)).toBe(false);
    } finally {
      dir.remove();
    }
  });

  test("cancellation (agent shutdown) kills the process and says why", async () => {
    const controller = new AbortController();
    const running = exec({ command: "sleep", args: ["30"] }, 10_000, controller.signal);
    await Bun.sleep(50);
    controller.abort(new CommandCancelledError("agent shutting down"));
    const outcome = await running;
    expect(!outcome.ok && outcome.error).toBe("cancelled: agent shutting down");
    expect(execResult(outcome).timedOut).toBe(false);
  });

  test("truncates each stream to 64 KiB but still drains the rest", async () => {
    const outcome = await exec({
      command: "sh",
      args: ["-c", 'head -c 300000 /dev/zero | tr "\\0" a; head -c 70000 /dev/zero | tr "\\0" b >&2'],
    });
    const result = execResult(outcome);
    expect(outcome.ok).toBe(true);
    expect(result.stdout.length).toBe(OUTPUT_LIMIT_BYTES);
    expect(result.stderr.length).toBe(OUTPUT_LIMIT_BYTES);
    expect(result.stdout).toMatch(/^a+$/);
  });

  test("honours cwd and env, and hides the agent's EDGE_* settings", async () => {
    const dir = tempDir();
    process.env.EDGE_BOOTSTRAP_TOKEN = "secret-bootstrap";
    try {
      const outcome = await exec({
        command: "sh",
        args: ["-c", 'pwd; echo "$GREETING"; echo "token=$EDGE_BOOTSTRAP_TOKEN"'],
        cwd: dir.path,
        env: { GREETING: "hi" },
      });
      const [cwd, greeting, token] = execResult(outcome).stdout.trim().split("\n");
      expect(cwd!.endsWith(dir.path.split("/").pop()!)).toBe(true);
      expect(greeting).toBe("hi");
      expect(token).toBe("token=");
    } finally {
      delete process.env.EDGE_BOOTSTRAP_TOKEN;
      dir.remove();
    }
  });

  test("a missing executable fails clearly", async () => {
    const outcome = await exec({ command: "definitely-not-a-real-binary-xyz" });
    expect(!outcome.ok && outcome.error).toMatch(/^cannot start "definitely-not-a-real-binary-xyz": /);
  });

  test("params schema rejects shells-in-disguise and junk", () => {
    expect(checkParams(execCommand, { command: "ls", args: ["-la"] })).toBeNull();
    expect(checkParams(execCommand, { command: "" })).toContain("/command");
    expect(checkParams(execCommand, { command: "ls", args: "-la" })).toContain("/args");
    expect(checkParams(execCommand, { command: "ls", env: { A: 1 } })).toContain("/env/A");
    expect(checkParams(execCommand, { command: "ls", shell: true })).not.toBeNull();
  });
});

describe("sleep and echo", () => {
  test("sleep waits and reports how long", async () => {
    const outcome = await executeCommand(sleepCommand, { ms: 60 }, { timeoutMs: 0 });
    expect(outcome.ok).toBe(true);
    expect((outcome.result as { sleptMs: number }).sleptMs).toBeGreaterThanOrEqual(55);
  });

  test("sleep longer than its timeout times out", async () => {
    const outcome = await executeCommand(sleepCommand, { ms: 5000 }, { timeoutMs: 50 });
    expect(!outcome.ok && outcome.error).toBe("timed out after 50 ms");
  });

  test("sleep is bounded to one hour and defaults its timeout to its duration", () => {
    expect(checkParams(sleepCommand, { ms: 3_600_000 })).toBeNull();
    expect(checkParams(sleepCommand, { ms: 3_600_001 })).toContain("/ms");
    expect(checkParams(sleepCommand, { ms: -1 })).toContain("/ms");
    expect(effectiveTimeoutMs(sleepCommand, { ms: 120_000 }, 0)).toBeGreaterThan(120_000);
    expect(effectiveTimeoutMs(sleepCommand, { ms: 120_000 }, 1000)).toBe(1000);
    expect(effectiveTimeoutMs(execCommand, { command: "ls" }, 0)).toBe(60_000);
  });

  test("echo returns its params", async () => {
    const params = { hello: "world", n: [1, 2] };
    expect(await executeCommand(echoCommand, params, { timeoutMs: 0 })).toEqual({ ok: true, result: params });
  });
});

describe("executeCommand", () => {
  test("a throwing kind becomes a failure, not an exception", async () => {
    const broken = defineCommand({
      kind: "broken",
      params: Type.Object({}),
      run: async () => {
        throw new Error("kaput");
      },
    });
    expect(await executeCommand(broken, {}, { timeoutMs: 1000 })).toEqual({ ok: false, error: "broken failed: kaput" });
  });
});

describe("CommandRegistry and prepareCommand", () => {
  const registry = new CommandRegistry();
  const command = (kind: string, paramsJson: string): Command => ({
    id: "cmd_1",
    kind,
    paramsJson,
    timeoutMs: 0,
    createdAtMs: Date.now(),
    alreadyStarted: false,
    notAfterMs: 0,
  });

  test("has the built-in kinds and refuses duplicates", () => {
    expect(registry.names().sort()).toEqual(["echo", "exec", "sleep"]);
    expect(() => registry.register(echoCommand)).toThrow("already registered");
  });

  test('unknown kinds fail with "unknown command kind X"', () => {
    expect(prepareCommand(command("launch_missiles", "{}"), registry)).toEqual({
      ok: false,
      error: "unknown command kind launch_missiles",
    });
  });

  test("malformed params_json fails clearly", () => {
    const bad = prepareCommand(command("echo", '{"a":'), registry);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error).toStartWith("malformed params_json: ");
    expect(prepareCommand(command("echo", "[1,2]"), registry)).toEqual({
      ok: false,
      error: "malformed params_json: must be a JSON object",
    });
    expect(prepareCommand(command("sleep", '{"ms":"soon"}'), registry)).toMatchObject({
      ok: false,
      error: expect.stringContaining("invalid params for sleep: /ms"),
    });
  });

  test("empty params_json means {}", () => {
    const ok = prepareCommand(command("echo", ""), registry);
    expect(ok.ok && ok.command.params).toEqual({});
  });

  test("commands older than the dedupe window are refused", () => {
    const old = { ...command("echo", "{}"), createdAtMs: Date.now() - 31 * 86_400_000 };
    expect(prepareCommand(old, registry)).toMatchObject({ ok: false, error: expect.stringContaining("dedupe window") });
  });
});
