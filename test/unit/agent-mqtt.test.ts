/** The agent against a real (in-process) MQTT broker, with an injected identity: no control plane needed. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { connectMqtt, type MqttClientOptions, type MqttLink } from "../../edge-agent/src/agent/mqtt/client.ts";
import { startAgent, type Agent, type AgentSettings } from "../../edge-agent/src/agent/agent.ts";
import { ExitCode } from "../../edge-agent/src/exit-codes.ts";
import { silentLogger } from "@edge/proto/log";
import { openAgentDatabase } from "../../edge-agent/src/store/database.ts";
import { AGENT_VERSION } from "../../edge-agent/src/version.ts";
import { CommandStatus, PresenceState, codecs, topic } from "@edge/proto/wire";
import { startTestBroker, type TestBroker } from "../../edge-agent/test-support/broker.ts";
import { FakeAuthApi } from "../../edge-agent/test-support/fake-auth.ts";
import { MemoryIdentitySource, TEST_IDENTITY, tempDir, testIdentity } from "../../edge-agent/test-support/helpers.ts";
import { waitFor } from "../support/wait";
import { commandPayload, policySetPayload } from "../../edge-agent/test-support/runner-harness.ts";

const T = (channel: Parameters<typeof topic>[2]) => topic(TEST_IDENTITY.tenantId, TEST_IDENTITY.hostId, channel);

let dir: ReturnType<typeof tempDir>;
let db: Database;
let broker: TestBroker;
let agent: Agent | undefined;
let clients: { options: MqttClientOptions; client: MqttLink }[];
let auth: FakeAuthApi;
let tokens: MemoryIdentitySource;

function settings(overrides: Partial<AgentSettings> = {}): AgentSettings {
  return {
    mqttUrl: broker.url,
    runtimeId: TEST_IDENTITY.runtimeId,
    statusIntervalMs: 60_000,
    keepaliveSeconds: 5,
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    policyWaitMs: 5_000,
    ...overrides,
  };
}

async function start(overrides: Partial<AgentSettings> = {}, extra: Partial<Parameters<typeof startAgent>[0]> = {}) {
  agent = await startAgent({
    settings: settings(overrides),
    db,
    identity: TEST_IDENTITY,
    tokens,
    authApi: auth,
    log: silentLogger,
    mqttConnect: (options) => {
      const client = connectMqtt(options);
      clients.push({ options, client });
      return client;
    },
    ...extra,
  });
  return agent;
}

const published = (channel: string) => broker.published.filter((p) => p.channel === channel);
const presences = () => published("presence").map((p) => ({ ...codecs.presence.decode(p.payload), retain: p.retain }));
const acks = (commandId: string) =>
  published("ack")
    .map((p) => codecs.commandUpdate.decode(p.payload))
    .filter((u) => u.commandId === commandId);
const isOnline = () => presences().some((p) => p.state === PresenceState.PRESENCE_STATE_ONLINE);

beforeEach(async () => {
  dir = tempDir();
  db = openAgentDatabase(dir.path);
  broker = await startTestBroker();
  broker.validPasswords.add("access-1");
  clients = [];
  auth = new FakeAuthApi((token) => broker.validPasswords.add(token));
  tokens = new MemoryIdentitySource(testIdentity());
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  for (const { client } of clients) client.end(true);
  await broker.close();
  db.close();
  dir.remove();
});

describe("agent over MQTT", () => {
  test("connects with a persistent session and an OFFLINE Last Will, announces ONLINE, runs commands, says OFFLINE on stop", async () => {
    await start();
    await waitFor("ONLINE presence", isOnline, 3000);
    const { options } = clients[0]!;
    expect(options).toMatchObject({
      protocol: "mqtt",
      host: "127.0.0.1",
      port: broker.port,
      clientId: TEST_IDENTITY.runtimeId,
      username: TEST_IDENTITY.runtimeId,
      password: "access-1",
      clean: false,
      reconnectPeriod: 0,
      keepalive: 5,
    });
    expect(options.will).toMatchObject({ topic: T("presence"), qos: 1, retain: true });
    expect(codecs.presence.decode(options.will!.payload)).toMatchObject({
      state: PresenceState.PRESENCE_STATE_OFFLINE,
      agentVersion: AGENT_VERSION,
    });
    expect(presences()).toEqual([
      {
        state: PresenceState.PRESENCE_STATE_ONLINE,
        agentVersion: AGENT_VERSION,
        atMs: expect.any(Number),
        retain: true,
      },
    ]);

    await waitFor("status report", () => published("status").length > 0, 2000);
    await broker.publish(T("policies"), policySetPayload([{ rules: { allowedKinds: ["echo"] } }]), true);
    await broker.publish(T("cmd"), commandPayload("cmd_1", "echo", { ping: 1 }));
    await waitFor("acks", () => acks("cmd_1").length === 2, 3000);
    expect(acks("cmd_1").map((u) => u.status)).toEqual([
      CommandStatus.COMMAND_STATUS_RUNNING,
      CommandStatus.COMMAND_STATUS_COMPLETED,
    ]);
    expect(JSON.parse(acks("cmd_1")[1]!.resultJson)).toEqual({ ping: 1 });

    expect(await agent!.stop()).toBe(ExitCode.ok);
    expect(presences().map((p) => p.state)).toEqual([
      PresenceState.PRESENCE_STATE_ONLINE,
      PresenceState.PRESENCE_STATE_OFFLINE,
    ]);
    expect(presences()[1]!.retain).toBe(true);
  });

  test("the Last Will announces OFFLINE when the connection dies; the agent reconnects by itself", async () => {
    await start();
    await waitFor("ONLINE presence", isOnline, 3000);
    broker.dropClient(TEST_IDENTITY.runtimeId);
    // The agent itself only says OFFLINE on stop(): this one is the broker publishing its Last Will.
    await waitFor("Last Will, then ONLINE again", () => presences().length === 3, 3000);
    expect(presences().map((p) => [p.state, p.retain])).toEqual([
      [PresenceState.PRESENCE_STATE_ONLINE, true],
      [PresenceState.PRESENCE_STATE_OFFLINE, true],
      [PresenceState.PRESENCE_STATE_ONLINE, true],
    ]);
    expect(clients.length).toBe(2);
  });

  test("nothing is lost while the broker is away: the outbox is flushed in order on reconnect", async () => {
    await broker.pause();
    await start({ telemetryPort: 0 });
    const url = `http://127.0.0.1:${agent!.telemetryPort}/telemetry`;
    for (let i = 0; i < 5; i++) {
      const response = await fetch(url, { method: "POST", body: JSON.stringify({ name: "battery", value: i }) });
      expect(response.status).toBe(202);
    }
    await Bun.sleep(100); // a few failed connection attempts
    await broker.listen();
    await waitFor("telemetry flush", () => published("telemetry").length >= 5, 3000);
    const points = published("telemetry")
      .flatMap((p) => codecs.telemetry.decode(p.payload).points)
      .filter((p) => p.name === "battery");
    expect(points.map((p) => p.value)).toEqual([0, 1, 2, 3, 4]);
    expect(points.map((p) => p.seq)).toEqual([...points.map((p) => p.seq)].sort((a, b) => a - b));
    const outboxSize = () => (db.query("SELECT count(*) AS n FROM outbox").get() as { n: number }).n;
    await waitFor("outbox emptied", () => outboxSize() === 0, 2000);
  });

  test("a PUBACKed message stays in the outbox until the control plane's receipt, and is resent until then", async () => {
    broker.receipts = false; // the broker takes messages, no control plane applies them
    await start({ telemetryPort: 0, receiptTimeoutMs: 200 });
    await waitFor("ONLINE presence", isOnline, 3000);
    const url = `http://127.0.0.1:${agent!.telemetryPort}/telemetry`;
    expect((await fetch(url, { method: "POST", body: JSON.stringify({ name: "lost", value: 1 }) })).status).toBe(202);
    const copies = () =>
      published("telemetry")
        .map((p) => codecs.telemetry.decode(p.payload))
        .filter((b) => b.points.some((pt) => pt.name === "lost"));
    await waitFor("a resend after the receipt timeout", () => copies().length >= 2, 3000);
    const [original, resent] = copies();
    expect(original!.agentSeq).toBeGreaterThan(0);
    expect(resent!.agentSeq).toBe(original!.agentSeq); // the same message, so the control plane dedupes it
    expect(original!.agentSeqFloor).toBeLessThan(original!.agentSeq!);
    const outboxSize = () => (db.query("SELECT count(*) AS n FROM outbox").get() as { n: number }).n;
    expect(outboxSize()).toBeGreaterThan(0); // PUBACKed many times, never deleted

    broker.receipts = true; // the control plane is back
    await waitFor("a receipted resend", () => broker.receipted.includes(original!.agentSeq!), 5000);
    await waitFor("outbox emptied by receipts", () => outboxSize() === 0, 3000);
  });

  test("a receipt covers rows by through_seq too, whichever connection sent them", async () => {
    broker.receipts = false;
    await start({ telemetryPort: 0, receiptTimeoutMs: 60_000 });
    await waitFor("ONLINE presence", isOnline, 3000);
    const url = `http://127.0.0.1:${agent!.telemetryPort}/telemetry`;
    for (let i = 0; i < 3; i++)
      await fetch(url, { method: "POST", body: JSON.stringify({ name: "through", value: i }) });
    await waitFor("telemetry sent", () => published("telemetry").length >= 3, 3000);
    const highest = Math.max(...published("telemetry").map((p) => codecs.telemetry.decode(p.payload).agentSeq!));
    const outboxSize = () => (db.query("SELECT count(*) AS n FROM outbox").get() as { n: number }).n;
    await waitFor("rows kept", () => outboxSize() >= 3, 2000);
    await broker.publish(T("receipt"), codecs.receipt.encode({ throughSeq: highest, seqs: [] }));
    await waitFor(
      "rows through the receipt removed",
      () => outboxSize() === 0 || (db.query("SELECT min(seq) AS s FROM outbox").get() as { s: number }).s > highest,
      3000,
    );
  });

  test("undecodable commands, cancels and stops are acknowledged and dropped; the next command runs", async () => {
    await start();
    await waitFor("ONLINE presence", isOnline, 3000);
    await broker.publish(T("policies"), policySetPayload([]), true);
    const garbage = new Uint8Array([0xff, 0xff, 0xff]);
    for (const channel of ["cmd", "cancel", "estop"] as const) await broker.publish(T(channel), garbage);
    await broker.publish(T("cmd"), commandPayload("after_garbage", "echo", {}));
    await waitFor("acks", () => acks("after_garbage").length === 2, 3000);
    expect(published("ack").map((p) => codecs.commandUpdate.decode(p.payload).commandId)).toEqual([
      "after_garbage",
      "after_garbage",
    ]);
  });

  test("commands sent while the agent is away are queued by the broker (persistent session) and run on its return", async () => {
    await start();
    await waitFor("ONLINE presence", isOnline, 3000);
    await broker.publish(T("policies"), policySetPayload([]), true);
    await agent!.stop();
    agent = undefined;
    await broker.publish(T("cmd"), commandPayload("while_away", "echo", { queued: true }));
    await start();
    await waitFor("queued command acks", () => acks("while_away").length === 2, 3000);
    expect(acks("while_away").map((u) => u.status)).toEqual([
      CommandStatus.COMMAND_STATUS_RUNNING,
      CommandStatus.COMMAND_STATUS_COMPLETED,
    ]);
  });

  test("a refused password triggers a token refresh, then a reconnect with the new token", async () => {
    broker.validPasswords.clear(); // access-1 is no longer accepted
    await start();
    await waitFor("ONLINE after refresh", isOnline, 3000);
    expect(auth.refreshCalls).toEqual(["refresh-1"]);
    expect(tokens.value).toMatchObject({
      accessToken: "access-issued-1",
      refreshToken: "refresh-issued-1",
      hostId: TEST_IDENTITY.hostId,
    });
    expect(broker.connects.map((c) => c.password)).toEqual(["access-1", "access-issued-1"]);
  });

  test("while the control plane is unreachable, refresh is retried with backoff", async () => {
    broker.validPasswords.clear();
    auth.scripted.push(
      { ok: false, kind: "unavailable", message: "ECONNREFUSED" },
      { ok: false, kind: "unavailable", message: "ECONNREFUSED" },
    );
    await start();
    await waitFor("ONLINE after retried refresh", isOnline, 3000);
    expect(auth.refreshCalls).toEqual(["refresh-1", "refresh-1", "refresh-1"]);
  });

  test("a rejected refresh (revoked identity) stops the agent with exit code 3 and publishes nothing", async () => {
    broker.validPasswords.clear();
    auth.scripted.push({ ok: false, kind: "rejected", status: 401, message: "runtime identity revoked" });
    await start();
    expect(await agent!.exited).toBe(ExitCode.rejected);
    expect(broker.published.filter((p) => p.clientId !== undefined)).toEqual([]);
  });

  test("refreshes proactively when the token is due", async () => {
    tokens.value = testIdentity({ refreshDueAt: Date.now() + 50 });
    await start();
    await waitFor("scheduled refresh", () => auth.refreshCalls.length === 1, 2000);
    await waitFor(
      'tokens.value?.accessToken === "access-issued-1"',
      () => tokens.value?.accessToken === "access-issued-1",
    );
  });

  test("an actor that keeps crashing escalates: the agent stops with exit code 1", async () => {
    const broken = {
      load: () => {
        throw new Error("disk on fire");
      },
      save: () => {},
    };
    await start({}, { tokens: broken, supervision: { initialDelayMs: 1, maxDelayMs: 2, maxRestarts: 2 } });
    expect(await agent!.exited).toBe(ExitCode.failure);
  });
});
