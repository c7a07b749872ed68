/** Operator cancellation: running commands are stopped, waiting ones never start, early cancels are durable. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { connectMqtt, type MqttLink } from "../../edge-agent/src/agent/mqtt/client.ts";
import { startAgent, type Agent } from "../../edge-agent/src/agent/agent.ts";
import { recoverCommandLog } from "../../edge-agent/src/agent/recovery.ts";
import { CommandReports } from "../../edge-agent/src/agent/command-reports.ts";
import { silentLogger } from "@edge/proto/log";
import { CommandStore } from "../../edge-agent/src/store/command-store.ts";
import { Outbox } from "../../edge-agent/src/store/outbox.ts";
import { PolicyStore } from "../../edge-agent/src/store/policy-store.ts";
import { CommandStatus, codecs, topic, type CommandUpdate } from "@edge/proto/wire";
import { startTestBroker, type TestBroker } from "../../edge-agent/test-support/broker.ts";
import { FakeAuthApi } from "../../edge-agent/test-support/fake-auth.ts";
import { MemoryIdentitySource, TEST_IDENTITY, sleep, testIdentity } from "../../edge-agent/test-support/helpers.ts";
import { waitFor } from "../support/wait";
import {
  ACK_TOPIC,
  wireCancel,
  commandPayload,
  wireCommand,
  countingRegistry,
  policySetPayload,
  runnerFixture,
  type startRunner,
} from "../../edge-agent/test-support/runner-harness.ts";
import { startTestSessionServer, type TestSessionServer } from "../../edge-agent/test-support/session-server.ts";

const fx = runnerFixture();
const statuses = (h: ReturnType<typeof startRunner>, id: string) => h.updatesOf(id).map((u) => [u.statusName, u.error]);
const finished = (h: ReturnType<typeof startRunner>, id: string) =>
  h.updatesOf(id).some((u) => u.statusName !== "RUNNING");

/** Alive and not a zombie. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

describe("command cancellation", () => {
  test("a running exec is killed with its whole process group and reported FAILED cancelled", async () => {
    const h = fx.start();
    await h.setPolicies([{ rules: { exec: { allowedCommands: ["sh"] } } }]);
    const pids = join(fx.dir.path, "pids");
    await h.send(
      wireCommand("long", "exec", { command: "sh", args: ["-c", `sleep 30 & echo "$$ $!" > ${pids}; wait`] }),
    );
    await waitFor(
      'existsSync(pids) && readFileSync(pids, "utf8").includes("\\n")',
      () => existsSync(pids) && readFileSync(pids, "utf8").includes("\n"),
    );
    const [shell, child] = readFileSync(pids, "utf8").trim().split(" ").map(Number) as [number, number];
    expect(alive(shell) && alive(child)).toBe(true);

    const cancelledAt = performance.now();
    await h.cancel("long", "operator request");
    await waitFor('finished(h, "long")', () => finished(h, "long"), 1000);
    expect(performance.now() - cancelledAt).toBeLessThan(1000);
    const final = h.updatesOf("long").at(-1)!;
    expect([final.statusName, final.error]).toEqual(["FAILED", "cancelled: operator request"]);
    expect(JSON.parse(final.resultJson)).toMatchObject({ exitCode: null, timedOut: false });
    await waitFor("processes gone", () => !alive(shell) && !alive(child), 1000);
    expect(h.inflight.size).toBe(0);
  });

  test("a running sleep stops waiting", async () => {
    const h = fx.start();
    await h.setPolicies([]);
    await h.send(wireCommand("nap", "sleep", { ms: 30_000 }));
    await waitFor('h.updatesOf("nap").length === 1', () => h.updatesOf("nap").length === 1);
    await h.cancel("nap", "enough");
    await waitFor('finished(h, "nap")', () => finished(h, "nap"), 1000);
    expect(statuses(h, "nap")).toEqual([
      ["RUNNING", ""],
      ["FAILED", "cancelled: enough"],
    ]);
  });

  test("a command waiting for a policy set is reported at once and never starts", async () => {
    const executions: string[] = [];
    const h = fx.start({ executions, policyWaitMs: 30_000 });
    await h.send(wireCommand("queued", "count", { label: "queued" }));
    await h.cancel("queued", "changed my mind");
    expect(statuses(h, "queued")).toEqual([["FAILED", "cancelled: changed my mind"]]);
    // The policy set arrives afterwards: still nothing runs, and no second report.
    await h.setPolicies([]);
    await h.send(wireCommand("queued", "count", { label: "queued" }));
    await h.send(wireCommand("other", "count", { label: "other" }));
    await waitFor('finished(h, "other")', () => finished(h, "other"));
    await sleep(50);
    expect(executions).toEqual(["other"]);
    expect(h.updatesOf("queued").map((u) => u.statusName)).toEqual(["FAILED", "FAILED"]); // the redelivery re-sends it
    expect(h.commands.countRunning()).toBe(0);
  });

  test("a cancel that arrives before its command keeps it from ever running, across a restart", async () => {
    const executions: string[] = [];
    let h = fx.start({ executions });
    await h.cancel("early", "too late");
    expect(h.updates()).toEqual([]); // nothing to report yet
    expect(h.commands.state("early")).toBe("failed");

    h = await fx.restart({ executions });
    await h.setPolicies([]);
    await h.send(wireCommand("early", "count", { label: "early" }));
    await waitFor('finished(h, "early")', () => finished(h, "early"));
    expect(statuses(h, "early")).toEqual([["FAILED", "cancelled: too late"]]);
    // Redelivered again: the same final report, still not executed.
    await h.send(wireCommand("early", "count", { label: "early" }));
    await waitFor('h.updatesOf("early").length === 2', () => h.updatesOf("early").length === 2);
    expect(executions).toEqual([]);
  });

  test("duplicate cancels and cancels of finished commands are harmless", async () => {
    const executions: string[] = [];
    const h = fx.start({ executions });
    await h.setPolicies([]);
    await h.send(wireCommand("done", "count", { label: "done" }));
    await waitFor('finished(h, "done")', () => finished(h, "done"));
    await h.cancel("done");
    await h.cancel("done");

    await h.send(wireCommand("nap", "sleep", { ms: 30_000 }));
    await waitFor('h.updatesOf("nap").length === 1', () => h.updatesOf("nap").length === 1);
    await h.cancel("nap", "first");
    await h.cancel("nap", "second");
    await waitFor('finished(h, "nap")', () => finished(h, "nap"), 1000);
    await h.cancel("nap", "third");

    await h.cancel("ghost", "first");
    await h.cancel("ghost", "second");
    await h.send(wireCommand("ghost", "count", { label: "ghost" }));
    await waitFor('finished(h, "ghost")', () => finished(h, "ghost"));
    await sleep(50);

    expect(statuses(h, "done")).toEqual([
      ["RUNNING", ""],
      ["COMPLETED", ""],
    ]);
    expect(statuses(h, "nap")).toEqual([
      ["RUNNING", ""],
      ["FAILED", "cancelled: first"],
    ]);
    expect(statuses(h, "ghost")).toEqual([["FAILED", "cancelled: first"]]);
    expect(executions).toEqual(["done"]);
  });

  test("the command store records cancels idempotently", () => {
    const store = new CommandStore(fx.db);
    expect(store.cancel("x", "r1", 1)).toBe("recorded");
    expect(store.cancel("x", "r2", 2)).toBe("ignored");
    expect(store.unfinished()).toEqual([]);
    expect(store.claim("x", "echo", 3)).toEqual({ outcome: "cancelled", reason: "r1" });
    store.claim("y", "echo", 4);
    expect(store.cancel("y", "r3", 5)).toBe("pending");
    expect(store.cancel("y", "r4", 6)).toBe("pending");
    expect(store.unfinished()).toEqual([
      { id: "x", state: "received", cancelReason: "r1" },
      { id: "y", state: "received", cancelReason: "r3" },
    ]);
  });

  test("a cancelled command left unfinished by a crash is reported cancelled at start-up", () => {
    const store = new CommandStore(fx.db);
    const outbox = new Outbox(fx.db);
    store.claim("c", "sleep", 1);
    store.accept("c", 2);
    store.cancel("c", "stop it", 3);
    recoverCommandLog(store, new CommandReports(fx.db, store, outbox, ACK_TOPIC), silentLogger);
    const updates = outbox.after(0, 100).map((row) => codecs.commandUpdate.decode(row.payload));
    expect(updates.map((u) => [u.commandId, u.status, u.error])).toEqual([
      ["c", CommandStatus.COMMAND_STATUS_FAILED, "cancelled: stop it"],
    ]);
  });
});

describe("cancel routing", () => {
  const T = (channel: Parameters<typeof topic>[2]) => topic(TEST_IDENTITY.tenantId, TEST_IDENTITY.hostId, channel);
  let broker: TestBroker;
  let server: TestSessionServer;
  let agent: Agent | undefined;
  let clients: MqttLink[];
  let subscribed: boolean;
  let sessionUp: boolean;

  beforeEach(async () => {
    broker = await startTestBroker();
    broker.validPasswords.add("access-1");
    server = await startTestSessionServer();
    clients = [];
    subscribed = false;
    sessionUp = false;
  });
  afterEach(async () => {
    await agent?.stop();
    agent = undefined;
    for (const client of clients) client.end(true);
    await server.close();
    await broker.close();
  });

  async function startFullAgent(grpcUrl: string | undefined) {
    new PolicyStore(fx.db).save(policySetPayload([]));
    agent = await startAgent({
      settings: {
        mqttUrl: broker.url,
        grpcUrl,
        runtimeId: TEST_IDENTITY.runtimeId,
        statusIntervalMs: 60_000,
        keepaliveSeconds: 5,
        reconnectMinMs: 20,
        reconnectMaxMs: 100,
        policyWaitMs: 5_000,
      },
      db: fx.db,
      identity: TEST_IDENTITY,
      tokens: new MemoryIdentitySource(testIdentity()),
      authApi: new FakeAuthApi(() => {}),
      log: silentLogger,
      registry: countingRegistry([]),
      mqttConnect: (opts) => {
        const client = connectMqtt(opts);
        const subscribe = client.subscribe.bind(client);
        client.subscribe = (subscriptions, callback) =>
          subscribe(subscriptions, (error, granted) => {
            if (!error) subscribed = true;
            callback(error, granted);
          });
        clients.push(client);
        return client;
      },
      onSessionChange: (up) => (sessionUp = up),
    });
    await waitFor("MQTT subscribed", () => subscribed, 3000);
  }

  const mqttUpdates = (commandId: string): CommandUpdate[] =>
    broker.published
      .filter((p) => p.channel === "ack")
      .map((p) => codecs.commandUpdate.decode(p.payload))
      .filter((u) => u.commandId === commandId);
  const sessionUpdates = (commandId: string) =>
    server.seqFrames().flatMap((f) => (f.body === "update" && f.update?.commandId === commandId ? [f.update] : []));

  test("a cancel on the MQTT cancel topic stops a running command", async () => {
    await startFullAgent(undefined);
    await broker.publish(T("cmd"), commandPayload("m1", "sleep", { ms: 30_000 }));
    await waitFor("running", () => mqttUpdates("m1").length === 1, 3000);
    await broker.publish(T("cancel"), codecs.commandCancel.encode(wireCancel("m1", "via mqtt")));
    await waitFor("cancelled", () => mqttUpdates("m1").length === 2, 2000);
    expect(mqttUpdates("m1").map((u) => [u.status, u.error])).toEqual([
      [CommandStatus.COMMAND_STATUS_RUNNING, ""],
      [CommandStatus.COMMAND_STATUS_FAILED, "cancelled: via mqtt"],
    ]);
  });

  test("a cancel frame on the gRPC session stops a running command", async () => {
    await startFullAgent(server.url);
    await waitFor("session up", () => sessionUp, 3000);
    const stream = server.latest()!;
    stream.send({
      command: {
        id: "s1",
        kind: "sleep",
        paramsJson: JSON.stringify({ ms: 30_000 }),
        timeoutMs: 0,
        createdAtMs: Date.now(),
      },
    });
    await waitFor("running", () => sessionUpdates("s1").length === 1, 3000);
    stream.send({ cancel: { commandId: "s1", reason: "via session", atMs: Date.now() } });
    await waitFor("cancelled", () => sessionUpdates("s1").length === 2, 2000);
    expect(sessionUpdates("s1").map((u) => [u!.status, u!.error])).toEqual([
      [CommandStatus.COMMAND_STATUS_RUNNING, ""],
      [CommandStatus.COMMAND_STATUS_FAILED, "cancelled: via session"],
    ]);
  });
});
