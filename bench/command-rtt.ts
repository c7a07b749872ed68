/**
 * Command round trip, one run, same control plane and broker:
 *   - MQTT path: N simulated agents on MQTT only; commands created through REST; time until the `completed`
 *     transition (committed, so visible over REST) reaches an operator's gRPC watch of the host.
 *   - gRPC path: the same with agents holding a gRPC session (commands pushed over it, acks streamed back).
 *   - reference floors: the bare MQTT QoS 1 publish → receive round trip on the same broker, and the bare database
 *     work of a command (one insert and two updates, no notify, no checks) at the same concurrency on the same
 *     database.
 *   - statements per command (counted at the driver) and, beside every figure, the one recorded before the hot path
 *     was rebuilt (issue #16, same machine, PostgreSQL, 200 agents).
 * This process is the control plane only: the simulated agents, the operator's watches and the REST client run in
 * a child process (bench/command-load.ts), so the load generator does not compete with it for its event loop.
 *
 *   npm run bench -- [--agents 200] [--commands 2000] [--concurrency 1,64] [--grpc]
 *   (DATABASE_URL / MQTT_URL select a real PostgreSQL / broker, as for the control plane)
 */
import { parseArgs } from "node:util";
import { startBenchPlane } from "./plane";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import type { FromLoad, LoadPlan, LoadSample } from "./command-load";
import type { SimAgentIdentity } from "./sim-agent";
import { bareDatabase, bareMqttRoundTrip, databaseCpuMs } from "./reference";
import { fmt, summarize } from "./stats";
import { latencyMarks, latencyTraceOn, mark } from "../control-plane/src/lib/latency-trace";

const { values } = parseArgs({
  options: {
    agents: { type: "string", default: "200" },
    commands: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "1,64" },
    grpc: { type: "boolean", default: false },
    "mqtt-samples": { type: "string", default: "1000" },
    /** Print the statements counted, grouped by text, per command. */
    "show-statements": { type: "boolean", default: false },
  },
});
const agents = Number(values.agents);
const totalCommands = Number(values.commands);
const levels = values.concurrency.split(",").map(Number);

/**
 * Recorded before the hot path was rebuilt (22 statements per command), by database: PostgreSQL from issue #16 (200
 * agents, MQTT); PGlite with the benchmark of that time (commit e120749, agents in the control plane's process) on
 * this machine, quiet, 2026-11-26 (50 agents, 1,000 commands).
 */
const BEFORE: Record<"postgres" | "pglite", Record<number, string>> = {
  postgres: {
    1: "~131 commands/s, p50 6.6 ms (20 agents)",
    16: "137 commands/s, p50 106 ms",
    64: "171 commands/s, p50 357 ms, p99 626 ms",
  },
  pglite: {
    1: "132 commands/s, p50 6.6 ms (20 agents, 300 commands)",
    16: "179 commands/s, p50 86 ms, p99 158 ms",
    64: "189 commands/s, p50 317 ms, p99 638 ms",
  },
};

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey);
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

/**
 * Issues `total` commands through REST over a fleet and times each until its completion event arrives. The agents,
 * the watches and the REST client run in a child process (bench/command-load.ts): this process is the control plane.
 */
async function measure(transport: LoadPlan["transport"], concurrency: number, total: number) {
  const identities: SimAgentIdentity[] = [];
  for (let i = 0; i < agents; i++) identities.push(await provision(transport));
  // When each stage happened here (the transitions as the control plane announces them after commit), absolute ms.
  const stages = new Map<string, { running?: number; completed?: number }>();
  let statements = 0;
  const texts = new Map<string, number>();
  let stopCounting = () => {};
  let cpuStart = process.cpuUsage();
  let dbCpuStart: Promise<number | undefined> = Promise.resolve(undefined);
  const counting = () => {
    cpuStart = process.cpuUsage();
    dbCpuStart = databaseCpuMs(plane);
    const offStages = plane.services.events.subscribe((event) => {
      if (event.type !== "command.transition" || (event.status !== "running" && event.status !== "completed")) return;
      const at = stages.get(event.commandId) ?? {};
      at[event.status] = performance.timeOrigin + performance.now();
      stages.set(event.commandId, at);
      mark(event.commandId, `event.${event.status}`);
    });
    const offStatements = plane.database.onStatement((sql) => {
      if (/"api_keys"|"users"/.test(sql)) return; // the operator's key check (cached now; not a command's work)
      statements++;
      if (values["show-statements"]) {
        const key = sql.replace(/\s+/g, " ").slice(0, 140);
        texts.set(key, (texts.get(key) ?? 0) + 1);
      }
    });
    stopCounting = () => {
      offStages();
      offStatements();
    };
  };
  const result = await new Promise<{ samples: LoadSample[]; wallMs: number; cpuMs: number }>((resolve, reject) => {
    const child = Bun.spawn([process.execPath, new URL("./command-load.ts", import.meta.url).pathname], {
      stdio: ["ignore", "inherit", "inherit"],
      ipc(message: FromLoad) {
        if (message.type === "measuring") counting();
        else if (message.type === "done") resolve(message);
      },
    });
    child.exited.then((code) => code !== 0 && reject(new Error(`load process exited with ${code}`)));
    child.send({
      type: "run",
      apiUrl: plane.url,
      mqttUrl,
      grpcAddress,
      adminKey,
      identities,
      transport,
      concurrency,
      total,
    } satisfies LoadPlan & { type: "run" });
  });
  stopCounting();
  const cpu = process.cpuUsage(cpuStart);
  const dbCpu0 = await dbCpuStart;
  const dbCpu = dbCpu0 === undefined ? undefined : (await databaseCpuMs(plane))! - dbCpu0;
  const { samples, wallMs } = result;
  const perCommand = statements / total;
  for (const [text, n] of [...texts].sort((a, b) => b[1] - a[1])) console.log(`  ${(n / total).toFixed(2)} × ${text}`);
  const breakdown = { rest: [] as number[], running: [] as number[], completed: [] as number[] };
  for (const s of samples) {
    const at = stages.get(s.id);
    breakdown.rest.push(s.created - s.t0);
    if (at?.running) breakdown.running.push(at.running - s.t0);
    if (at?.completed) breakdown.completed.push(at.completed - s.t0);
  }
  const p50 = (xs: number[]) => summarize(xs, wallMs).p50;
  if (latencyTraceOn) printTrace(samples);
  return {
    roundTrip: summarize(
      samples.map((s) => s.done - s.t0),
      wallMs,
    ),
    delivery: summarize(
      samples.map((s) => s.delivered - s.t0),
      wallMs,
    ),
    perCommand,
    cpuMsPerCommand: (cpu.user + cpu.system) / 1000 / total,
    kernelShare: cpu.system / (cpu.user + cpu.system),
    loadCpuMsPerCommand: result.cpuMs / total,
    /** PostgreSQL's backends of the database (undefined on PGlite: it runs in the control plane's process). */
    dbCpuMsPerCommand: dbCpu === undefined ? undefined : dbCpu / total,
    stages: { rest: p50(breakdown.rest), running: p50(breakdown.running), completed: p50(breakdown.completed) },
  };
}

/**
 * The bare database floor of a command at `concurrency`: one insert and two updates (running, completed) of a plain
 * table on the same database, no checks, no notify, no sequence bookkeeping, over a plain connection of its own
 * (bench/reference.ts).
 */
async function bareDatabaseFloor(concurrency: number, total: number) {
  const bare = await bareDatabase(plane);
  await bare.run(`drop table if exists bench_bare_commands`);
  await bare.run(`create table bench_bare_commands (id text primary key, host_id text not null,
    kind text not null, params jsonb not null default '{}', status text not null, created_at timestamptz not null,
    updated_at timestamptz not null)`);
  const samples: number[] = [];
  let issued = 0;
  const wallStart = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < total) {
        const id = `bare-${issued++}-${crypto.randomUUID()}`;
        const t0 = performance.now();
        await bare.run(`insert into bench_bare_commands values ($1, 'h', 'noop', '{}', 'pending', now(), now())`, [id]);
        await bare.run(`update bench_bare_commands set status = 'running', updated_at = now() where id = $1`, [id]);
        await bare.run(`update bench_bare_commands set status = 'completed', updated_at = now() where id = $1`, [id]);
        samples.push(performance.now() - t0);
      }
    }),
  );
  const stats = summarize(samples, performance.now() - wallStart);
  await bare.run(`drop table bench_bare_commands`);
  await bare.close();
  return stats;
}

/** With EDGE_LATENCY_TRACE set: the p50 time of every traced point of a command's path, from its REST call. */
function printTrace(samples: LoadSample[]) {
  const at = new Map<string, number[]>();
  const add = (label: string, ms: number) => at.set(label, [...(at.get(label) ?? []), ms]);
  for (const s of samples) {
    for (const [label, t] of latencyMarks.get(s.id) ?? []) add(label, t - s.t0);
    add("load: REST answer read", s.created - s.t0);
    add("load: agent has it", s.delivered - s.t0);
    add("load: watch has completion", s.done - s.t0);
  }
  latencyMarks.clear();
  const rows = [...at].map(([label, xs]) => [label, summarize(xs, 1).p50, xs.length] as const);
  console.log("  trace (p50 ms from the REST call):");
  for (const [label, p, n] of rows.sort((a, b) => a[1] - b[1]))
    console.log(`    ${p.toFixed(2).padStart(7)}  ${label} (n=${n})`);
}

type Stats = Awaited<ReturnType<typeof measure>>;
const line = (label: string, s: Stats) =>
  console.log(
    `  ${label.padEnd(5)} round trip p50=${fmt(s.roundTrip.p50)} p99=${fmt(s.roundTrip.p99)} · ` +
      `delivery (REST create → agent has it) p50=${fmt(s.delivery.p50)} p99=${fmt(s.delivery.p99)} · ` +
      `${s.roundTrip.throughputPerSec.toFixed(1)} commands/s · ` +
      `${Number.isNaN(s.perCommand) ? "n/a" : s.perCommand.toFixed(2)} statements/command · ` +
      `CPU per command: control plane ${s.cpuMsPerCommand.toFixed(2)} ms (${(100 * s.kernelShare).toFixed(0)} % in the kernel)` +
      `${s.dbCpuMsPerCommand === undefined ? "" : `, PostgreSQL ${s.dbCpuMsPerCommand.toFixed(2)} ms`}` +
      ` (load process ${s.loadCpuMsPerCommand.toFixed(2)} ms)\n` +
      `        stages p50 from REST call: response ${fmt(s.stages.rest)} · running committed ${fmt(s.stages.running)} · ` +
      `completed committed ${fmt(s.stages.completed)} · watch has it ${fmt(s.roundTrip.p50)}`,
  );

for (const concurrency of levels) {
  const total = concurrency === 1 ? Math.min(totalCommands, 300) : totalCommands;
  const mqttStats = await measure("mqtt", concurrency, total);
  const grpcStats = values.grpc ? await measure("grpc", concurrency, total) : undefined;
  const bareDb = await bareDatabaseFloor(concurrency, total);
  console.log(
    `\ncommand round trip (REST create → agent → completed committed), ${agents} agents, concurrency ${concurrency}, ${total} commands`,
  );
  line("MQTT", mqttStats);
  if (grpcStats) line("gRPC", grpcStats);
  console.log(`  before (recorded, issue #16):  ${BEFORE[plane.database.kind][concurrency] ?? "—"}`);
  console.log(
    `  bare database (insert + 2 updates, same concurrency): p50=${fmt(bareDb.p50)} p99=${fmt(bareDb.p99)} · ` +
      `${bareDb.throughputPerSec.toFixed(1)} commands/s · MQTT path / bare: throughput ` +
      `${(mqttStats.roundTrip.throughputPerSec / bareDb.throughputPerSec).toFixed(2)}, p50 ` +
      `${(mqttStats.roundTrip.p50 / bareDb.p50).toFixed(2)}`,
  );
}

const bareStart = performance.now();
const bare = summarize(
  await bareMqttRoundTrip(mqttUrl, plane.transport.credentials ?? {}, Number(values["mqtt-samples"])),
  performance.now() - bareStart,
);
console.log(
  `bare MQTT QoS 1 publish → receive, same broker (reference): p50=${fmt(bare.p50)}  p99=${fmt(bare.p99)}  (n=${bare.n})`,
);

await plane.stop();
process.exit(0);
