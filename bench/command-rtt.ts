/**
 * Command round trip: N simulated agents; commands created through REST; time until `completed` is visible
 * through REST. The bare MQTT publish→receive round trip on the same broker is measured in the same run
 * as the reference.
 *
 *   npm run bench -- [--agents 20] [--commands 500] [--concurrency 16]
 *   (DATABASE_URL / MQTT_URL select a real PostgreSQL / broker, as for the control plane)
 */
import { parseArgs } from "node:util";
import mqtt from "mqtt";
import { startControlPlane } from "../control-plane/src/app";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import { startSimAgent } from "./sim-agent";
import { fmt, summarize } from "./stats";

const { values } = parseArgs({
  options: {
    agents: { type: "string", default: "20" },
    commands: { type: "string", default: "500" },
    concurrency: { type: "string", default: "16" },
    "mqtt-samples": { type: "string", default: "1000" },
  },
});
const agents = Number(values.agents);
const total = Number(values.commands);
const concurrency = Number(values.concurrency);

const adminKey = newSecret("roz_sk_");
const plane = await startControlPlane({ port: 0, mqttPort: 0, grpcPort: 0, host: "127.0.0.1", logLevel: "silent", dataDir: "memory://", adminKey });
const api = new ApiClient(plane.url);
const mqttUrl = plane.transport.mqttUrl;
console.log(`control plane ${plane.url} · database ${plane.database.kind} · broker ${plane.transport.broker ? "embedded aedes" : mqttUrl}`);

// Fleet: hosts, identities, simulated agents.
const sims = [];
const hostIds: string[] = [];
for (let i = 0; i < agents; i++) {
  const host = (await api.post("/api/v1/hosts", { name: `bench-${i}-${Date.now()}` }, adminKey)).body;
  const identity = (await api.post("/api/runtime/identities", { hostId: host.id }, adminKey)).body;
  const tokens = (await api.post("/api/runtime/bootstrap/exchange", { runtimeId: identity.runtimeId, bootstrapToken: identity.bootstrapToken })).body;
  sims.push(await startSimAgent(mqttUrl, tokens));
  hostIds.push(host.id);
}
for (;;) {
  const online = (await api.get("/api/v1/hosts?status=online", adminKey)).body.items.length;
  if (online >= agents) break;
  await Bun.sleep(20);
}

async function oneCommand(hostId: string): Promise<number> {
  const start = performance.now();
  const created = await api.post("/api/v1/commands", { hostId, kind: "noop" }, adminKey);
  for (;;) {
    const res = await api.get(`/api/v1/commands/${created.body.id}`, adminKey);
    if (res.body.status === "completed") return performance.now() - start;
    await Bun.sleep(1);
  }
}

const samples: number[] = [];
let issued = 0;
const wallStart = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (issued < total) {
      const hostId = hostIds[issued++ % hostIds.length]!;
      samples.push(await oneCommand(hostId));
    }
  }),
);
const commandStats = summarize(samples, performance.now() - wallStart);

// Reference: bare MQTT publish → receive round trip (QoS 1) through the same broker.
async function mqttRoundTrip(n: number): Promise<number[]> {
  const client = await mqtt.connectAsync(mqttUrl, { ...plane.transport.credentials, clientId: `bench-echo-${Date.now()}` });
  const name = `bench/echo/${Date.now()}`;
  await client.subscribeAsync(name, { qos: 1 });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const received = new Promise<void>((resolve) => client.once("message", () => resolve()));
    const t0 = performance.now();
    client.publish(name, Buffer.from(String(i)), { qos: 1 });
    await received;
    out.push(performance.now() - t0);
  }
  await client.endAsync();
  return out;
}
const mqttStart = performance.now();
const mqttSamples = await mqttRoundTrip(Number(values["mqtt-samples"]));
const mqttStats = summarize(mqttSamples, performance.now() - mqttStart);

console.log(`\ncommand round trip (REST create → agent → completed visible over REST), ${agents} agents, concurrency ${concurrency}`);
console.log(`  n=${commandStats.n}  p50=${fmt(commandStats.p50)}  p99=${fmt(commandStats.p99)}  throughput=${commandStats.throughputPerSec.toFixed(1)} commands/s`);
console.log(`MQTT QoS1 publish → receive round trip, same broker (reference)`);
console.log(`  n=${mqttStats.n}  p50=${fmt(mqttStats.p50)}  p99=${fmt(mqttStats.p99)}`);
console.log(`ratio command p50 / MQTT p50: ${(commandStats.p50 / mqttStats.p50).toFixed(1)}x`);

for (const sim of sims) await sim.endAsync(true);
await plane.stop();
process.exit(0);
