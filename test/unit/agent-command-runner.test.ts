import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { UNKNOWN_STARTED_COMMAND } from "../../edge-agent/src/agent/command-runner.ts";
import { INTERRUPTED_BEFORE_START, INTERRUPTED_WHILE_RUNNING } from "../../edge-agent/src/agent/recovery.ts";
import { waitFor } from "../support/wait";
import { wireCommand, runnerFixture, type startRunner } from "../../edge-agent/test-support/runner-harness.ts";

const fx = runnerFixture();
const statuses = (h: ReturnType<typeof startRunner>, id: string) => h.updatesOf(id).map((u) => u.statusName);
const finished = (h: ReturnType<typeof startRunner>, id: string) =>
  h.updatesOf(id).some((u) => u.statusName !== "RUNNING");

describe("command runner", () => {
  test("reconciliation: a re-sent already-started command is answered with its final report, never re-run", async () => {
    const h = fx.start();
    await h.setPolicies([{ rules: { exec: { allowedCommands: ["sh"] } } }]);
    const marker = `${fx.dir.path}/runs`;
    const run = (id: string, alreadyStarted: boolean) => ({
      ...wireCommand(id, "exec", { command: "sh", args: ["-c", `echo ${id} >> '${marker}'`] }),
      alreadyStarted,
    });
    await h.send(run("known", false));
    await waitFor('finished(h, "known")', () => finished(h, "known"));
    await h.send(run("known", true)); // the control plane still shows it running (its report was lost)
    await waitFor('statuses(h, "known").length === 3', () => statuses(h, "known").length === 3);
    expect(statuses(h, "known")).toEqual(["RUNNING", "COMPLETED", "COMPLETED"]);

    // Started per the control plane, unknown here (state lost): refused, not run a second time.
    await h.send(run("unknown", true));
    await waitFor('finished(h, "unknown")', () => finished(h, "unknown"));
    expect(h.updatesOf("unknown").map((u) => [u.statusName, u.error])).toEqual([["FAILED", UNKNOWN_STARTED_COMMAND]]);
    expect(readFileSync(marker, "utf8")).toBe("known\n");
  });

  test("reports RUNNING then COMPLETED with the result", async () => {
    const h = fx.start();
    await h.setPolicies([]);
    await h.send(wireCommand("cmd_1", "echo", { hello: "world" }));
    await waitFor('finished(h, "cmd_1")', () => finished(h, "cmd_1"));
    const [running, completed] = h.updatesOf("cmd_1");
    expect(running!.statusName).toBe("RUNNING");
    expect(completed!.statusName).toBe("COMPLETED");
    expect(JSON.parse(completed!.resultJson)).toEqual({ hello: "world" });
    expect(completed!.error).toBe("");
  });

  test("a failing exec reports FAILED with error and result", async () => {
    const h = fx.start();
    await h.setPolicies([{ rules: { exec: { allowedCommands: ["sh"] } } }]);
    await h.send(wireCommand("cmd_1", "exec", { command: "sh", args: ["-c", "echo oops >&2; exit 3"] }));
    await waitFor('finished(h, "cmd_1")', () => finished(h, "cmd_1"));
    const final = h.updatesOf("cmd_1").at(-1)!;
    expect([final.statusName, final.error]).toEqual(["FAILED", "exit code 3"]);
    expect(JSON.parse(final.resultJson)).toEqual({ exitCode: 3, stdout: "", stderr: "oops\n", timedOut: false });
  });

  test("malformed params and unknown kinds fail before anything runs", async () => {
    const h = fx.start();
    await h.setPolicies([]);
    await h.send({ ...wireCommand("bad_json", "echo"), paramsJson: "{oops" });
    await h.send(wireCommand("unknown", "teleport"));
    await waitFor(
      'finished(h, "bad_json") && finished(h, "unknown")',
      () => finished(h, "bad_json") && finished(h, "unknown"),
    );
    expect(h.updatesOf("bad_json").map((u) => u.statusName)).toEqual(["FAILED"]);
    expect(h.updatesOf("bad_json")[0]!.error).toStartWith("malformed params_json: ");
    expect(h.updatesOf("unknown").map((u) => [u.statusName, u.error])).toEqual([
      ["FAILED", "unknown command kind teleport"],
    ]);
  });

  test("a redelivered command that is still running is ignored", async () => {
    const executions: string[] = [];
    const h = fx.start({ executions });
    await h.setPolicies([]);
    await h.send(wireCommand("slow", "sleep", { ms: 150 }));
    await waitFor('statuses(h, "slow").length === 1', () => statuses(h, "slow").length === 1);
    await h.send(wireCommand("slow", "sleep", { ms: 150 }));
    await h.send(wireCommand("slow", "sleep", { ms: 150 }));
    await waitFor('finished(h, "slow")', () => finished(h, "slow"));
    await Bun.sleep(20);
    expect(statuses(h, "slow")).toEqual(["RUNNING", "COMPLETED"]);
  });

  test("a redelivered finished command re-sends its final update and does not run again", async () => {
    const executions: string[] = [];
    const h = fx.start({ executions });
    await h.setPolicies([]);
    await h.send(wireCommand("once", "count", { label: "once" }));
    await waitFor('finished(h, "once")', () => finished(h, "once"));
    await h.send(wireCommand("once", "count", { label: "once" }));
    await waitFor('statuses(h, "once").length === 3', () => statuses(h, "once").length === 3);
    const [, first, resent] = h.updatesOf("once");
    expect(resent).toEqual(first!); // byte-identical final update
    expect(executions).toEqual(["once"]);
  });

  test("never executes a command twice, even across agent restarts", async () => {
    const executions: string[] = [];
    let h = fx.start({ executions });
    await h.setPolicies([]);
    await h.send(wireCommand("c1", "count", { label: "c1" }));
    await waitFor('finished(h, "c1")', () => finished(h, "c1"));

    h = await fx.restart({ executions });
    await h.send(wireCommand("c1", "count", { label: "c1" }));
    await waitFor('statuses(h, "c1").length === 3', () => statuses(h, "c1").length === 3);
    expect(statuses(h, "c1")).toEqual(["RUNNING", "COMPLETED", "COMPLETED"]);
    expect(executions).toEqual(["c1"]);
  });

  test("commands left unfinished by a crash are failed at start-up and never re-run", async () => {
    const executions: string[] = [];
    let h = fx.start({ executions });
    // Simulate a crash mid-flight: one command recorded but waiting, one admitted and running.
    h.commands.claim("was_waiting", "count");
    h.commands.claim("was_running", "count");
    h.commands.accept("was_running");

    h = await fx.restart({ executions });
    expect(h.updatesOf("was_waiting").map((u) => [u.statusName, u.error])).toEqual([
      ["FAILED", INTERRUPTED_BEFORE_START],
    ]);
    expect(h.updatesOf("was_running").map((u) => [u.statusName, u.error])).toEqual([
      ["FAILED", INTERRUPTED_WHILE_RUNNING],
    ]);
    await h.setPolicies([]);
    await h.send(wireCommand("was_running", "count", { label: "again?" }));
    await waitFor('statuses(h, "was_running").length === 2', () => statuses(h, "was_running").length === 2);
    expect(executions).toEqual([]);
    expect(h.commands.countRunning()).toBe(0);
  });

  test("closing cancels running commands (FAILED) and refuses to acknowledge new ones", async () => {
    const h = fx.start();
    await h.setPolicies([]);
    await h.send(wireCommand("long", "sleep", { ms: 10_000 }));
    await waitFor('statuses(h, "long").length === 1', () => statuses(h, "long").length === 1);
    await h.runner.ask<void>((replyTo) => ({ type: "close", replyTo }));
    expect(await h.inflight.whenIdle(1000)).toBe(true);
    expect(h.updatesOf("long").at(-1)).toMatchObject({ statusName: "FAILED", error: "cancelled: agent shutting down" });
    // Not acked: the broker keeps it for the next run, and it is not recorded as seen.
    await expect(h.send(wireCommand("late", "echo"))).rejects.toThrow("shutting down");
    expect(h.commands.state("late")).toBeUndefined();
  });

  test("commands without an id are acknowledged and dropped", async () => {
    const h = fx.start();
    await h.send(wireCommand("", "echo"));
    expect(h.updates()).toEqual([]);
  });

  test("command timeouts come from the Command", async () => {
    const h = fx.start();
    await h.setPolicies([]);
    await h.send(wireCommand("short", "sleep", { ms: 5_000 }, 50));
    await waitFor('finished(h, "short")', () => finished(h, "short"));
    expect(h.updatesOf("short").at(-1)).toMatchObject({ statusName: "FAILED", error: "timed out after 50 ms" });
  });
});
