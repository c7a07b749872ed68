/**
 * Emergency-stop latency, one run, same control plane and broker:
 *   - from the REST call (POST /api/v1/estop) to the agent's acknowledgement "stop latched, all running work
 *     killed" being committed by the control plane (the `acknowledgedAt` the API shows), per host;
 *   - for 1 host (repeated) and for a fleet (default 1,000 hosts, one stop for all, repeated);
 *   - reference: the bare MQTT QoS 1 publish → receive round trip on the same broker.
 * Simulated agents (MQTT clients with real runtime credentials) each run one simulated job (a timer); on a stop
 * they cancel it, then publish their AgentSafetyState — the real agent additionally SIGTERMs its processes.
 *
 *   npm run bench:estop -- [--hosts 1000] [--single-rounds 50] [--fleet-rounds 5]
 *   (DATABASE_URL / MQTT_URL select a real PostgreSQL / broker, as for the control plane)
 */
import { parseArgs } from "node:util";
import mqtt, { type MqttClient } from "mqtt";
import { inArray } from "drizzle-orm";
import { startBenchPlane } from "./plane";
import { hostSafety } from "../control-plane/src/db/schema";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import { codecs, PresenceState, topic } from "@edge/proto/wire";
import { bareMqttRoundTrip } from "./reference";
import { fmt, summarize } from "./stats";

const { values } = parseArgs({
  options: {
    hosts: { type: "string", default: "1000" },
    "single-rounds": { type: "string", default: "50" },
    "fleet-rounds": { type: "string", default: "5" },
    "mqtt-samples": { type: "string", default: "1000" },
  },
});
const fleetSize = Number(values.hosts);

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey);
const api = new ApiClient(plane.url);
const mqttUrl = plane.transport.mqttUrl;
console.log(
  `control plane ${plane.url} · database ${plane.database.kind} · broker ${plane.transport.broker ? "embedded aedes" : mqttUrl}`,
);

interface Identity {
  runtimeId: string;
  tenantId: string;
  hostId: string;
  accessToken: string;
}

async function provision(label: string): Promise<Identity> {
  const host = (
    await api.post(
      "/api/v1/hosts",
      { name: `estop-${label}-${crypto.randomUUID()}`, labels: { bench: label } },
      adminKey,
    )
  ).body;
  const identity = (await api.post("/api/runtime/identities", { hostId: host.id }, adminKey)).body;
  return (
    await api.post("/api/runtime/bootstrap/exchange", {
      runtimeId: identity.runtimeId,
      bootstrapToken: identity.bootstrapToken,
    })
  ).body;
}

/** An agent that only knows the emergency stop: latches the newest generation, cancels its job, acknowledges. */
async function startSimAgent(id: Identity): Promise<MqttClient> {
  const client = await mqtt.connectAsync(mqttUrl, {
    clientId: id.runtimeId,
    username: id.runtimeId,
    password: id.accessToken,
    clean: true,
    reconnectPeriod: 0,
  });
  let generation = 0;
  let engaged = false;
  let job: ReturnType<typeof setTimeout> | undefined = setTimeout(() => {}, 3_600_000);
  const report = (killed: number) =>
    client.publish(
      topic(id.tenantId, id.hostId, "safety"),
      Buffer.from(
        codecs.safetyState.encode({
          estopGeneration: generation,
          remoteEngaged: engaged,
          localEngaged: false,
          localReason: "",
          killed,
          policyVersion: 0,
          atMs: Date.now(),
        }),
      ),
      { qos: 1 },
    );
  client.on("message", (_topic, payload) => {
    const stop = codecs.emergencyStop.decode(payload);
    if (stop.generation <= generation) return report(0);
    generation = stop.generation;
    engaged = stop.engaged;
    let killed = 0;
    if (engaged && job) {
      clearTimeout(job);
      job = undefined;
      killed = 1;
    } else if (!engaged) job = setTimeout(() => {}, 3_600_000);
    report(killed);
  });
  await client.subscribeAsync(topic(id.tenantId, id.hostId, "estop"), { qos: 1 });
  await client.publishAsync(
    topic(id.tenantId, id.hostId, "presence"),
    Buffer.from(
      codecs.presence.encode({ state: PresenceState.PRESENCE_STATE_ONLINE, agentVersion: "sim", atMs: Date.now() }),
    ),
    { qos: 1, retain: true },
  );
  return client;
}

/** Provisions `n` hosts labelled `label` with simulated agents (16 at a time). */
async function fleet(label: string, n: number): Promise<{ ids: Identity[]; clients: MqttClient[] }> {
  const ids: Identity[] = [];
  const clients: MqttClient[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(16, n) }, async () => {
      while (next < n) {
        next++;
        const id = await provision(label);
        ids.push(id);
        clients.push(await startSimAgent(id));
      }
    }),
  );
  return { ids, clients };
}

/**
 * One stop (or reset) over a selector; waits until every host acknowledged it. Returns per-host latencies
 * (REST call → acknowledgement committed) in ms.
 */
async function round(label: string, hosts: number, engaged: boolean): Promise<number[]> {
  const t0 = performance.timeOrigin + performance.now();
  const res = await api.post(
    engaged ? "/api/v1/estop" : "/api/v1/estop/reset",
    { scope: { selector: { labels: { bench: label } } }, reason: "bench" },
    adminKey,
  );
  if (res.status !== 202 || res.body.hosts !== hosts)
    throw new Error(`estop: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  const ids: string[] = res.body.items.map((i: { hostId: string }) => i.hostId);
  const generations = new Map<string, number>(
    res.body.items.map((i: { hostId: string; estop: { generation: number } }) => [i.hostId, i.estop.generation]),
  );
  // Completion is checked in the database directly (cheap); the latencies come from the recorded acknowledgement times.
  for (;;) {
    const rows = await plane.database.db
      .select({
        hostId: hostSafety.hostId,
        ackGeneration: hostSafety.ackGeneration,
        ackAt: hostSafety.ackAt,
        engaged: hostSafety.ackRemoteEngaged,
      })
      .from(hostSafety)
      .where(inArray(hostSafety.hostId, ids));
    const done = rows.filter((r) => r.ackGeneration === generations.get(r.hostId) && r.engaged === engaged);
    if (done.length === ids.length) return done.map((r) => r.ackAt!.getTime() - t0);
    await Bun.sleep(100);
  }
}

async function measure(label: string, hosts: number, rounds: number) {
  const { clients } = await fleet(label, hosts);
  const perHost: number[] = [];
  const allKilled: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const latencies = await round(label, hosts, true);
    perHost.push(...latencies);
    allKilled.push(Math.max(...latencies));
    await round(label, hosts, false);
  }
  await Promise.all(clients.map((c) => c.endAsync(true)));
  return { perHost: summarize(perHost, 1), allKilled: summarize(allKilled, 1) };
}

const single = await measure("single", 1, Number(values["single-rounds"]));
const many = await measure("fleet", fleetSize, Number(values["fleet-rounds"]));
const bare = summarize(
  await bareMqttRoundTrip(mqttUrl, plane.transport.credentials ?? {}, Number(values["mqtt-samples"])),
  1,
);

console.log(`\nemergency stop: REST call → "stop latched, all running work killed" acknowledged and committed`);
console.log(`  1 host      (${single.perHost.n} stops): p50=${fmt(single.perHost.p50)} p99=${fmt(single.perHost.p99)}`);
console.log(
  `  ${fleetSize} hosts (${many.allKilled.n} stops): ` +
    `per host p50=${fmt(many.perHost.p50)} p99=${fmt(many.perHost.p99)} · last host (whole fleet stopped) p50=${fmt(many.allKilled.p50)} max=${fmt(many.allKilled.p99)}`,
);
console.log(
  `bare MQTT QoS 1 publish → receive, same broker (reference): p50=${fmt(bare.p50)}  p99=${fmt(bare.p99)}  (n=${bare.n})`,
);

await plane.stop();
process.exit(0);
