/**
 * Does a stalled MQTT consumer slow agents or the control plane? One run, one control plane, one broker:
 *   - phase "no consumer": N simulated agents publish telemetry (QoS 1) at a steady rate while commands are created
 *     through REST and acknowledged RUNNING then COMPLETED by the agents;
 *   - phase "reading consumer": the same, while a consumer key's mosquitto_sub reads the tenant's telemetry (protobuf
 *     and JSON): the broker forwards every byte once more;
 *   - phase "stalled consumer": the same, but that mosquitto_sub is stopped (SIGSTOP): it reads nothing. Whenever the
 *     broker drops it, a new stalled one takes its place.
 *   - reference: the bare MQTT QoS 1 publish → receive round trip on the same broker.
 * Measured: command round trip (REST create → `completed` committed, seen on the control plane's event bus) and
 * the agents' telemetry PUBACK latency.
 *
 * The phases alternate (`--rounds` times each, after a warm-up), so a drift of the machine's load hits both alike.
 *
 *   npm run bench:consumers -- [--agents 10] [--commands 300] [--concurrency 4] [--telemetry-kib 16] [--telemetry-hz 10]
 *     [--rounds 2]
 *   (DATABASE_URL selects a real PostgreSQL)
 */
import { parseArgs } from "node:util";
import { startBenchPlane } from "./plane";
import { newSecret } from "../control-plane/src/lib/secrets";
import { topic } from "../proto/wire";
import { ApiClient } from "../test/support/control-plane";
import { MosquittoSub } from "../test/support/mosquitto-clients";
import { bareMqttRoundTrip } from "./reference";
import { startMqttSimAgent, type SimAgentIdentity } from "./sim-agent";
import { fmt, summarize } from "./stats";

const { values } = parseArgs({
  options: {
    agents: { type: "string", default: "10" },
    commands: { type: "string", default: "300" },
    concurrency: { type: "string", default: "4" },
    "telemetry-kib": { type: "string", default: "16" },
    "telemetry-hz": { type: "string", default: "10" },
    rounds: { type: "string", default: "2" },
    "mqtt-samples": { type: "string", default: "500" },
  },
});
const agents = Number(values.agents);
const total = Number(values.commands);
const concurrency = Number(values.concurrency);
const telemetryBytes = Number(values["telemetry-kib"]) * 1024;
const telemetryHz = Number(values["telemetry-hz"]);

if (!Bun.which("mosquitto_sub")) throw new Error("mosquitto_sub missing: apt-get install -y mosquitto-clients");

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey, {
  mqttUrl: undefined,
});
const broker = plane.transport.broker;
if (!broker) throw new Error("this benchmark needs the embedded broker (unset MQTT_URL)");
const api = new ApiClient(plane.url);
const mqttUrl = plane.transport.mqttUrl;
const tenantId = (await api.get("/api/users/me", adminKey)).body.tenantId as string;
console.log(`control plane ${plane.url} · database ${plane.database.kind} · broker embedded aedes`);

async function provision(): Promise<SimAgentIdentity> {
  const host = (await api.post("/api/v1/hosts", { name: `bench-${crypto.randomUUID()}` }, adminKey)).body;
  const identity = (await api.post("/api/runtime/identities", { hostId: host.id }, adminKey)).body;
  return (
    await api.post("/api/runtime/bootstrap/exchange", {
      runtimeId: identity.runtimeId,
      bootstrapToken: identity.bootstrapToken,
    })
  ).body;
}

const fleet: { id: SimAgentIdentity; agent: Awaited<ReturnType<typeof startMqttSimAgent>> }[] = [];
for (let i = 0; i < agents; i++) {
  const id = await provision();
  fleet.push({ id, agent: await startMqttSimAgent(mqttUrl, id) });
}

// Completions as the control plane commits them.
const waiting = new Map<string, () => void>();
plane.services.events.subscribe((event) => {
  if (event.type === "command.transition" && event.status === "completed") waiting.get(event.commandId)?.();
});

/**
 * Telemetry from every agent at `telemetryHz`, QoS 1, until stopped; PUBACK latencies collected. The payload is
 * opaque bytes (not a TelemetryBatch): the control plane decodes and drops it, so the database load is the same in
 * both phases and small; the broker still forwards every byte to the consumers.
 */
function telemetryLoad() {
  const pubacks: number[] = [];
  const payload = Buffer.alloc(telemetryBytes, 0xff);
  let running = true;
  const loops = fleet.map(async ({ id, agent }) => {
    while (running) {
      const t0 = performance.now();
      await agent.client.publishAsync(topic(id.tenantId, id.hostId, "telemetry"), payload, { qos: 1 });
      pubacks.push(performance.now() - t0);
      await Bun.sleep(Math.max(0, 1000 / telemetryHz - (performance.now() - t0)));
    }
  });
  return {
    pubacks,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * Keeps one consumer subscribed to the tenant's telemetry: a new one whenever the broker drops the last. `stalled`:
 * it is stopped as soon as it is subscribed.
 */
function consumers(key: { id: string; key: string }, stalled: boolean) {
  const port = Number(new URL(mqttUrl).port);
  const subs: MosquittoSub[] = [];
  let running = true;
  let n = 0;
  const loop = (async () => {
    while (running) {
      if (broker!.consumerClients(key.id).length === 0) {
        const sub = new MosquittoSub({ port, username: key.id, password: key.key, clientId: `${key.id}-${n++}` }, [
          `edge/${tenantId}/+/telemetry`,
          `edge-json/${tenantId}/#`,
        ]);
        subs.push(sub);
        await sub.subscribed();
        if (stalled) sub.pause();
      }
      await Bun.sleep(20);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await Promise.all(subs.map((s) => s.stop()));
      return subs.length;
    },
  };
}

async function commands(total: number) {
  const samples: number[] = [];
  let issued = 0;
  const wallStart = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < total) {
        const { id } = fleet[issued++ % fleet.length]!;
        const t0 = performance.now();
        let completed!: () => void;
        const done = new Promise<void>((resolve) => (completed = resolve));
        const created = await api.post("/api/v1/commands", { hostId: id.hostId, kind: "noop" }, adminKey);
        waiting.set(created.body.id, completed);
        const now = await api.get(`/api/v1/commands/${created.body.id}`, adminKey);
        if (now.body.status === "completed") completed();
        await done;
        samples.push(performance.now() - t0);
        waiting.delete(created.body.id);
      }
    }),
  );
  return { samples, wallMs: performance.now() - wallStart };
}

type Consumer = "none" | "reading" | "stalled";

async function phase(consumer: Consumer) {
  const key =
    consumer === "none"
      ? undefined
      : (await api.post("/api/v1/consumer-keys", { name: `bench-${consumer}` }, adminKey)).body;
  const running = key ? consumers(key, consumer === "stalled") : undefined;
  if (key) await Bun.sleep(500); // the first one is subscribed (and stopped)
  const load = telemetryLoad();
  const rtt = await commands(total);
  await load.stop();
  const spawned = (await running?.stop()) ?? 0;
  return { ...rtt, pubacks: load.pubacks, dropped: Math.max(0, spawned - 1) };
}

await api.put("/api/v1/consumers/settings", { jsonMirror: true }, adminKey);
console.log(
  `\n${agents} agents, each publishing ${values["telemetry-kib"]} KiB telemetry at ${telemetryHz} Hz (QoS 1); ` +
    `${total} commands per phase, concurrency ${concurrency}, ${values.rounds} rounds of each phase`,
);
await commands(Math.min(50, total)); // warm-up
type Run = Awaited<ReturnType<typeof phase>>;
const results: Record<Consumer, Run[]> = { none: [], reading: [], stalled: [] };
for (let round = 0; round < Number(values.rounds); round++)
  for (const consumer of ["none", "reading", "stalled"] as const) results[consumer].push(await phase(consumer));
const report = (label: string, runs: Run[]) => {
  const rtt = summarize(
    runs.flatMap((r) => r.samples),
    runs.reduce((sum, r) => sum + r.wallMs, 0),
  );
  const puback = summarize(
    runs.flatMap((r) => r.pubacks),
    1,
  );
  const dropped = runs.reduce((sum, r) => sum + r.dropped, 0);
  console.log(
    `  ${label.padEnd(17)} command round trip p50=${fmt(rtt.p50)} p99=${fmt(rtt.p99)} · ${rtt.throughputPerSec.toFixed(1)} commands/s · ` +
      `telemetry PUBACK p50=${fmt(puback.p50)} p99=${fmt(puback.p99)} (n=${puback.n}) · consumers dropped: ${dropped}`,
  );
  return { rtt, puback };
};
const none = report("no consumer", results.none);
const reading = report("reading consumer", results.reading);
const stalled = report("stalled consumer", results.stalled);
const ratio = (a: { rtt: { p50: number }; puback: { p50: number } }, b: typeof a) =>
  `command round trip ${(a.rtt.p50 / b.rtt.p50).toFixed(2)}, telemetry PUBACK ${(a.puback.p50 / b.puback.p50).toFixed(2)}`;
console.log(`  p50 ratios: stalled / none: ${ratio(stalled, none)} · stalled / reading: ${ratio(stalled, reading)}`);
const bareStart = performance.now();
const bare = summarize(
  await bareMqttRoundTrip(mqttUrl, plane.transport.credentials ?? {}, Number(values["mqtt-samples"])),
  performance.now() - bareStart,
);
console.log(
  `bare MQTT QoS 1 publish → receive, same broker (reference): p50=${fmt(bare.p50)}  p99=${fmt(bare.p99)}  (n=${bare.n})`,
);

for (const { agent } of fleet) await agent.stop();
await plane.stop();
process.exit(0);
