import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { statSync } from "node:fs";
import { join } from "node:path";
import type { Database } from "bun:sqlite";
import { openAgentDatabase } from "../../edge-agent/src/store/database.ts";
import { CommandStore } from "../../edge-agent/src/store/command-store.ts";
import { IdentityStore } from "../../edge-agent/src/store/identity-store.ts";
import { Outbox } from "../../edge-agent/src/store/outbox.ts";
import { PolicyStore } from "../../edge-agent/src/store/policy-store.ts";
import { Sequence } from "../../edge-agent/src/store/sequence.ts";
import { tempDir, testIdentity } from "../../edge-agent/test-support/helpers.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array) => new TextDecoder().decode(data);

let dir: ReturnType<typeof tempDir>;
let db: Database;
/** Closes the current handle and opens the same state dir again, as a restarted agent would. */
const reopen = () => {
  db.close();
  db = openAgentDatabase(dir.path);
  return db;
};

beforeEach(() => {
  dir = tempDir();
  db = openAgentDatabase(dir.path);
});
afterEach(() => {
  db.close();
  dir.remove();
});

describe("agent database", () => {
  test("is private, in WAL mode, and refuses a second agent on the same state dir", () => {
    expect(statSync(join(dir.path, "agent.db")).mode & 0o777).toBe(0o600);
    expect((db.query("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode).toBe("wal");
    new Outbox(db).append("t", bytes("x")); // takes the exclusive lock
    expect(() => openAgentDatabase(dir.path)).toThrow(/another edge agent/);
  });
});

describe("Outbox", () => {
  test("keeps rows in append order across a reopen and deletes only what it is told", () => {
    const outbox = new Outbox(db);
    const seqs = ["a", "b", "c", "d"].map((m) => outbox.append(`topic/${m}`, bytes(m)));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    outbox.remove(seqs[1]!);

    const reopened = new Outbox(reopen());
    const rows = reopened.after(0, 10);
    expect(rows.map((r) => [r.topic, text(r.payload)])).toEqual([
      ["topic/a", "a"],
      ["topic/c", "c"],
      ["topic/d", "d"],
    ]);
    expect(reopened.after(rows[0]!.seq, 1).map((r) => text(r.payload))).toEqual(["c"]);
    expect(reopened.size()).toBe(3);
  });

  test("sequence numbers are never reused, even after the newest row was deleted and the db reopened", () => {
    const outbox = new Outbox(db);
    const last = outbox.append("t", bytes("1"));
    outbox.remove(last);
    expect(new Outbox(reopen()).append("t", bytes("2"))).toBeGreaterThan(last);
  });

  test("notifies listeners on append", () => {
    const outbox = new Outbox(db);
    let calls = 0;
    outbox.onAppend(() => calls++);
    outbox.append("t", bytes("x"));
    expect(calls).toBe(1);
  });
});

describe("Sequence", () => {
  test("reserves consecutive blocks and continues after a reopen", () => {
    const before = Date.now() * 1000;
    const first = new Sequence(db, "telemetry").reserve(3);
    expect(first).toBeGreaterThan(before); // a new counter starts at the clock, above any wiped predecessor
    expect(first).toBeLessThanOrEqual(Date.now() * 1000 + 1);
    expect(new Sequence(db, "telemetry").reserve(1)).toBe(first + 3);
    expect(new Sequence(db, "other").reserve(1)).toBeGreaterThan(before);
    expect(new Sequence(reopen(), "telemetry").reserve(2)).toBe(first + 4);
  });
});

describe("CommandStore (dedupe)", () => {
  test("a command id is new exactly once, across reopens", () => {
    const store = new CommandStore(db);
    expect(store.claim("cmd_1", "exec")).toEqual({ outcome: "new" });
    expect(store.claim("cmd_1", "exec")).toEqual({ outcome: "inProgress", state: "received" });
    expect(new CommandStore(reopen()).claim("cmd_1", "exec")).toEqual({ outcome: "inProgress", state: "received" });
  });

  test("tracks received → running → finished and returns the final update for redeliveries", () => {
    let store = new CommandStore(db);
    store.claim("cmd_1", "sleep", 1000);
    expect(store.accept("cmd_1", 2000)).toBe(true);
    expect(store.accept("cmd_1", 2001)).toBe(false); // not received any more
    expect(store.countRunning()).toBe(1);
    expect(store.claim("cmd_1", "sleep")).toEqual({ outcome: "inProgress", state: "running" });
    store.finish("cmd_1", "completed", bytes("final"), 3000);

    store = new CommandStore(reopen());
    expect(store.countRunning()).toBe(0);
    const again = store.claim("cmd_1", "sleep");
    expect(again.outcome).toBe("finished");
    expect(again.outcome === "finished" && text(again.finalUpdate)).toBe("final");
    expect(store.acceptedSince(1999)).toEqual([2000]);
    expect(store.acceptedSince(2000)).toEqual([]);
  });

  test("a finished command cannot be finished again or re-accepted", () => {
    const store = new CommandStore(db);
    store.claim("c", "echo");
    store.finish("c", "failed", bytes("first"));
    store.finish("c", "completed", bytes("second"));
    expect(store.state("c")).toBe("failed");
    expect(store.accept("c")).toBe(false);
  });

  test("lists unfinished commands and prunes old finished ones", () => {
    const store = new CommandStore(db);
    store.claim("waiting", "sleep", 1);
    store.claim("running", "sleep", 2);
    store.accept("running", 3);
    store.claim("old", "echo", 4);
    store.finish("old", "completed", bytes("x"), 5);
    store.claim("recent", "echo", 6);
    store.finish("recent", "completed", bytes("x"), 100);
    expect(store.unfinished()).toEqual([
      { id: "waiting", state: "received", cancelReason: null },
      { id: "running", state: "running", cancelReason: null },
    ]);
    expect(store.pruneFinished(50)).toBe(1);
    expect(store.state("old")).toBeUndefined();
    expect(store.state("recent")).toBe("completed");
  });
});

describe("IdentityStore and PolicyStore", () => {
  test("persist across reopen", () => {
    const identity = testIdentity();
    new IdentityStore(db).save(identity);
    new PolicyStore(db).save(bytes("v1"));
    new PolicyStore(db).save(bytes("v2"));
    reopen();
    expect(new IdentityStore(db).load()).toEqual(identity);
    expect(text(new PolicyStore(db).load()!)).toBe("v2");
  });

  test("are empty on a fresh state dir", () => {
    expect(new IdentityStore(db).load()).toBeUndefined();
    expect(new PolicyStore(db).load()).toBeUndefined();
  });
});
