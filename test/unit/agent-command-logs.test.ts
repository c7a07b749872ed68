import { afterEach, describe, expect, test } from "bun:test";
import { CommandLogs, MAX_DURABLE_LINES_PER_COMMAND } from "../../edge-agent/src/agent/command-logs.ts";
import { frameOfRow } from "../../edge-agent/src/agent/session-frames.ts";
import { agentRunCommand } from "../../edge-agent/src/commands/agent-run.ts";
import { executeCommand } from "../../edge-agent/src/commands/execute.ts";
import { AgentRuns } from "../../edge-agent/src/runtime/runs.ts";
import { openAgentDatabase } from "../../edge-agent/src/store/database.ts";
import { Outbox } from "../../edge-agent/src/store/outbox.ts";
import { codecs, topic } from "@edge/proto/wire";
import { tempDir } from "../../edge-agent/test-support/helpers.ts";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function outbox() {
  const dir = tempDir();
  const db = openAgentDatabase(dir.path);
  cleanups.push(() => {
    db.close();
    dir.remove();
  });
  return new Outbox(db);
}

describe("durable command output", () => {
  test("lines go to the outbox in order with their index; the session frame carries them sequenced", () => {
    const box = outbox();
    const logs = new CommandLogs(box, topic("t", "h", "log"), () => 1234);
    logs.append("cmd-1", "stdout", "first");
    logs.append("cmd-2", "stderr", "other");
    logs.append("cmd-1", "stderr", "second");
    const rows = box.after(0, 10);
    expect(rows.map((r) => codecs.commandLog.decode(r.payload))).toMatchObject([
      { commandId: "cmd-1", stream: "stdout", line: "first", atMs: 1234, index: 0 },
      { commandId: "cmd-2", stream: "stderr", line: "other", atMs: 1234, index: 0 },
      { commandId: "cmd-1", stream: "stderr", line: "second", atMs: 1234, index: 1 },
    ]);
    const frame = frameOfRow(rows[2]!);
    expect(frame.seq).toBe(rows[2]!.seq);
    expect(frame.commandLog).toMatchObject({ commandId: "cmd-1", line: "second", index: 1 });
  });

  test("a command cannot flood the outbox: lines past the cap become one truncation marker", () => {
    const box = outbox();
    expect(MAX_DURABLE_LINES_PER_COMMAND).toBe(10_000);
    const logs = new CommandLogs(box, topic("t", "h", "log"), Date.now, 5);
    for (let i = 0; i < 20; i++) logs.append("chatty", "stdout", `line ${i}`);
    const lines = box.after(0, 100).map((r) => codecs.commandLog.decode(r.payload));
    expect(lines.map((l) => l.line)).toEqual([
      "line 0",
      "line 1",
      "line 2",
      "line 3",
      "line 4",
      "[output truncated after 5 lines]",
    ]);
    logs.finished("chatty");
    logs.append("chatty", "stdout", "a new command with the same id starts over"); // (ids are unique; the counter is freed)
    expect(box.size()).toBe(7);
  });
});

describe("agent command kind (the runtime's agent-run runner)", () => {
  function runner(types: Record<string, string>) {
    const dir = tempDir();
    const db = openAgentDatabase(dir.path);
    cleanups.push(() => {
      db.close();
      dir.remove();
    });
    return new AgentRuns({
      db,
      agentTypes: () => types,
      defaultAgentType: () => undefined,
      admit: async () => ({ allowed: false, error: "stages are admitted by the command runner" }),
    });
  }
  const run = (runs: AgentRuns, params: object, onOutput?: (s: string, l: string) => void) =>
    executeCommand(agentRunCommand(runs), params, { timeoutMs: 10_000, onOutput });

  test("an agent type the worker does not have fails clearly", async () => {
    const outcome = await run(runner({ other: "/bin/cat" }), { agentType: "default", prompt: "x" });
    expect(outcome).toMatchObject({
      ok: false,
      error: expect.stringContaining('agent type "default" is not configured on this worker (configured: other)'),
    });
  });

  test("the program gets the task on stdin, its output streams line by line, and the stage is an agent run", async () => {
    const lines: string[] = [];
    const runs = runner({ default: "/bin/cat" });
    const outcome = await run(
      runs,
      { agentType: "default", prompt: "do it", taskId: "task_1", stage: "s", stages: { a: "r" } },
      (_s, l) => lines.push(l),
    );
    expect(outcome.ok).toBe(true);
    const result = (outcome as { result: { stdout: string; runId: string; result: unknown; exitCode: number } }).result;
    expect(JSON.parse(result.stdout)).toEqual({
      runId: result.runId,
      prompt: "do it",
      workspaceId: null,
      agentType: "default",
      taskId: "task_1",
      stage: "s",
      stages: { a: "r" },
    });
    expect(lines).toEqual([result.stdout]);
    expect(result.exitCode).toBe(0);
    // the same record as a runtime agent run: queryable, with its events
    const recorded = runs.get(result.runId);
    expect(recorded).toMatchObject({ status: "completed", agentType: "default", prompt: "do it" });
    expect(recorded.events.map((e) => e.type)).toEqual(["started", "output", "finished"]);
  });

  test("event lines become run events, a result line the stage result; a failing program fails the stage", async () => {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    const script = `${dir.path}/agent.sh`;
    require("node:fs").writeFileSync(
      script,
      `#!/bin/sh
echo "thinking about $TASK_PROMPT"
echo '{"type":"tool","name":"grep"}'
echo '{"type":"result","result":"the answer"}'
case "$TASK_PROMPT" in *fail*) echo broken >&2; exit 3;; esac
`,
      { mode: 0o755 },
    );
    const runs = runner({ default: script });
    const lines: string[] = [];
    const ok = await run(runs, { agentType: "default", prompt: "q", taskId: "t" }, (_s, l) => lines.push(l));
    expect(ok).toMatchObject({ ok: true, result: { result: "the answer", stdout: "thinking about q", exitCode: 0 } });
    expect(lines).toEqual(["thinking about q", '{"type":"tool","name":"grep"}']);
    const runId = (ok as { result: { runId: string } }).result.runId;
    expect(runs.get(runId).events.map((e) => e.type)).toEqual(["started", "output", "tool", "finished"]);

    const failed = await run(runs, { agentType: "default", prompt: "fail", taskId: "t" });
    expect(failed).toMatchObject({ ok: false, error: "exit code 3", result: { stderr: "broken", exitCode: 3 } });
  });
});
