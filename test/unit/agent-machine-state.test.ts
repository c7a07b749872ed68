import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { openAgentDatabase } from "../../edge-agent/src/store/database.ts";
import { MachineStateStore, RuntimeVersionStore } from "../../edge-agent/src/store/runtime-state.ts";
import type { UpdateRequest } from "../../edge-agent/src/update/types.ts";
import { tempDir } from "../../edge-agent/test-support/helpers.ts";
import { waitFor } from "../support/wait";
import { wireCommand, startRunner, type RunnerOptions } from "../../edge-agent/test-support/runner-harness.ts";

let dir: ReturnType<typeof tempDir>;
let db: Database;
let harness: ReturnType<typeof startRunner> | undefined;
let updateRequests: UpdateRequest[];

function start(options: RunnerOptions = {}) {
  harness = startRunner(db, {
    machine: new MachineStateStore(db),
    runUpdate: async (request) => {
      updateRequests.push(request);
      return { ok: true, fromVersion: "1.0.0", toVersion: "1.1.0" };
    },
    ...options,
  });
  return harness;
}

/** Stops the actors and reopens the state dir: an agent restart. */
async function restart() {
  await harness?.stop();
  db.close();
  db = openAgentDatabase(dir.path);
  const h = start();
  await h.setPolicies([]);
  return h;
}

async function run(h: ReturnType<typeof startRunner>, id: string, kind: string, params: unknown = {}) {
  await h.send(wireCommand(id, kind, params));
  await waitFor(`${id} finished`, () => h.updatesOf(id).some((u) => u.statusName !== "RUNNING"), 3000);
  const final = h.updatesOf(id).at(-1)!;
  return {
    status: final.statusName,
    error: final.error,
    result: final.resultJson ? JSON.parse(final.resultJson) : undefined,
  };
}

beforeEach(() => {
  dir = tempDir();
  db = openAgentDatabase(dir.path);
  updateRequests = [];
});
afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  db.close();
  dir.remove();
});

describe("machine state (runtime.stop / runtime.start)", () => {
  test("a new machine is running and runs commands", async () => {
    const h = start();
    await h.setPolicies([]);
    expect(new MachineStateStore(db).get()).toBe("running");
    expect(await run(h, "c1", "echo", { a: 1 })).toMatchObject({ status: "COMPLETED", result: { a: 1 } });
  });

  test('stopped refuses every other kind with "machine stopped" but still runs the runtime control kinds', async () => {
    const h = start();
    await h.setPolicies([]);
    expect(await run(h, "stop", "runtime.stop")).toEqual({
      status: "COMPLETED",
      error: "",
      result: { state: "stopped" },
    });
    expect(await run(h, "echo", "echo", { a: 1 })).toEqual({
      status: "FAILED",
      error: "machine stopped",
      result: undefined,
    });
    expect(await run(h, "count", "count", { label: "x" })).toMatchObject({
      status: "FAILED",
      error: "machine stopped",
    });
    expect(h.executions).toEqual([]);
    expect(await run(h, "stop2", "runtime.stop")).toMatchObject({ status: "COMPLETED", result: { state: "stopped" } });
    expect(await run(h, "update", "runtime.update", { grantToken: "g1" })).toEqual({
      status: "COMPLETED",
      error: "",
      result: { fromVersion: "1.0.0", toVersion: "1.1.0" },
    });
    expect(updateRequests).toEqual([{ grantToken: "g1" }]);
    expect(await run(h, "start", "runtime.start")).toEqual({
      status: "COMPLETED",
      error: "",
      result: { state: "running" },
    });
    expect(await run(h, "echo2", "echo", { b: 2 })).toMatchObject({ status: "COMPLETED", result: { b: 2 } });
  });

  test("the stopped state survives a restart until runtime.start", async () => {
    let h = start();
    await h.setPolicies([]);
    await run(h, "stop", "runtime.stop");
    h = await restart();
    expect(new MachineStateStore(db).get()).toBe("stopped");
    expect(await run(h, "echo", "echo")).toMatchObject({ status: "FAILED", error: "machine stopped" });
    await run(h, "start", "runtime.start");
    h = await restart();
    expect(new MachineStateStore(db).get()).toBe("running");
    expect(await run(h, "echo2", "echo")).toMatchObject({ status: "COMPLETED" });
  });

  test("runtime control kinds still go through the safety policy", async () => {
    const h = start();
    await h.setPolicies([{ rules: { deniedKinds: ["runtime.stop"] } }]);
    const result = await run(h, "stop", "runtime.stop");
    expect(result.status).toBe("FAILED");
    expect(result.error).toStartWith("refused by safety policy: ");
    expect(new MachineStateStore(db).get()).toBe("running");
  });

  test("a failed update fails the command with the reason and keeps the versions in the result", async () => {
    const h = start({
      runUpdate: async () => ({
        ok: false,
        status: "rejected",
        reason: "script s1 sha256 mismatch",
        fromVersion: "1.0.0",
        toVersion: "1.1.0",
      }),
    });
    await h.setPolicies([]);
    expect(await run(h, "update", "runtime.update", { grantToken: "g1", targetVersion: "1.1.0" })).toEqual({
      status: "FAILED",
      error: "script s1 sha256 mismatch",
      result: { fromVersion: "1.0.0", toVersion: "1.1.0", status: "rejected" },
    });
    expect(await run(h, "bad", "runtime.update", {})).toMatchObject({ status: "FAILED" });
  });

  test("the runtime version defaults to the binary version and persists once set", () => {
    expect(new RuntimeVersionStore(db, "0.1.0").get()).toBe("0.1.0");
    new RuntimeVersionStore(db, "0.1.0").set("0.2.0");
    db.close();
    db = openAgentDatabase(dir.path);
    expect(new RuntimeVersionStore(db, "0.1.0").get()).toBe("0.2.0");
  });
});
