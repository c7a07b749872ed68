/** The agent's gRPC session against an in-process test double of the control plane's AgentSession service. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { connectMqtt, type MqttLink } from "../../edge-agent/src/agent/mqtt/client.ts";
import { startAgent, type Agent, type AgentSettings } from "../../edge-agent/src/agent/agent.ts";
import { LineSplitter, MAX_LINE_BYTES } from "../../edge-agent/src/commands/line-splitter.ts";
import type { CommandRegistry } from "../../edge-agent/src/commands/registry.ts";
import { createLogger, silentLogger } from "@edge/proto/log";
import { openAgentDatabase } from "../../edge-agent/src/store/database.ts";
import { Outbox } from "../../edge-agent/src/store/outbox.ts";
import { PolicyStore } from "../../edge-agent/src/store/policy-store.ts";
import { AGENT_VERSION } from "../../edge-agent/src/version.ts";
import { CommandStatus, codecs, topic, type CommandUpdate } from "@edge/proto/wire";
import { startTestBroker, type TestBroker } from "../../edge-agent/test-support/broker.ts";
import { FakeAuthApi } from "../../edge-agent/test-support/fake-auth.ts";
import {
  MemoryIdentitySource,
  TEST_IDENTITY,
  sleep,
  tempDir,
  testIdentity,
} from "../../edge-agent/test-support/helpers.ts";
import { waitFor } from "../support/wait";
import { commandPayload, countingRegistry, policySetPayload } from "../../edge-agent/test-support/runner-harness.ts";
import { startTestSessionServer, type TestSessionServer } from "../../edge-agent/test-support/session-server.ts";

const T = (channel: Parameters<typeof topic>[2]) => topic(TEST_IDENTITY.tenantId, TEST_IDENTITY.hostId, channel);

let dir: ReturnType<typeof tempDir>;
let db: Database;
let broker: TestBroker;
let server: TestSessionServer;
let agent: Agent | undefined;
let clients: MqttLink[];
let auth: FakeAuthApi;
let tokens: MemoryIdentitySource;
let sessionUp: boolean;
let sessionChanges: boolean[];
let subscribed: boolean;

async function start(options: { registry?: CommandRegistry; grpcUrl?: string } = {}) {
  const settings: AgentSettings = {
    mqttUrl: broker.url,
    grpcUrl: options.grpcUrl ?? server.url,
    runtimeId: TEST_IDENTITY.runtimeId,
    statusIntervalMs: 60_000,
    keepaliveSeconds: 5,
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    policyWaitMs: 5_000,
  };
  agent = await startAgent({
    settings,
    db,
    identity: TEST_IDENTITY,
    tokens,
    authApi: auth,
    log: process.env.DEBUG_SESSION ? createLogger("debug") : silentLogger,
    registry: options.registry,
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
    onSessionChange: (up) => {
      sessionUp = up;
      sessionChanges.push(up);
    },
  });
  return agent;
}

const outboxSeqs = () => new Outbox(db).after(0, 10_000).map((r) => r.seq);
const update = (commandId: string, status = CommandStatus.COMMAND_STATUS_COMPLETED): Uint8Array =>
  codecs.commandUpdate.encode({ commandId, status, error: "", resultJson: "{}", atMs: Date.now() });
/** Rows already waiting when the agent starts (appended on its database before the agent exists). */
const preload = (ids: string[]) => ids.map((id) => new Outbox(db).append(T("ack"), update(id)));
const allowAll = () => new PolicyStore(db).save(policySetPayload([{ rules: { exec: { allowedCommands: ["sh"] } } }]));
/** The agent's MQTT subscription is in place (commands published before it would be lost). */
const mqttReady = () => waitFor("MQTT subscribed", () => subscribed, 3000);
const sessionUpdates = (commandId: string): CommandUpdate[] =>
  server
    .seqFrames()
    .flatMap((f) => (f.body === "update" && f.update?.commandId === commandId ? [f.update as CommandUpdate] : []));
const mqttUpdates = (commandId: string): CommandUpdate[] =>
  broker.published
    .filter((p) => p.channel === "ack")
    .map((p) => codecs.commandUpdate.decode(p.payload))
    .filter((u) => u.commandId === commandId);
const commandFrame = (id: string, kind: string, params: unknown) => ({
  command: { id, kind, paramsJson: JSON.stringify(params), timeoutMs: 0, createdAtMs: Date.now() },
});

beforeEach(async () => {
  dir = tempDir();
  db = openAgentDatabase(dir.path);
  broker = await startTestBroker();
  broker.validPasswords.add("access-1");
  server = await startTestSessionServer();
  clients = [];
  auth = new FakeAuthApi((token) => {
    broker.validPasswords.add(token);
    server.validTokens.add(token);
  });
  tokens = new MemoryIdentitySource(testIdentity());
  sessionUp = false;
  sessionChanges = [];
  subscribed = false;
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  for (const client of clients) client.end(true);
  await server.close();
  await broker.close();
  db.close();
  dir.remove();
});

describe("gRPC session", () => {
  test("opens with hello and the bearer access token, and is up once welcomed", async () => {
    await start();
    await waitFor("session up", () => sessionUp, 3000);
    const stream = server.latest()!;
    expect(stream.authorization).toBe("Bearer access-1");
    expect(stream.frames[0]).toMatchObject({ seq: 0, body: "hello", hello: { agentVersion: AGENT_VERSION } });
    expect(server.streams).toHaveLength(1);
  });

  test("outbox rows go out as frames with their seq and are deleted only once acked", async () => {
    await broker.pause(); // MQTT down: the session is the only way out
    server.autoAck = false;
    const [a, b] = preload(["cmd-a", "cmd-b"]);
    await start();
    // The two preloaded rows plus the first status report and its telemetry.
    await waitFor(
      "all rows sent",
      () => server.seqFrames().length >= 4 && server.seqFrames().length === outboxSeqs().length,
      3000,
    );
    const frames = server.seqFrames();
    expect(frames.map((f) => f.seq)).toEqual(outboxSeqs());
    expect(frames.slice(0, 2).map((f) => [f.seq, f.body, f.update?.commandId])).toEqual([
      [a, "update", "cmd-a"],
      [b, "update", "cmd-b"],
    ]);
    expect(new Set(frames.slice(2).map((f) => f.body))).toEqual(new Set(["status", "telemetry"]));
    expect(frames.every((f) => f.seq > 1_000_000_000_000)).toBe(true); // seeded above any old agent's seqs

    await sleep(100);
    expect(outboxSeqs()).toEqual(frames.map((f) => f.seq)); // nothing acked, nothing deleted
    server.latest()!.send({ ack: { seq: b! } }); // cumulative
    await waitFor("first two rows deleted", () => outboxSeqs().length === frames.length - 2, 3000);
    expect(outboxSeqs()).toEqual(frames.slice(2).map((f) => f.seq));
    server.latest()!.send({ ack: { seq: frames.at(-1)!.seq } });
    await waitFor("outbox empty", () => outboxSeqs().length === 0, 3000);
  });

  test("after a dropped stream, exactly the unacked frames after welcome.lastAgentSeq are resent", async () => {
    await broker.pause();
    server.autoAck = false;
    preload(["r1", "r2", "r3", "r4"]);
    await start();
    await waitFor(
      "all rows sent",
      () => server.seqFrames().length >= 6 && server.seqFrames().length === outboxSeqs().length,
      3000,
    );
    const first = server.latest()!;
    const sent = first.frames.filter((f) => f.seq > 0).map((f) => f.seq);
    first.send({ ack: { seq: sent[0]! } });
    await waitFor("first row acked", () => !outboxSeqs().includes(sent[0]!), 3000);

    // The control plane processed the second frame, but the stream dropped before its ack got through.
    server.lastAgentSeq = sent[1]!;
    first.fail();
    await waitFor("second session", () => server.streams.length === 2 && sessionUp, 3000);
    const second = server.latest()!;
    await waitFor("resend", () => second.frames.filter((f) => f.seq > 0).length >= sent.length - 2, 3000);
    await sleep(100);
    expect(second.frames[0]!.body).toBe("hello");
    expect(second.frames.filter((f) => f.seq > 0).map((f) => f.seq)).toEqual(sent.slice(2));
    expect(outboxSeqs()).toEqual(sent.slice(2));
    expect(sessionChanges).toEqual([true, false, true]);
    second.send({ ack: { seq: sent.at(-1)! } });
    await waitFor("outbox empty", () => outboxSeqs().length === 0, 3000);
  });

  test("a command pushed over the session runs once, even if also delivered twice more and over MQTT", async () => {
    const executions: string[] = [];
    allowAll();
    await start({ registry: countingRegistry(executions) });
    await waitFor("session up", () => sessionUp, 3000);
    const stream = server.latest()!;
    stream.send(commandFrame("cmd-once", "count", { label: "x" }));
    stream.send(commandFrame("cmd-once", "count", { label: "x" }));
    await broker.publish(T("cmd"), commandPayload("cmd-once", "count", { label: "x" }));
    const completed = () =>
      [...sessionUpdates("cmd-once"), ...mqttUpdates("cmd-once")].filter(
        (u) => u.status === CommandStatus.COMMAND_STATUS_COMPLETED,
      );
    await waitFor("command completed", () => completed().length > 0, 3000);
    await sleep(200);
    expect(executions).toEqual(["x"]);
    expect(sessionUpdates("cmd-once").map((u) => u.status)).toContain(CommandStatus.COMMAND_STATUS_RUNNING);
  });

  test("exec output lines are streamed as unsequenced log frames; the result keeps the full output", async () => {
    allowAll();
    await start();
    await waitFor("session up", () => sessionUp, 3000);
    const script = "echo one; echo two 1>&2; printf three";
    server.latest()!.send(commandFrame("cmd-exec", "exec", { command: "sh", args: ["-c", script] }));
    await waitFor(
      "exec completed",
      () => sessionUpdates("cmd-exec").some((u) => u.status === CommandStatus.COMMAND_STATUS_COMPLETED),
      5000,
    );
    const logs = server.latest()!.frames.filter((f) => f.body === "log");
    expect(logs.every((f) => f.seq === 0 && f.log!.commandId === "cmd-exec" && f.log!.atMs > 0)).toBe(true);
    const lines = (stream: string) => logs.filter((f) => f.log!.stream === stream).map((f) => f.log!.line);
    expect(lines("stdout")).toEqual(["one", "three"]);
    expect(lines("stderr")).toEqual(["two"]);
    const final = sessionUpdates("cmd-exec").find((u) => u.status === CommandStatus.COMMAND_STATUS_COMPLETED)!;
    expect(JSON.parse(final.resultJson)).toEqual({
      exitCode: 0,
      stdout: "one\nthree",
      stderr: "two\n",
      timedOut: false,
    });
  });

  test("without a session the outbox goes over MQTT, and falls back to it when the session ends", async () => {
    const executions: string[] = [];
    allowAll();
    await start({ registry: countingRegistry(executions) });
    await waitFor("session up", () => sessionUp, 3000);
    server.latest()!.send(commandFrame("cmd-live", "count", { label: "live" }));
    await waitFor(
      "live command reported",
      () => sessionUpdates("cmd-live").some((u) => u.status === CommandStatus.COMMAND_STATUS_COMPLETED),
      3000,
    );
    expect(mqttUpdates("cmd-live")).toEqual([]);

    await server.close();
    await waitFor("session down", () => !sessionUp, 3000);
    await mqttReady();
    await broker.publish(T("cmd"), commandPayload("cmd-mqtt", "count", { label: "mqtt" }));
    await waitFor(
      "reported over MQTT",
      () => mqttUpdates("cmd-mqtt").some((u) => u.status === CommandStatus.COMMAND_STATUS_COMPLETED),
      3000,
    );
    expect(executions).toEqual(["live", "mqtt"]);
  });

  test("with no reachable session endpoint everything works over MQTT", async () => {
    allowAll();
    await server.close();
    await start();
    await mqttReady();
    await broker.publish(T("cmd"), commandPayload("cmd-1", "echo", { message: "hi" }));
    await waitFor(
      "reported over MQTT",
      () => mqttUpdates("cmd-1").some((u) => u.status === CommandStatus.COMMAND_STATUS_COMPLETED),
      3000,
    );
    expect(sessionChanges).toEqual([]);
  });

  test("UNAUTHENTICATED refreshes the access token before reconnecting with the new one", async () => {
    server.validTokens.clear();
    await start();
    await waitFor("session up", () => sessionUp, 3000);
    expect(auth.refreshCalls).toEqual(["refresh-1"]);
    expect(server.streams.map((s) => s.authorization)).toEqual(["Bearer access-1", "Bearer access-issued-1"]);
  });

  test("a clean stop closes the stream", async () => {
    await start();
    await waitFor("session up", () => sessionUp, 3000);
    await agent!.stop();
    expect(server.latest()!.ended).toBe(true);
    expect(sessionChanges).toEqual([true, false]);
  });
});

describe("LineSplitter", () => {
  const split = (chunks: (string | Uint8Array)[]) => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    for (const chunk of chunks) splitter.push(typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk);
    splitter.end();
    return lines;
  };

  test("joins chunks, strips CR, keeps a last line without newline", () => {
    expect(split(["a", "b\nc\r\n", "\n", "tail"])).toEqual(["ab", "c", "", "tail"]);
    expect(split(["x\n"])).toEqual(["x"]);
  });

  test("keeps multi-byte characters split across chunks", () => {
    const bytes = new TextEncoder().encode("é\n");
    expect(split([bytes.subarray(0, 1), bytes.subarray(1)])).toEqual(["é"]);
  });

  test("caps lines at 4 KiB and drops the rest of the line", () => {
    const lines = split(["y".repeat(MAX_LINE_BYTES - 10), `${"y".repeat(100)}\nnext`]);
    expect(lines.map((l) => l.length)).toEqual([MAX_LINE_BYTES, 4]);
  });
});
