import { describe, expect, test } from "bun:test";
import {
  ActorStoppedError,
  ActorSystem,
  AskTimeoutError,
  Mailbox,
  MailboxFullError,
  RestartTracker,
  backoffDelayMs,
  resolveSupervision,
  type ActorContext,
  type ActorEvent,
  type ActorSystemOptions,
  type Behavior,
  type ReplyTo,
} from "../../edge-agent/src/actors/index.ts";
import { waitFor } from "../support/wait";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** System wired to record lifecycle events (with timestamps) and escalations. */
function makeSystem(options: ActorSystemOptions = {}) {
  const events: (ActorEvent & { at: number })[] = [];
  const escalations: { actor: string; error: unknown }[] = [];
  const system = new ActorSystem({
    supervision: { initialDelayMs: 5, maxDelayMs: 40, maxRestarts: 3, withinMs: 5_000 },
    onEvent: (event) => events.push({ ...event, at: performance.now() }),
    onEscalate: (actor, error) => escalations.push({ actor, error }),
    ...options,
  });
  const ofType = <T extends ActorEvent["type"]>(type: T) =>
    events.filter((e): e is Extract<ActorEvent, { type: T }> & { at: number } => e.type === type);
  return { system, events, escalations, ofType };
}

type CounterMsg = { type: "inc" } | { type: "boom" } | { type: "get"; replyTo: ReplyTo<number> };

/** Counter whose state is an instance field; counts instances and postStops. */
function counterFactory(stats = { created: 0, stopped: 0 }) {
  const factory = (): Behavior<CounterMsg> => {
    stats.created++;
    let count = 0;
    return {
      receive(msg) {
        if (msg.type === "inc") count++;
        else if (msg.type === "boom") throw new Error("boom");
        else msg.replyTo(count);
      },
      postStop() {
        stats.stopped++;
      },
    };
  };
  return { factory, stats };
}

describe("Mailbox", () => {
  test("is FIFO across internal compaction", () => {
    const box = new Mailbox<number>();
    const out: number[] = [];
    for (let i = 0; i < 3000; i++) {
      box.push(i);
      if (i % 3 === 0) out.push(box.shift()!);
    }
    for (let next = box.shift(); next !== undefined; next = box.shift()) out.push(next);
    expect(out).toEqual(Array.from({ length: 3000 }, (_, i) => i));
    expect(box.size).toBe(0);
  });

  test("enforces capacity and drains", () => {
    const box = new Mailbox<string>(2);
    expect(box.push("a")).toBe(true);
    expect(box.push("b")).toBe(true);
    expect(box.push("c")).toBe(false);
    expect(box.shift()).toBe("a");
    expect(box.push("d")).toBe(true);
    expect(box.drain()).toEqual(["b", "d"]);
    expect(box.size).toBe(0);
    expect(() => new Mailbox(0)).toThrow(RangeError);
  });
});

describe("supervisor", () => {
  test("backoff grows exponentially and is capped", () => {
    const opts = resolveSupervision({ initialDelayMs: 10, maxDelayMs: 50, backoffFactor: 2 });
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(opts, n))).toEqual([10, 20, 40, 50, 50]);
  });

  test("escalates on the failure after maxRestarts within the window", () => {
    let now = 0;
    const tracker = new RestartTracker(
      resolveSupervision({ initialDelayMs: 1, maxRestarts: 2, withinMs: 100 }),
      () => now,
    );
    expect(tracker.recordFailure()).toEqual({ action: "restart", attempt: 1, delayMs: 1 });
    now = 10;
    expect(tracker.recordFailure()).toEqual({ action: "restart", attempt: 2, delayMs: 2 });
    now = 20;
    expect(tracker.recordFailure()).toEqual({ action: "escalate", failures: 3 });
  });

  test("failures older than the window are forgotten (backoff resets)", () => {
    let now = 0;
    const tracker = new RestartTracker(
      resolveSupervision({ initialDelayMs: 1, maxRestarts: 2, withinMs: 100 }),
      () => now,
    );
    tracker.recordFailure();
    now = 10;
    tracker.recordFailure();
    now = 150;
    expect(tracker.recordFailure()).toEqual({ action: "restart", attempt: 1, delayMs: 1 });
  });

  test("maxRestarts 0 escalates on the first failure", () => {
    const tracker = new RestartTracker(resolveSupervision({ maxRestarts: 0 }));
    expect(tracker.recordFailure().action).toBe("escalate");
  });

  test("rejects invalid options", () => {
    expect(() => resolveSupervision({ initialDelayMs: -1 })).toThrow(RangeError);
    expect(() => resolveSupervision({ initialDelayMs: 100, maxDelayMs: 10 })).toThrow(RangeError);
    expect(() => resolveSupervision({ maxRestarts: 1.5 })).toThrow(RangeError);
    expect(() => resolveSupervision({ withinMs: 0 })).toThrow(RangeError);
    expect(() => new ActorSystem({ supervision: { backoffFactor: 0.5 } })).toThrow(RangeError);
  });
});

describe("ActorSystem", () => {
  test("processes messages one at a time, in order", async () => {
    const { system } = makeSystem();
    const seen: number[] = [];
    let active = 0;
    let maxActive = 0;
    type Msg = { type: "work"; n: number } | { type: "flush"; replyTo: ReplyTo<void> };
    const ref = system.spawn<Msg>("worker", () => ({
      async receive(msg) {
        if (msg.type === "flush") return msg.replyTo();
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(msg.n % 3); // varying async work must not reorder or overlap
        seen.push(msg.n);
        active--;
      },
    }));
    for (let n = 0; n < 30; n++) expect(ref.tell({ type: "work", n })).toBe(true);
    await ref.ask<void>((replyTo) => ({ type: "flush", replyTo }));
    expect(maxActive).toBe(1);
    expect(seen).toEqual(Array.from({ length: 30 }, (_, n) => n));
    await system.stop();
  });

  test("messages told from inside receive are queued behind the current one", async () => {
    const { system } = makeSystem();
    const log: string[] = [];
    type Msg = { n: number; replyTo?: ReplyTo<string[]> };
    const ref = system.spawn<Msg>("self-teller", (ctx) => ({
      async receive({ n, replyTo }) {
        if (replyTo) return replyTo(log);
        log.push(`start ${n}`);
        if (n === 0) ctx.self.tell({ n: 1 });
        await sleep(2);
        log.push(`end ${n}`);
      },
    }));
    ref.tell({ n: 0 });
    await waitFor("log.length === 4", () => log.length === 4);
    expect(log).toEqual(["start 0", "end 0", "start 1", "end 1"]);
    await system.stop();
  });

  test("a busy actor yields to the event loop", async () => {
    const { system } = makeSystem();
    const LIMIT = 5000;
    let processed = 0;
    let processedWhenTimerFired = -1;
    const ref = system.spawn<"spin">("spinner", (ctx) => ({
      receive() {
        if (++processed < LIMIT) ctx.self.tell("spin");
      },
    }));
    setTimeout(() => (processedWhenTimerFired = processed), 0);
    ref.tell("spin");
    await waitFor(
      "processed === LIMIT && processedWhenTimerFired >= 0",
      () => processed === LIMIT && processedWhenTimerFired >= 0,
    );
    // Without yielding, all messages would run in one microtask burst before the timer.
    expect(processedWhenTimerFired).toBeLessThan(LIMIT);
    await system.stop();
  });

  test("ask resolves with the reply", async () => {
    const { system } = makeSystem();
    const { factory } = counterFactory();
    const ref = system.spawn("counter", factory);
    ref.tell({ type: "inc" });
    ref.tell({ type: "inc" });
    expect(await ref.ask<number>((replyTo) => ({ type: "get", replyTo }))).toBe(2);
    await system.stop();
  });

  test("ask rejects with AskTimeoutError when no reply comes in time; late replies are ignored", async () => {
    const { system } = makeSystem();
    let pending: ReplyTo<string> | undefined;
    const ref = system.spawn<ReplyTo<string>>("silent", () => ({
      receive(replyTo) {
        pending = replyTo;
      },
    }));
    const started = performance.now();
    const error = await ref.ask<string>((replyTo) => replyTo, 30).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AskTimeoutError);
    expect((error as AskTimeoutError).actor).toBe("silent");
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
    expect(() => pending?.("too late")).not.toThrow();
    await system.stop();
  });

  test("ask rejects invalid timeouts and uses the configured default", async () => {
    const { system } = makeSystem({ askTimeoutMs: 20 });
    const ref = system.spawn<ReplyTo<void>>("never", () => ({ receive() {} }));
    await expect(ref.ask<void>((r) => r, 0)).rejects.toBeInstanceOf(RangeError);
    await expect(ref.ask<void>((r) => r)).rejects.toBeInstanceOf(AskTimeoutError);
    await system.stop();
  });

  test("ask rejects with the handler error when the actor crashes on that message", async () => {
    const { system } = makeSystem();
    type Msg = { replyTo: ReplyTo<number> };
    const ref = system.spawn<Msg>("crasher", () => ({
      receive() {
        throw new Error("handler failed");
      },
    }));
    await expect(ref.ask<number>((replyTo) => ({ replyTo }), 1000)).rejects.toThrow("handler failed");
    await system.stop();
  });

  test("replyTo.fail rejects the ask without crashing the actor", async () => {
    const { system, ofType } = makeSystem();
    const ref = system.spawn<ReplyTo<number>>("failer", () => ({
      receive(replyTo) {
        replyTo.fail(new Error("not found"));
      },
    }));
    await expect(ref.ask<number>((r) => r)).rejects.toThrow("not found");
    expect(ofType("crashed")).toHaveLength(0);
    await system.stop();
  });

  test("a crash restarts the actor with fresh state, drops only the failing message", async () => {
    const { system, events, ofType } = makeSystem({
      supervision: { initialDelayMs: 15, maxDelayMs: 100, maxRestarts: 3, withinMs: 5_000 },
    });
    const { factory, stats } = counterFactory();
    const ref = system.spawn("counter", factory);
    ref.tell({ type: "inc" });
    ref.tell({ type: "inc" });
    ref.tell({ type: "boom" });
    ref.tell({ type: "inc" });
    // Old count (2) is gone; the message after the crash survived in the mailbox.
    expect(await ref.ask<number>((replyTo) => ({ type: "get", replyTo }))).toBe(1);
    expect(stats).toEqual({ created: 2, stopped: 1 }); // crashed instance got postStop
    expect(events.map((e) => e.type)).toEqual(["started", "crashed", "restarted"]);
    const [crashed] = ofType("crashed");
    const [restarted] = ofType("restarted");
    expect(crashed).toMatchObject({ actor: "counter", phase: "receive", message: { type: "boom" } });
    expect((crashed!.error as Error).message).toBe("boom");
    expect(restarted).toMatchObject({ actor: "counter", attempt: 1, delayMs: 15 });
    expect(restarted!.at - crashed!.at).toBeGreaterThanOrEqual(13); // backoff actually waited
    expect(system.get("counter")).toBe(ref);
    await system.stop();
  });

  test("consecutive crashes back off exponentially up to the cap", async () => {
    const { system, ofType } = makeSystem({
      supervision: { initialDelayMs: 5, maxDelayMs: 20, maxRestarts: 10, withinMs: 5_000 },
    });
    const ref = system.spawn<"boom">("flaky", () => ({
      receive() {
        throw new Error("always");
      },
    }));
    for (let i = 0; i < 5; i++) ref.tell("boom");
    await waitFor('ofType("restarted").length === 5', () => ofType("restarted").length === 5);
    const restarts = ofType("restarted");
    expect(restarts.map((e) => e.delayMs)).toEqual([5, 10, 20, 20, 20]);
    const crashes = ofType("crashed");
    restarts.forEach((restart, i) => {
      expect(restart.at - crashes[i]!.at).toBeGreaterThanOrEqual(restart.delayMs - 2);
    });
    await system.stop();
  });

  test("a failing preStart is supervised and queued messages wait for a healthy instance", async () => {
    const { system, ofType } = makeSystem();
    let attempts = 0;
    const received: string[] = [];
    const ref = system.spawn<string>("starter", () => ({
      preStart() {
        if (++attempts <= 2) throw new Error(`preStart ${attempts}`);
      },
      receive(msg) {
        received.push(msg);
      },
    }));
    ref.tell("a");
    ref.tell("b");
    await waitFor("received.length === 2", () => received.length === 2);
    expect(received).toEqual(["a", "b"]);
    expect(ofType("crashed").map((e) => e.phase)).toEqual(["preStart", "preStart"]);
    expect(ofType("restarted").map((e) => e.attempt)).toEqual([2]);
    expect(ofType("started")).toHaveLength(0);
    await system.stop();
  });

  test("escalates after maxRestarts failures within the window and stops the actor", async () => {
    const { system, ofType, escalations } = makeSystem({
      supervision: { initialDelayMs: 1, maxDelayMs: 5, maxRestarts: 2, withinMs: 5_000 },
    });
    const stats = { created: 0, stopped: 0 };
    type Msg = { n: number; replyTo?: ReplyTo<void> };
    const ref = system.spawn<Msg>("doomed", () => {
      stats.created++;
      return {
        receive({ n }) {
          throw new Error(`fail ${n}`);
        },
        postStop() {
          stats.stopped++;
        },
      };
    });
    for (let n = 1; n <= 3; n++) ref.tell({ n });
    const orphan = ref.ask<void>((replyTo) => ({ n: 4, replyTo }), 2_000);
    await expect(orphan).rejects.toBeInstanceOf(ActorStoppedError);
    await waitFor("escalations.length === 1", () => escalations.length === 1);

    expect(escalations[0]!.actor).toBe("doomed");
    expect((escalations[0]!.error as Error).message).toBe("fail 3");
    expect(ofType("restarted")).toHaveLength(2);
    expect(ofType("escalated")).toMatchObject([{ actor: "doomed", failures: 3 }]);
    expect(ofType("stopped")).toMatchObject([{ actor: "doomed" }]);
    expect(ofType("deadLetter")).toMatchObject([{ actor: "doomed", reason: "stopped", message: { n: 4 } }]);
    expect(stats).toEqual({ created: 3, stopped: 3 });
    expect(ref.alive).toBe(false);
    expect(ref.tell({ n: 5 })).toBe(false);
    expect(system.get("doomed")).toBeUndefined();
    await system.stop();
    expect(escalations).toHaveLength(1);
  });

  test("stop() drains queued messages, runs postStop newest-first and is idempotent", async () => {
    const { system, ofType } = makeSystem();
    const log: string[] = [];
    const make = (name: string) => (): Behavior<number> => ({
      async receive(n) {
        await sleep(1);
        log.push(`${name}:${n}`);
      },
      postStop() {
        log.push(`${name}:postStop`);
      },
    });
    const a = system.spawn("a", make("a"));
    const b = system.spawn("b", make("b"));
    for (let n = 0; n < 3; n++) {
      a.tell(n);
      b.tell(n);
    }
    const first = system.stop();
    expect(b.tell(99)).toBe(false); // no new work once stopping
    expect(b.alive).toBe(false);
    expect(a.tell(99)).toBe(true); // older actors stay reachable while newer ones drain
    await first;
    await system.stop();

    const of = (name: string) => log.filter((line) => line.startsWith(`${name}:`));
    expect(of("a")).toEqual(["a:0", "a:1", "a:2", "a:99", "a:postStop"]);
    expect(of("b")).toEqual(["b:0", "b:1", "b:2", "b:postStop"]);
    expect(log.indexOf("b:postStop")).toBeLessThan(log.indexOf("a:postStop"));
    expect(a.alive).toBe(false);
    expect(ofType("stopped").map((e) => e.actor)).toEqual(["b", "a"]);
    expect(system.names()).toEqual([]);
    expect(() => system.spawn("c", make("c"))).toThrow(/stopping/);
  });

  test("stop({ drain: false }) finishes the in-flight message, drops the rest and rejects their asks", async () => {
    const { system, ofType } = makeSystem();
    const log: string[] = [];
    type Msg = { n: number; replyTo?: ReplyTo<number> };
    const ref = system.spawn<Msg>("busy", () => ({
      async receive({ n, replyTo }) {
        await sleep(10);
        log.push(`done ${n}`);
        replyTo?.(n);
      },
      postStop() {
        log.push("postStop");
      },
    }));
    const inFlight = ref.ask<number>((replyTo) => ({ n: 1, replyTo }));
    const queued = ref.ask<number>((replyTo) => ({ n: 2, replyTo }));
    await sleep(2);
    await system.stop({ drain: false });
    expect(await inFlight).toBe(1);
    await expect(queued).rejects.toBeInstanceOf(ActorStoppedError);
    expect(log).toEqual(["done 1", "postStop"]);
    expect(ofType("deadLetter")).toHaveLength(1);
  });

  test("stop during a restart backoff does not wait it out", async () => {
    const { system, ofType } = makeSystem({
      supervision: { initialDelayMs: 10_000, maxDelayMs: 10_000, maxRestarts: 5, withinMs: 60_000 },
    });
    const ref = system.spawn<"boom">("slow-restart", () => ({
      receive() {
        throw new Error("boom");
      },
    }));
    ref.tell("boom");
    await waitFor('ofType("crashed").length === 1', () => ofType("crashed").length === 1);
    const started = performance.now();
    await system.stop();
    expect(performance.now() - started).toBeLessThan(500);
    expect(ofType("restarted")).toHaveLength(0);
    expect(ofType("stopped")).toHaveLength(1);
  });

  test("stop timeout abandons a hung handler but still runs postStop", async () => {
    const { system } = makeSystem();
    let postStopped = false;
    const ref = system.spawn<"hang">("hung", () => ({
      receive: () => new Promise<void>(() => {}),
      postStop() {
        postStopped = true;
      },
    }));
    ref.tell("hang");
    ref.tell("hang");
    await sleep(1);
    const started = performance.now();
    await system.stop({ timeoutMs: 20 });
    expect(performance.now() - started).toBeLessThan(500);
    expect(postStopped).toBe(true);
    expect(system.names()).toEqual([]);
  });

  test("names are unique, lookup works, and a stopped name can be reused", async () => {
    const { system } = makeSystem();
    const { factory } = counterFactory();
    const ref = system.spawn("counter", factory);
    expect(() => system.spawn("counter", factory)).toThrow(/already exists/);
    expect(() => system.spawn("", factory)).toThrow();
    expect(system.get<CounterMsg>("counter")).toBe(ref);
    expect(system.get("missing")).toBeUndefined();
    await system.stopActor("counter");
    expect(system.get("counter")).toBeUndefined();
    const again = system.spawn("counter", factory);
    expect(again).not.toBe(ref);
    expect(await again.ask<number>((replyTo) => ({ type: "get", replyTo }))).toBe(0);
    await system.stopActor("missing"); // no-op
    await system.stop();
  });

  test("preStart can reach itself via the context and postStop pairs with preStart", async () => {
    const { system } = makeSystem();
    const log: string[] = [];
    system.spawn<string>("greeter", (ctx) => ({
      preStart() {
        ctx.self.tell(`hello from ${ctx.name}`);
        log.push(`lookup ${ctx.system.get("greeter") === ctx.self}`);
      },
      receive(msg) {
        log.push(msg);
      },
      postStop() {
        log.push("bye");
      },
    }));
    await waitFor("log.length === 2", () => log.length === 2);
    await system.stop();
    expect(log).toEqual(["lookup true", "hello from greeter", "bye"]);
  });

  test("a bounded mailbox drops overflow as dead letters", async () => {
    const { system, ofType } = makeSystem();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const received: number[] = [];
    const ref = system.spawn<number>(
      "bounded",
      () => ({
        async receive(n) {
          await gate;
          received.push(n);
        },
      }),
      { mailboxCapacity: 2 },
    );
    expect(ref.tell(1)).toBe(true);
    await sleep(1); // 1 is now in flight, freeing its slot
    expect(ref.tell(2)).toBe(true);
    expect(ref.tell(3)).toBe(true);
    expect(ref.tell(4)).toBe(false);
    await expect(ref.ask<void>(() => 5)).rejects.toBeInstanceOf(MailboxFullError);
    expect(ofType("deadLetter").map((e) => [e.message, e.reason])).toEqual([
      [4, "mailboxFull"],
      [5, "mailboxFull"],
    ]);
    release();
    await system.stop();
    expect(received).toEqual([1, 2, 3]);
  });

  test("a throwing event listener or escalation callback does not break the runtime", async () => {
    const system = new ActorSystem({
      supervision: { initialDelayMs: 1, maxRestarts: 0 },
      onEvent: () => {
        throw new Error("listener bug");
      },
      onEscalate: () => {
        throw new Error("escalation bug");
      },
    });
    const { factory } = counterFactory();
    const ref = system.spawn("counter", factory);
    ref.tell({ type: "inc" });
    expect(await ref.ask<number>((replyTo) => ({ type: "get", replyTo }))).toBe(1);
    ref.tell({ type: "boom" });
    await waitFor("!ref.alive", () => !ref.alive);
    await system.stop();
  });
});

describe("actor timers", () => {
  type TimerMsg =
    | { type: "tick"; n: number }
    | { type: "boom" }
    | { type: "start"; key: string; n: number; ms: number };

  function timerActor(received: number[], onStart?: (timers: ActorContext<TimerMsg>["timers"]) => void) {
    return (ctx: ActorContext<TimerMsg>): Behavior<TimerMsg> => ({
      preStart() {
        onStart?.(ctx.timers);
      },
      receive(msg) {
        if (msg.type === "tick") received.push(msg.n);
        else if (msg.type === "boom") throw new Error("boom");
        else ctx.timers.startSingleTimer(msg.key, { type: "tick", n: msg.n }, msg.ms);
      },
    });
  }

  test("a single timer delivers once; starting its key again replaces it", async () => {
    const { system } = makeSystem();
    const received: number[] = [];
    const ref = system.spawn("timed", timerActor(received));
    ref.tell({ type: "start", key: "a", n: 1, ms: 30 });
    ref.tell({ type: "start", key: "a", n: 2, ms: 5 });
    ref.tell({ type: "start", key: "b", n: 3, ms: 10 });
    await waitFor("both timers", () => received.length === 2);
    await sleep(60);
    expect(received).toEqual([2, 3]);
    await system.stop();
  });

  test("a cancelled timer never delivers, even when its message is already queued", async () => {
    const { system } = makeSystem();
    const received: number[] = [];
    let timers: ActorContext<TimerMsg>["timers"] | undefined;
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const ref = system.spawn("timed", (ctx: ActorContext<TimerMsg>): Behavior<TimerMsg> => {
      timers = ctx.timers;
      return {
        async receive(msg) {
          if (msg.type === "boom")
            await blocked; // holds the mailbox while the timer fires
          else if (msg.type === "tick") received.push(msg.n);
        },
      };
    });
    timers!.startSingleTimer("t", { type: "tick", n: 1 }, 1);
    ref.tell({ type: "boom" });
    await sleep(20); // fired: its message waits behind the blocked one
    expect(timers!.isTimerActive("t")).toBe(true);
    timers!.cancel("t");
    expect(timers!.isTimerActive("t")).toBe(false);
    release();
    ref.tell({ type: "tick", n: 2 });
    await waitFor("the later message", () => received.length > 0);
    expect(received).toEqual([2]);
    await system.stop();
  });

  test("a restart cancels the crashed incarnation's timers; stop cancels periodic ones", async () => {
    const { system, ofType } = makeSystem();
    const received: number[] = [];
    let starts = 0;
    const ref = system.spawn(
      "timed",
      timerActor(received, (timers) => {
        starts++;
        if (starts === 1) timers.startSingleTimer("old", { type: "tick", n: 1 }, 40);
        else timers.startPeriodicTimer("every", { type: "tick", n: 2 }, 5);
      }),
    );
    ref.tell({ type: "boom" });
    await waitFor("restart", () => ofType("restarted").length === 1);
    await waitFor("periodic ticks", () => received.length >= 3);
    await sleep(50); // the first incarnation's timer would have fired by now
    expect(received.includes(1)).toBe(false);
    await system.stop();
    const count = received.length;
    await sleep(30);
    expect(received.length).toBe(count);
  });
});
