/**
 * Telemetry ingest, one run, same control plane and database:
 *   - ingest: N simulated agents (MQTT clients with real runtime credentials) each keep a window of numbered
 *     telemetry messages of 100 points in flight; a message counts once its receipt arrives (the control plane
 *     sends it only after the points are committed); unreceipted messages are resent after a timeout, as the real
 *     agent's outbox does (back-pressure: a saturated control plane refuses, it never queues without bound).
 *   - reference: the bare batched insert, the same 100-point multi-row INSERTs straight into the same table
 *     (C in flight), on the same database.
 *
 *   npm run bench:telemetry -- [--agents 50] [--seconds 10] [--window 4] [--batch 100] [--concurrency 4]
 *   (DATABASE_URL selects a real PostgreSQL; the benchmark bootstraps into it, so point it at a scratch one)
 */
import { parseArgs } from "node:util";
import mqtt, { type MqttClient } from "mqtt";
import { sql } from "drizzle-orm";
import { startBenchPlane } from "./plane";
import { telemetryPoints } from "../control-plane/src/db/schema";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import { codecs, PresenceState, topic } from "../proto/wire";
import type { SimAgentIdentity } from "./sim-agent";

const { values } = parseArgs({
  options: {
    agents: { type: "string", default: "50" },
    seconds: { type: "string", default: "10" },
    window: { type: "string", default: "4" },
    batch: { type: "string", default: "100" },
    concurrency: { type: "string", default: "4" },
  },
});
const agentCount = Number(values.agents);
const seconds = Number(values.seconds);
const windowSize = Number(values.window);
const batchSize = Number(values.batch);
const concurrency = Number(values.concurrency);
const RESEND_MS = 5_000;

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey, {
  logLevel: (process.env.LOG_LEVEL as "debug") ?? "silent",
  telemetryRetentionSweepMs: 0,
});
const api = new ApiClient(plane.url);
const mqttUrl = plane.transport.mqttUrl;
console.log(
  `control plane ${plane.url} · database ${plane.database.kind} · broker ${plane.transport.broker ? "embedded aedes" : mqttUrl}`,
);

async function provision(label: string): Promise<SimAgentIdentity> {
  const host = (await api.post("/api/v1/hosts", { name: `tel-${label}-${crypto.randomUUID()}` }, adminKey)).body;
  const identity = (await api.post("/api/runtime/identities", { hostId: host.id }, adminKey)).body;
  return (
    await api.post("/api/runtime/bootstrap/exchange", {
      runtimeId: identity.runtimeId,
      bootstrapToken: identity.bootstrapToken,
    })
  ).body;
}

const points = (firstSeq: number) =>
  Array.from({ length: batchSize }, (_, i) => ({
    name: `sensor.${i % 10}`,
    value: Math.random() * 100,
    tags: { unit: "c" },
    atMs: Date.now(),
    seq: firstSeq + i,
  }));

interface Agent {
  client: MqttClient;
  stopped: boolean;
}

let receiptedPoints = 0;
let resends = 0;

/** Keeps `windowSize` numbered messages in flight until stopped; counts points once receipted. */
async function startAgent(id: SimAgentIdentity): Promise<Agent> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: id.runtimeId,
    username: id.runtimeId,
    password: id.accessToken,
    clean: true,
    reconnectPeriod: 0,
  });
  const agent: Agent = { client, stopped: false };
  const inflight = new Map<number, { payload: Buffer; sentAt: number }>();
  let nextSeq = 1;
  let floor = 0;
  const send = (seq: number, payload: Buffer) => {
    inflight.set(seq, { payload, sentAt: performance.now() });
    client.publish(topic(id.tenantId, id.hostId, "telemetry"), payload, { qos: 1 });
  };
  const fill = () => {
    while (!agent.stopped && inflight.size < windowSize) {
      const seq = nextSeq++;
      const payload = codecs.telemetry.encode({
        points: points((seq - 1) * batchSize + 1),
        agentSeq: seq,
        agentSeqFloor: floor,
      });
      send(seq, Buffer.from(payload));
    }
  };
  client.on("message", (_t, payload) => {
    const receipt = codecs.receipt.decode(payload);
    for (const seq of [...inflight.keys()]) {
      if (seq <= receipt.throughSeq || receipt.seqs.includes(seq)) {
        inflight.delete(seq);
        receiptedPoints += batchSize;
      }
    }
    floor = Math.max(floor, receipt.throughSeq);
    fill();
  });
  const resender = setInterval(() => {
    const now = performance.now();
    for (const [seq, m] of inflight)
      if (now - m.sentAt > RESEND_MS) {
        resends++;
        send(seq, m.payload);
      }
    if (agent.stopped) clearInterval(resender);
  }, 250);
  await client.subscribeAsync(topic(id.tenantId, id.hostId, "receipt"), { qos: 1 });
  await client.publishAsync(
    topic(id.tenantId, id.hostId, "presence"),
    Buffer.from(
      codecs.presence.encode({ state: PresenceState.PRESENCE_STATE_ONLINE, agentVersion: "sim", atMs: Date.now() }),
    ),
    { qos: 1, retain: true },
  );
  (agent as Agent & { fill: () => void }).fill = fill;
  return agent;
}

const identities = await Promise.all(Array.from({ length: agentCount }, (_, i) => provision(`a${i}`)));
const agents = await Promise.all(identities.map(startAgent));

// Ingest: a short warm-up, then the measured window.
for (const a of agents) (a as Agent & { fill: () => void }).fill();
await Bun.sleep(1_000);
const writer = plane.services.hosts.telemetryWriter;
let peakBacklog = 0;
const sampler = setInterval(() => {
  const { queued, waiting } = writer.backlog;
  peakBacklog = Math.max(peakBacklog, queued + waiting);
}, 20);
const startPoints = receiptedPoints;
const t0 = performance.now();
await Bun.sleep(seconds * 1000);
const ingestRate = ((receiptedPoints - startPoints) / (performance.now() - t0)) * 1000;
clearInterval(sampler);
for (const a of agents) a.stopped = true;
await Bun.sleep(RESEND_MS); // the last receipts
await Promise.all(agents.map((a) => a.client.endAsync(true)));
const [stored] = await plane.database.db.select({ n: sql<number>`count(*)::int` }).from(telemetryPoints);
const rss = process.memoryUsage().rss / 2 ** 20;

// Reference: bare 100-point multi-row INSERTs into the same table, C in flight, for the same time.
const floorHosts = await Promise.all(Array.from({ length: concurrency }, (_, i) => provision(`floor${i}`)));
let floorPoints = 0;
const floorEnd = performance.now() + seconds * 1000;
const f0 = performance.now();
await Promise.all(
  floorHosts.map(async (host) => {
    for (let seq = 1; performance.now() < floorEnd; seq += batchSize) {
      const rows = points(seq).map((p) => ({
        tenantId: host.tenantId,
        hostId: host.hostId,
        seq: p.seq,
        name: p.name,
        value: p.value,
        tags: p.tags,
        at: new Date(p.atMs),
      }));
      await plane.database.db.insert(telemetryPoints).values(rows).onConflictDoNothing();
      floorPoints += rows.length;
    }
  }),
);
const floorRate = (floorPoints / (performance.now() - f0)) * 1000;

// The group-commit writer alone (HostService.recordTelemetry: screening, batching, one statement a batch), as many
// writes in flight as the agents had messages, without the per-message delivery bookkeeping of the agent inbox.
let writerPoints = 0;
const writerEnd = performance.now() + seconds * 1000;
const w0 = performance.now();
await Promise.all(
  Array.from({ length: agentCount * windowSize }, async (_, i) => {
    const host = identities[i % agentCount]!;
    for (let seq = 10_000_000 + i * 1_000_000; performance.now() < writerEnd; seq += batchSize) {
      await plane.services.hosts.recordTelemetry(host.tenantId, host.hostId, points(seq));
      writerPoints += batchSize;
    }
  }),
);
const writerRate = (writerPoints / (performance.now() - w0)) * 1000;

console.log(
  `\ntelemetry ingest, ${plane.database.kind}, ${agentCount} agents × ${windowSize} messages of ${batchSize} points in flight, ${seconds} s:`,
);
console.log(
  "  issue #16: PostgreSQL 16,000 points/s (bare 69,000: 23 %), PGlite 8,000 (bare 27,000: 30 %); target ≥ 60 %",
);
console.log(`  ingest (receipted = committed)   ${ingestRate.toFixed(0)} points/s`);
console.log(
  `  group-commit writer alone        ${writerRate.toFixed(0)} points/s (HostService.recordTelemetry, ${agentCount * windowSize} writes in flight)`,
);
console.log(
  `  reference: bare batched insert   ${floorRate.toFixed(0)} points/s (${batchSize}-row INSERTs, ${concurrency} in flight)`,
);
console.log(
  `  ratio ingest / floor ${((ingestRate / floorRate) * 100).toFixed(0)} % · writer alone / floor ${((writerRate / floorRate) * 100).toFixed(0)} %`,
);
console.log(
  `  stored ${stored!.n} points (receipted ${receiptedPoints}); resends after ${RESEND_MS} ms without receipt: ${resends}`,
);
console.log(`  writer backlog peak ${peakBacklog} points · control plane process RSS ${rss.toFixed(0)} MiB`);

await plane.stop();
process.exit(0);
