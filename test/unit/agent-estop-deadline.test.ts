/** Agent side of the safety semantics: the emergency stop latch, and deadlines checked by the agent's own clock. */
import { describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { EmergencyStopLatch } from "../../edge-agent/src/agent/estop.ts";
import { waitFor } from "../support/wait";
import { wireCommand, runnerFixture, type startRunner } from "../../edge-agent/test-support/runner-harness.ts";

const fx = runnerFixture();

const finalOf = (h: ReturnType<typeof startRunner>, id: string) =>
  h.updatesOf(id).find((u) => u.statusName !== "RUNNING");

describe("emergency stop latch", () => {
  test("a newer remote generation latches durably; older or repeated ones are stale; a reset releases", () => {
    const latch = new EmergencyStopLatch(fx.db);
    expect(latch.isEngaged()).toBe(false);
    expect(latch.applyRemote({ generation: 2, engaged: true, reason: "cell breach", atMs: 0 })).toBe("changed");
    expect(latch.applyRemote({ generation: 2, engaged: false, reason: "replayed", atMs: 0 })).toBe("stale");
    expect(latch.applyRemote({ generation: 1, engaged: false, reason: "old reset", atMs: 0 })).toBe("stale");
    // survives a restart (new instance on the same database)
    const again = new EmergencyStopLatch(fx.db);
    expect(again.isEngaged()).toBe(true);
    expect(again.describe()).toBe("emergency stop (remote: cell breach)");
    expect(again.applyRemote({ generation: 3, engaged: false, reason: "clear", atMs: 0 })).toBe("changed");
    expect(new EmergencyStopLatch(fx.db).isEngaged()).toBe(false);
  });

  test("an unreadable stored latch fails closed until a reset arrives", () => {
    fx.db.query(`INSERT INTO runtime_state (name, value, updated_at) VALUES ('estop', 'not json', 0)`).run();
    const latch = new EmergencyStopLatch(fx.db);
    expect(latch.isEngaged()).toBe(true);
    expect(latch.describe()).toContain("unreadable");
    expect(latch.applyRemote({ generation: 1, engaged: false, reason: "checked", atMs: 0 })).toBe("changed");
    expect(latch.isEngaged()).toBe(false);
  });

  test("the local file engages independently of the remote state; only removing it releases", () => {
    const file = join(fx.dir.path, "ESTOP");
    const latch = new EmergencyStopLatch(fx.db, file);
    writeFileSync(file, "button pressed\nsecond line ignored\n");
    expect(latch.pollLocal()).toBe(true);
    expect(latch.state()).toMatchObject({ localEngaged: true, localReason: "button pressed", remoteEngaged: false });
    latch.applyRemote({ generation: 1, engaged: false, reason: "remote reset", atMs: 0 });
    expect(latch.isEngaged()).toBe(true);
    expect(latch.pollLocal()).toBe(false);
    rmSync(file);
    expect(latch.pollLocal()).toBe(true);
    expect(latch.isEngaged()).toBe(false);
    latch.engageLocal("SIGUSR1");
    expect(latch.pollLocal()).toBe(true);
    expect(latch.state().localReason).toBe("SIGUSR1");
  });

  test("while engaged, commands are refused before anything runs; running ones are killed", async () => {
    const estop = new EmergencyStopLatch(fx.db);
    const h = fx.start({ estop });
    await h.setPolicies([{ rules: { maxConcurrent: 5 } }]);
    await h.send(wireCommand("long", "sleep", { ms: 30_000 }));
    await waitFor('h.updatesOf("long").some((u) => u.statusName === "RUNNING")', () =>
      h.updatesOf("long").some((u) => u.statusName === "RUNNING"),
    );
    estop.applyRemote({ generation: 1, engaged: true, reason: "stop now", atMs: 0 });
    h.inflight.cancelAll(estop.describe());
    h.runner.tell({ type: "emergencyStop" });
    await waitFor('finalOf(h, "long") !== undefined', () => finalOf(h, "long") !== undefined);
    expect(finalOf(h, "long")).toMatchObject({
      statusName: "FAILED",
      error: "cancelled: emergency stop (remote: stop now)",
    });

    await h.send(wireCommand("refused", "count", { label: "x" }));
    await waitFor('finalOf(h, "refused") !== undefined', () => finalOf(h, "refused") !== undefined);
    expect(finalOf(h, "refused")!.error).toBe("refused: emergency stop (remote: stop now)");
    expect(h.updatesOf("refused").map((u) => u.statusName)).toEqual(["FAILED"]);
    expect(h.executions).toEqual([]);
  });
});

describe("command deadlines on the agent", () => {
  test("a command arriving after its deadline (late from a queue) is reported EXPIRED and never runs", async () => {
    const h = fx.start();
    await h.setPolicies([{}]);
    await h.send(wireCommand("late", "count", { label: "late" }, 0, Date.now() - 1));
    await h.send(wireCommand("in-time", "count", { label: "in-time" }, 0, Date.now() + 60_000));
    await h.send(wireCommand("no-deadline", "count", { label: "none" }));
    await waitFor('["late", "in-time", "no-deadline"].every((id) => finalOf(h, id) !==...', () =>
      ["late", "in-time", "no-deadline"].every((id) => finalOf(h, id) !== undefined),
    );
    expect(h.updatesOf("late").map((u) => u.statusName)).toEqual(["EXPIRED"]);
    expect(finalOf(h, "late")!.error).toMatch(/^expired: deadline .* passed before it started$/);
    expect(finalOf(h, "in-time")!.statusName).toBe("COMPLETED");
    expect(h.executions.sort()).toEqual(["in-time", "none"]);
    // redelivered: the stored final report, not a run
    await h.send(wireCommand("late", "count", { label: "late" }, 0, Date.now() - 1));
    expect(h.executions).not.toContain("late");
  });

  test("a command whose deadline passes while it waits for a policy set never starts", async () => {
    const h = fx.start({ policyWaitMs: 5_000 });
    await h.send(wireCommand("waiting", "count", { label: "w" }, 0, Date.now() + 100));
    await Bun.sleep(200);
    await h.setPolicies([{}]);
    await waitFor('finalOf(h, "waiting") !== undefined', () => finalOf(h, "waiting") !== undefined);
    expect(finalOf(h, "waiting")!.statusName).toBe("EXPIRED");
    expect(h.executions).toEqual([]);
  });
});

describe("killing an exec command", () => {
  test("SIGTERM first (a graceful handler runs), then SIGKILL for one that ignores it", async () => {
    const { execCommand } = await import("../../edge-agent/src/commands/exec.ts");
    const { executeCommand } = await import("../../edge-agent/src/commands/execute.ts");
    const { CommandCancelledError } = await import("../../edge-agent/src/commands/abort.ts");
    const run = async (script: string) => {
      const controller = new AbortController();
      const lines: string[] = [];
      const outcome = executeCommand(
        execCommand,
        { command: "sh", args: ["-c", script] },
        { timeoutMs: 60_000, signal: controller.signal, onOutput: (_s, line) => lines.push(line) },
      );
      await waitFor('lines.includes("ready")', () => lines.includes("ready"));
      controller.abort(new CommandCancelledError("emergency stop"));
      return { outcome: await outcome, lines };
    };
    const graceful = await run(`trap 'echo stopping; exit 0' TERM; echo ready; while true; do sleep 0.05; done`);
    expect(graceful.lines).toContain("stopping");
    expect(graceful.outcome.ok).toBe(false);
    const stubborn = await run(`trap '' TERM; echo ready; while true; do sleep 0.05; done`);
    expect(stubborn.outcome).toMatchObject({ ok: false, error: "cancelled: emergency stop" });
    expect((stubborn.outcome.result as { exitCode: number | null }).exitCode).toBeNull(); // killed by SIGKILL
  });
});
