import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { Database } from "bun:sqlite";
import { ActorSystem, type ActorRef } from "../../edge-agent/src/actors/index.ts";
import { status } from "../../edge-agent/src/agent/status.ts";
import { BATCH_SIZE, telemetry, type TelemetryMsg } from "../../edge-agent/src/agent/telemetry.ts";
import { startTelemetryServer, type TelemetryServer } from "../../edge-agent/src/agent/telemetry-http.ts";
import { silentLogger } from "@edge/proto/log";
import { CommandStore } from "../../edge-agent/src/store/command-store.ts";
import { openAgentDatabase } from "../../edge-agent/src/store/database.ts";
import { Outbox } from "../../edge-agent/src/store/outbox.ts";
import { Sequence } from "../../edge-agent/src/store/sequence.ts";
import { AGENT_VERSION } from "../../edge-agent/src/version.ts";
import { codecs, type TelemetryPoint } from "@edge/proto/wire";
import { tempDir } from "../../edge-agent/test-support/helpers.ts";
import { waitFor } from "../support/wait";

const TOPIC = "edge/tenant_1/host_1/telemetry";
const STATUS_TOPIC = "edge/tenant_1/host_1/status";

let dir: ReturnType<typeof tempDir>;
let db: Database;
let system: ActorSystem;
let ref: ActorRef<TelemetryMsg>;
let server: TelemetryServer | undefined;

function spawnTelemetry() {
  system = new ActorSystem();
  ref = system.spawn(
    "telemetry",
    telemetry({
      db,
      outbox: new Outbox(db),
      sequence: new Sequence(db, "telemetry_seq"),
      topic: TOPIC,
      log: silentLogger,
    }),
  );
}

function batches(): TelemetryPoint[][] {
  return new Outbox(db)
    .after(0, 10_000)
    .filter((r) => r.topic === TOPIC)
    .map((r) => codecs.telemetry.decode(r.payload).points);
}

beforeEach(() => {
  dir = tempDir();
  db = openAgentDatabase(dir.path);
  spawnTelemetry();
});
afterEach(async () => {
  await server?.stop();
  server = undefined;
  await system.stop();
  db.close();
  dir.remove();
});

describe("telemetry actor", () => {
  test("assigns durable, increasing seqs (across restarts) and batches at most 100 points", async () => {
    const points = Array.from({ length: 250 }, (_, i) => ({
      name: "battery",
      value: i / 250,
      tags: { cell: String(i % 3) },
    }));
    expect(await ref.ask<number>((replyTo) => ({ type: "record", points, replyTo }))).toBe(250);
    await system.stop();
    db.close();
    db = openAgentDatabase(dir.path);
    spawnTelemetry();
    await ref.ask<number>((replyTo) => ({ type: "record", points: [{ name: "after_restart", value: 1 }], replyTo }));

    const sent = batches();
    expect(sent.map((b) => b.length)).toEqual([BATCH_SIZE, BATCH_SIZE, 50, 1]);
    const seqs = sent.flat().map((p) => p.seq);
    expect(seqs).toEqual(Array.from({ length: 251 }, (_, i) => seqs[0]! + i));
    expect(sent[0]![1]).toMatchObject({ name: "battery", value: 1 / 250, tags: { cell: "1" } });
    expect(sent[3]![0]!.atMs).toBeGreaterThan(0);
  });

  test("drops points without a finite value", async () => {
    const stored = await ref.ask<number>((replyTo) => ({
      type: "record",
      points: [
        { name: "x", value: Number.NaN },
        { name: "y", value: 2 },
      ],
      replyTo,
    }));
    expect(stored).toBe(1);
    expect(
      batches()
        .flat()
        .map((p) => p.name),
    ).toEqual(["y"]);
  });
});

describe("status actor", () => {
  test("reports AgentStatus and agent.load1 / agent.memory_free_bytes right away and every interval", async () => {
    system.spawn(
      "status",
      status({
        outbox: new Outbox(db),
        topic: STATUS_TOPIC,
        commands: new CommandStore(db),
        telemetry: ref,
        intervalMs: 100,
        agentVersion: AGENT_VERSION,
      }),
    );
    await waitFor(
      "new Outbox(db).after(0, 100).filter((r) => r.topic === STATUS_TOPIC...",
      () => new Outbox(db).after(0, 100).filter((r) => r.topic === STATUS_TOPIC).length >= 2,
      1000,
    );
    const report = codecs.status.decode(new Outbox(db).after(0, 100).find((r) => r.topic === STATUS_TOPIC)!.payload);
    expect(report.agentVersion).toBe(AGENT_VERSION);
    expect(report.memoryTotalBytes).toBeGreaterThan(report.memoryFreeBytes);
    expect(report.runningCommands).toBe(0);
    expect(report.uptimeSeconds).toBeGreaterThan(0);
    await waitFor("batches().length > 0", () => batches().length > 0);
    expect(batches()[0]!.map((p) => p.name)).toEqual(["agent.load1", "agent.memory_free_bytes"]);
  });
});

describe("local telemetry endpoint", () => {
  const post = (body: string, path = "/telemetry", method = "POST") =>
    fetch(`http://127.0.0.1:${server!.port}${path}`, {
      method,
      body: method === "POST" ? body : undefined,
      headers: { "content-type": "application/json" },
    });

  test("accepts a batch or a single point with 202", async () => {
    server = startTelemetryServer(0, ref, silentLogger);
    expect(server.port).toBeGreaterThan(0);
    const batch = await post(
      JSON.stringify({
        points: [
          { name: "battery", value: 0.8, tags: { pack: "a" } },
          { name: "temp", value: 41.5, atMs: 1_700_000_000_000 },
        ],
      }),
    );
    expect(batch.status).toBe(202);
    expect(await batch.json()).toEqual({ accepted: 2 });
    expect((await post(JSON.stringify({ name: "speed", value: 1.2 }))).status).toBe(202);
    expect(
      batches()
        .flat()
        .map((p) => [p.name, p.value]),
    ).toEqual([
      ["battery", 0.8],
      ["temp", 41.5],
      ["speed", 1.2],
    ]);
    expect(batches()[0]![1]!.atMs).toBe(1_700_000_000_000);
  });

  test.each([
    ["not json", "body must be JSON"],
    [JSON.stringify({ points: [] }), "invalid telemetry at /points"],
    [JSON.stringify({ points: [{ name: "x", value: "high" }] }), "invalid telemetry at /points/0/value"],
    [JSON.stringify({ name: "", value: 1 }), "invalid telemetry at /name"],
    [JSON.stringify({ name: "x", value: 1, tags: { a: 2 } }), "invalid telemetry at /tags/a"],
    [JSON.stringify({ name: "x", value: 1, extra: true }), "invalid telemetry"],
    [JSON.stringify([1, 2]), "invalid telemetry"],
  ])("rejects %s with 400", async (body, error) => {
    server = startTelemetryServer(0, ref, silentLogger);
    const response = await post(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toStartWith(error);
    expect(batches()).toEqual([]);
  });

  test("other paths and methods are refused", async () => {
    server = startTelemetryServer(0, ref, silentLogger);
    expect((await post("{}", "/other")).status).toBe(404);
    expect((await post("", "/telemetry", "GET")).status).toBe(405);
  });
});
