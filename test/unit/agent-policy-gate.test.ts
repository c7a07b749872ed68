import { afterEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { openMemoryDatabase } from "../../edge-agent/src/store/database.ts";
import { waitFor } from "../support/wait";
import { wireCommand, startRunner } from "../../edge-agent/test-support/runner-harness.ts";

let db: Database;
let harness: ReturnType<typeof startRunner> | undefined;
const start = (options?: Parameters<typeof startRunner>[1]) => {
  db ??= openMemoryDatabase();
  harness = startRunner(db, options);
  return harness;
};
const finalOf = (h: ReturnType<typeof startRunner>, id: string) =>
  h.updatesOf(id).find((u) => u.statusName !== "RUNNING");

afterEach(async () => {
  await harness?.stop();
  harness = undefined;
  db?.close();
  db = undefined as unknown as Database;
});

describe("safety policy gate", () => {
  test("a violating command is not run and fails with the refusal reason", async () => {
    const h = start();
    await h.setPolicies([{ id: "pol_a", name: "no counting", rules: { deniedKinds: ["count"] } }]);
    await h.send(wireCommand("cmd_1", "count", { label: "x" }));
    await waitFor('finalOf(h, "cmd_1") !== undefined', () => finalOf(h, "cmd_1") !== undefined);
    expect(h.updatesOf("cmd_1").map((u) => [u.statusName, u.error])).toEqual([
      ["FAILED", 'refused by safety policy: policy "no counting" (pol_a): command kind "count" is denied'],
    ]);
    expect(h.executions).toEqual([]);
  });

  test("exec is refused unless a policy allowlists the executable", async () => {
    const h = start();
    await h.setPolicies([{ rules: { exec: { allowedCommands: ["true"] } } }]);
    await h.send(wireCommand("allowed", "exec", { command: "true" }));
    await h.send(wireCommand("denied", "exec", { command: "rm", args: ["-rf", "/tmp/x"] }));
    await waitFor(
      'finalOf(h, "allowed") !== undefined && finalOf(h, "denied") !== und...',
      () => finalOf(h, "allowed") !== undefined && finalOf(h, "denied") !== undefined,
    );
    expect(finalOf(h, "allowed")!.statusName).toBe("COMPLETED");
    expect(finalOf(h, "denied")!.error).toStartWith("refused by safety policy: ");
    expect(finalOf(h, "denied")!.error).toContain('exec command "rm" is not allowed');
  });

  test("fails closed: without any policy set, a command waits, then fails", async () => {
    const h = start({ policyWaitMs: 80 });
    await h.send(wireCommand("cmd_1", "count", { label: "x" }));
    await Bun.sleep(40);
    expect(h.updatesOf("cmd_1")).toEqual([]); // still waiting
    await waitFor('finalOf(h, "cmd_1") !== undefined', () => finalOf(h, "cmd_1") !== undefined);
    expect(h.updatesOf("cmd_1").map((u) => [u.statusName, u.error])).toEqual([
      ["FAILED", "no safety policy set received"],
    ]);
    expect(h.executions).toEqual([]);
  });

  test("a waiting command runs once a policy set arrives", async () => {
    const h = start({ policyWaitMs: 5_000 });
    await h.send(wireCommand("cmd_1", "count", { label: "waited" }));
    await Bun.sleep(20);
    expect(h.executions).toEqual([]);
    await h.setPolicies([]); // an empty set is a real set: everything but exec is allowed
    await waitFor('finalOf(h, "cmd_1") !== undefined', () => finalOf(h, "cmd_1") !== undefined);
    expect(h.updatesOf("cmd_1").map((u) => u.statusName)).toEqual(["RUNNING", "COMPLETED"]);
    expect(h.executions).toEqual(["waited"]);
  });

  test("a check (terminal, app start) made before any set waits for it, then is decided by it; else fails closed", async () => {
    const h = start({ policyWaitMs: 5_000 });
    type Answer = { allowed: boolean; error?: string };
    const check = (kind: string) =>
      h.policy.ask<Answer>((replyTo) => ({ type: "check", request: { kind, params: {} }, replyTo }), 10_000);
    const pty = check("pty");
    const app = check("app.start");
    await Bun.sleep(20);
    await h.setPolicies([{ id: "pol_p", name: "no terminals", rules: { deniedKinds: ["pty"] } }]);
    expect((await pty).allowed).toBe(false);
    expect((await pty).error).toContain('command kind "pty" is denied');
    expect(await app).toEqual({ allowed: true });
    await harness?.stop();
    db.close();
    db = undefined as unknown as Database;
    const cold = start({ policyWaitMs: 60 });
    const answer = await cold.policy.ask<Answer>(
      (replyTo) => ({ type: "check", request: { kind: "pty", params: {} }, replyTo }),
      5_000,
    );
    expect(answer).toEqual({ allowed: false, error: "no safety policy set received" });
  });

  test('an empty payload (cleared retained message) is not mistaken for "no rules"', async () => {
    const h = start({ policyWaitMs: 60 });
    await h.policy.ask<void>((replyTo) => ({ type: "policySet", payload: new Uint8Array(), replyTo }));
    await h.send(wireCommand("cmd_1", "count", { label: "x" }));
    await waitFor('finalOf(h, "cmd_1") !== undefined', () => finalOf(h, "cmd_1") !== undefined);
    expect(finalOf(h, "cmd_1")!.error).toBe("no safety policy set received");
  });

  test("the latest set is persisted and enforced by a restarted agent without any broker", async () => {
    let h = start();
    await h.setPolicies([{ rules: { allowedKinds: ["echo"] } }]);
    await h.stop();
    h = start({ policyWaitMs: 10_000 });
    await h.send(wireCommand("cmd_echo", "echo", { a: 1 }));
    await h.send(wireCommand("cmd_count", "count", { label: "x" }));
    await waitFor(
      'finalOf(h, "cmd_echo") !== undefined && finalOf(h, "cmd_count") !==...',
      () => finalOf(h, "cmd_echo") !== undefined && finalOf(h, "cmd_count") !== undefined,
      1000,
    );
    expect(finalOf(h, "cmd_echo")!.statusName).toBe("COMPLETED");
    expect(finalOf(h, "cmd_count")!.error).toContain('command kind "count" is not allowed (allowedKinds: "echo")');
  });

  test("an enabled policy with unreadable rules refuses everything; a disabled one is ignored", async () => {
    const h = start();
    await h.setPolicies([{ name: "broken", enabled: false, rulesJson: "{nope" }]);
    await h.send(wireCommand("ok", "echo"));
    await waitFor('finalOf(h, "ok") !== undefined', () => finalOf(h, "ok") !== undefined);
    expect(finalOf(h, "ok")!.statusName).toBe("COMPLETED");

    await h.setPolicies([{ id: "pol_b", name: "broken", rulesJson: "{nope" }]);
    await h.send(wireCommand("refused", "echo"));
    await waitFor('finalOf(h, "refused") !== undefined', () => finalOf(h, "refused") !== undefined);
    expect(finalOf(h, "refused")!.error).toBe(
      'refused by safety policy: policy "broken" (pol_b): rules_json is not a JSON object',
    );
  });

  test("rules that fail schema validation refuse (fail closed)", async () => {
    const h = start();
    await h.setPolicies([{ rulesJson: JSON.stringify({ maxConcurrent: "lots" }) }]);
    await h.send(wireCommand("cmd_1", "echo"));
    await waitFor('finalOf(h, "cmd_1") !== undefined', () => finalOf(h, "cmd_1") !== undefined);
    expect(finalOf(h, "cmd_1")!.error).toContain("invalid rules");
  });

  test("maxConcurrent counts commands that are running", async () => {
    const h = start();
    await h.setPolicies([{ rules: { maxConcurrent: 1 } }]);
    await h.send(wireCommand("slow", "sleep", { ms: 300 }));
    await waitFor('h.updatesOf("slow").length === 1', () => h.updatesOf("slow").length === 1);
    await h.send(wireCommand("second", "echo"));
    await waitFor('finalOf(h, "second") !== undefined', () => finalOf(h, "second") !== undefined);
    expect(finalOf(h, "second")!.error).toContain("1 command(s) already running (maxConcurrent 1)");
    await waitFor('finalOf(h, "slow") !== undefined', () => finalOf(h, "slow") !== undefined);
    await h.send(wireCommand("third", "echo"));
    await waitFor('finalOf(h, "third") !== undefined', () => finalOf(h, "third") !== undefined);
    expect(finalOf(h, "third")!.statusName).toBe("COMPLETED");
  });

  test("the rate limit remembers accepted commands across a restart", async () => {
    let h = start();
    await h.setPolicies([{ rules: { rateLimit: { maxCommands: 2, perSeconds: 60 } } }]);
    await h.send(wireCommand("a", "echo"));
    await h.send(wireCommand("b", "echo"));
    await waitFor('finalOf(h, "b") !== undefined', () => finalOf(h, "b") !== undefined);
    await h.stop();
    h = start();
    await h.send(wireCommand("c", "echo"));
    await waitFor('finalOf(h, "c") !== undefined', () => finalOf(h, "c") !== undefined);
    expect(finalOf(h, "c")!.error).toContain("rate limit reached: 2 command(s) accepted in the last 60s (max 2)");
  });

  test("param bounds are enforced on the parsed params", async () => {
    const h = start();
    await h.setPolicies([{ rules: { paramBounds: { ms: { max: 100 } } } }]);
    await h.send(wireCommand("too_long", "sleep", { ms: 500 }));
    await waitFor('finalOf(h, "too_long") !== undefined', () => finalOf(h, "too_long") !== undefined);
    expect(finalOf(h, "too_long")!.error).toContain("param ms=500 exceeds max 100");
  });
});
