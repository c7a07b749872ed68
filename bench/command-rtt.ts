/**
 * Command round trip, one run, same control plane and broker:
 *   - MQTT path: N simulated agents on MQTT only; commands created through REST; time until the `completed`
 *     transition (committed, so visible over REST) reaches an operator's gRPC watch of the host.
 *   - gRPC path: the same with agents holding a gRPC session (commands pushed over it, acks streamed back).
 *   - reference: the bare MQTT QoS 1 publish → receive round trip on the same broker.
 *
 *   npm run bench -- [--agents 20] [--commands 500] [--concurrency 16]
 *   (DATABASE_URL / MQTT_URL select a real PostgreSQL / broker, as for the control plane)
 */
import { parseArgs } from "node:util";
import { startControlPlane } from "../control-plane/src/app";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import { watch } from "../test/support/grpc-clients";
import { receivedAt, startGrpcSimAgent, startMqttSimAgent, type SimAgent, type SimAgentIdentity } from "./sim-agent";
import { bareMqttRoundTrip } from "./reference";
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
const plane = await startControlPlane({
  port: 0,
  mqttPort: 0,
  grpcPort: 0,
  host: "127.0.0.1",
  logLevel: "silent",
  dataDir: "memory://",
  adminKey,
});
const api = new ApiClient(plane.url);
const mqttUrl = plane.transport.mqttUrl;
const grpcAddress = `127.0.0.1:${plane.transport.grpc.port}`;
console.log(
  `control plane ${plane.url} · database ${plane.database.kind} · broker ${plane.transport.broker ? "embedded aedes" : mqttUrl}`,
);

async function provision(label: string): Promise<SimAgentIdentity> {
  const host = (await api.post("/api/v1/hosts", { name: `bench-${label}-${crypto.randomUUID()}` }, adminKey)).body;
  const identity = (await api.post("/api/runtime/identities", { hostId: host.id }, adminKey)).body;
  return (
    await api.post("/api/runtime/bootstrap/exchange", {
      runtimeId: identity.runtimeId,
      bootstrapToken: identity.bootstrapToken,
    })
  ).body;
}

/** Issues `total` commands through REST over a fleet and times each until its completion event arrives. */
async function measure(label: string, start: (id: SimAgentIdentity) => Promise<SimAgent>) {
  const fleet: { id: SimAgentIdentity; agent: SimAgent; watcher: ReturnType<typeof watch> }[] = [];
  const waiting = new Map<string, () => void>();
  for (let i = 0; i < agents; i++) {
    const id = await provision(label);
    const agent = await start(id);
    const watcher = watch(grpcAddress, adminKey, { hostId: id.hostId });
    await watcher.ready;
    fleet.push({ id, agent, watcher });
  }
  // One poll loop over all watch streams keeps the measurement free of per-command timers.
  let draining = true;
  const drain = (async () => {
    while (draining) {
      for (const { watcher } of fleet) {
        for (const event of watcher.events.splice(0)) {
          if (event.command?.status === "completed") waiting.get(event.command.commandId)?.();
        }
      }
      await Bun.sleep(0);
    }
  })();

  const samples: number[] = [];
  const delivery: number[] = [];
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
        // The completion may have raced ahead of the registration: check once over REST.
        const now = await api.get(`/api/v1/commands/${created.body.id}`, adminKey);
        if (now.body.status === "completed") completed();
        await done;
        samples.push(performance.now() - t0);
        delivery.push(receivedAt.get(created.body.id)! - t0);
        waiting.delete(created.body.id);
      }
    }),
  );
  const wall = performance.now() - wallStart;
  const stats = { roundTrip: summarize(samples, wall), delivery: summarize(delivery, wall) };
  draining = false;
  await drain;
  for (const { agent, watcher } of fleet) {
    watcher.close();
    await agent.stop();
  }
  return stats;
}

const mqttStats = await measure("mqtt", (id) => startMqttSimAgent(mqttUrl, id));
const grpcStats = await measure("grpc", (id) => startGrpcSimAgent(mqttUrl, grpcAddress, id));

const bareStart = performance.now();
const bare = summarize(
  await bareMqttRoundTrip(mqttUrl, plane.transport.credentials ?? {}, Number(values["mqtt-samples"])),
  performance.now() - bareStart,
);

console.log(
  `\ncommand round trip (REST create → agent → completed committed), ${agents} agents, concurrency ${concurrency}, ${total} commands`,
);
type Stats = Awaited<ReturnType<typeof measure>>;
const line = (label: string, s: Stats) =>
  console.log(
    `  ${label.padEnd(5)} round trip p50=${fmt(s.roundTrip.p50)} p99=${fmt(s.roundTrip.p99)} · ` +
      `delivery (REST create → agent has it) p50=${fmt(s.delivery.p50)} p99=${fmt(s.delivery.p99)} · ` +
      `${s.roundTrip.throughputPerSec.toFixed(1)} commands/s`,
  );
line("MQTT", mqttStats);
line("gRPC", grpcStats);
console.log(
  `  gRPC / MQTT p50 ratio: round trip ${(grpcStats.roundTrip.p50 / mqttStats.roundTrip.p50).toFixed(2)}, ` +
    `delivery ${(grpcStats.delivery.p50 / mqttStats.delivery.p50).toFixed(2)}`,
);
console.log(
  `bare MQTT QoS 1 publish → receive, same broker (reference): p50=${fmt(bare.p50)}  p99=${fmt(bare.p99)}  (n=${bare.n})`,
);

await plane.stop();
process.exit(0);
