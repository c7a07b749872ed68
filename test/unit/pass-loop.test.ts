/**
 * lib/pass-loop.ts: a wake is never lost. The model is the task scheduler's pass on PostgreSQL: it claims the pending
 * work (FOR UPDATE SKIP LOCKED, held until its transaction ends) and reads the free slots once; a pass running
 * alongside passes over what another holds. A slot freed while a pass holds the work (the wake of a finished task)
 * must lead to a pass that starts after that one ends, or the work waits for the next tick (an hour in some tests).
 */
import { afterEach, expect, test } from "bun:test";
import { PassLoop } from "../../control-plane/src/lib/pass-loop";
import { waitFor } from "../support/wait";

/** One queued task and one machine; every pass is held at its start until the test lets it go. */
function model(concurrency: number) {
  const state = { pending: 1, free: 0, holder: 0 };
  const started: number[] = [];
  const ended: { id: number; skipped: boolean; assigned: boolean }[] = [];
  const gates = new Map<number, () => void>();
  const loop = new PassLoop(
    async () => {
      const id = started.length + 1;
      started.push(id);
      await new Promise<void>((resolve) => gates.set(id, resolve));
      if (state.holder) {
        // SKIP LOCKED: the work another pass holds is not seen.
        ended.push({ id, skipped: true, assigned: false });
        return false;
      }
      state.holder = id;
      const free = state.free; // its snapshot of the slots
      await Bun.sleep(20); // its transaction's other statements
      state.holder = 0;
      const assigned = free > 0 && state.pending > 0;
      if (assigned) {
        state.pending--;
        state.free--;
      }
      ended.push({ id, skipped: false, assigned });
      return assigned;
    },
    { tickMs: 3_600_000, concurrency },
    (err) => {
      throw err;
    },
  );
  /** Lets pass `id` run (once it has started). */
  const release = async (id: number) => {
    await waitFor(`pass ${id} to start`, () => gates.has(id), 2_000);
    gates.get(id)!();
  };
  /** Lets every pass that starts from now on run at once. */
  const releaseAll = () => {
    const timer = setInterval(() => {
      for (const resolve of gates.values()) resolve();
    }, 1);
    return () => clearInterval(timer);
  };
  /** Stops the loop, letting any pass still held end. */
  const stop = async () => {
    const stopReleasing = releaseAll();
    try {
      await loop.stop();
    } finally {
      stopReleasing();
    }
  };
  return { state, started, ended, loop, release, releaseAll, stop };
}

let stopLoop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stopLoop?.();
  stopLoop = undefined;
});

test("a wake while a pass holds the work: the pass started for it skips the work; another runs after the holder", async () => {
  const m = model(2);
  stopLoop = m.stop;
  m.loop.start(); // pass 1, at once
  await m.release(1);
  await waitFor("pass 1 to hold the work", () => m.state.holder === 1, 2_000);
  // The machine's task finished (its slot committed free) after pass 1 read the slots: the wake starts pass 2 beside it.
  m.state.free = 1;
  m.loop.wake();
  await m.release(2);
  await waitFor("pass 2 to end", () => m.ended.some((e) => e.id === 2), 2_000);
  expect(m.ended.find((e) => e.id === 2)?.skipped).toBe(true);
  const stop = m.releaseAll();
  try {
    await waitFor("the task assigned", () => m.state.pending === 0, 2_000);
  } finally {
    stop();
  }
  expect(m.ended.find((e) => e.id === 1)?.assigned).toBe(false);
});

test("a wake while every pass runs: each of them runs again when it ends (one re-run alone would skip the other's work)", async () => {
  const m = model(2);
  stopLoop = m.stop;
  m.loop.start(); // pass 1
  await waitFor("pass 1", () => m.started.length === 1, 2_000);
  m.loop.wake(); // pass 2, beside it
  await waitFor("two passes", () => m.started.length === 2, 2_000);
  // Pass 2 takes the work and holds it; pass 1 has not read anything yet.
  await m.release(2);
  await waitFor("pass 2 to hold the work", () => m.state.holder === 2, 2_000);
  m.state.free = 1;
  m.loop.wake(); // both busy: answered when one ends
  expect(m.started.length).toBe(2);
  await m.release(1); // skips the work pass 2 holds, ends: pass 3 starts while pass 2 still holds it
  await m.release(3);
  await waitFor("pass 3 to end", () => m.ended.some((e) => e.id === 3), 2_000);
  expect(m.ended.map((e) => [e.id, e.skipped])).toEqual([
    [1, true],
    [3, true],
  ]);
  const stop = m.releaseAll();
  try {
    await waitFor("the task assigned", () => m.state.pending === 0, 2_000);
  } finally {
    stop();
  }
});

test("wakes during a pass are coalesced into one more pass, and the loop then rests until its tick", async () => {
  const m = model(1);
  stopLoop = m.stop;
  m.loop.start();
  await waitFor("pass 1", () => m.started.length === 1, 2_000);
  for (let i = 0; i < 5; i++) m.loop.wake();
  const stop = m.releaseAll();
  try {
    await waitFor("pass 2 to end", () => m.ended.length === 2, 2_000);
    await Bun.sleep(100);
  } finally {
    stop();
  }
  expect(m.started).toEqual([1, 2]);
});
