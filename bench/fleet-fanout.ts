/**
 * Fleet fan-out, one run, same control plane, broker and database:
 *   - one command to every host of a fleet (POST /api/v1/fleets/:id/commands): REST call → every command completed
 *     (the last `completed` transition committed), repeated;
 *   - reference 1: the bare per-host command round trip (POST /api/v1/commands → completed), one at a time, and the
 *     same N commands sent as N single requests (16 in flight) — the loop a fleet command replaces;
 *   - reference 2: the bare database floor for the same durable writes — one multi-row INSERT of N rows, then 2×N
 *     single-row UPDATEs (the RUNNING and COMPLETED acks), all in flight at once, on a scratch table;
 *   - reference 3: the bare MQTT QoS 1 publish → receive round trip.
 * The agents are simulated (MQTT clients with real runtime credentials that answer RUNNING then COMPLETED), in a child
 * process of their own (bench/sim-fleet.ts) unless --in-process: a thousand MQTT clients would otherwise share the
 * measured control plane's event loop.
 *
 * Each measured series starts with `--warmup` rounds (default 10) that are printed but not in the medians: the first
 * fleet commands of a process run code the JIT has not optimised yet (measured with 1,000 hosts over 45 rounds: the
 * control plane's CPU per fleet command starts at ~1.5× its steady value and settles after 10–15 rounds) and, on a new
 * database, plans made before its tables had statistics.
 *
 *   npm run bench:fleet -- [--hosts 1000] [--rounds 10] [--warmup 10] [--singles 50] [--in-process]
 *   (DATABASE_URL / MQTT_URL select a real PostgreSQL / broker, as for the control plane; use a scratch database)
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { startBenchPlane } from "./plane";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import { connectAll, disconnectAll, provisionHosts } from "../test/support/sim-fleet";
import { bareDatabase, bareMqttRoundTrip, databaseCpuMs } from "./reference";
import { spawnSimFleet } from "./sim-fleet-process";
import { fmt, summarize } from "./stats";

const { values } = parseArgs({
  options: {
    hosts: { type: "string", default: "1000" },
    rounds: { type: "string", default: "10" },
    warmup: { type: "string", default: "10" },
    singles: { type: "string", default: "50" },
    "in-process": { type: "boolean", default: false },
  },
});
const N = Number(values.hosts);
const rounds = Number(values.rounds);
const warmup = Number(values.warmup);

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey);
const api = new ApiClient(plane.url);
console.log(
  `control plane ${plane.url} · database ${plane.database.kind} · broker ${plane.transport.broker ? "embedded aedes" : plane.transport.mqttUrl}`,
);

const label = `fanout-${Date.now()}`;
let t0 = performance.now();
const sims = await provisionHosts(plane, adminKey, N, () => ({ bench: label }), { prefix: label });
const child = values["in-process"] ? undefined : await spawnSimFleet(plane.transport.mqttUrl, sims);
if (!child) await connectAll(api, plane.transport.mqttUrl, sims);
const fleet = (await api.post("/api/v1/fleets", { name: label, selector: { matchLabels: { bench: label } } }, adminKey))
  .body;
for (;;) {
  const counts = (await api.get(`/api/v1/fleets/${fleet.id}/hosts?limit=1`, adminKey)).body.counts;
  if (counts.online === N) break;
  await Bun.sleep(200);
}
// The hosts are online in the database before their coming online is over (policies sent, reconciliation, the
// status notifications): the first round would share the machine with that tail. Wait until no statement for 1 s
// (at most 20 s).
const settleStart = performance.now();
let lastStatement = settleStart;
const offStatements = plane.database.onStatement(() => {
  lastStatement = performance.now();
});
while (performance.now() - lastStatement < 1000 && performance.now() - settleStart < 20_000) await Bun.sleep(100);
offStatements();
console.log(
  `${N} simulated agents online in ${((performance.now() - t0) / 1000).toFixed(1)} s ` +
    `(${child ? "in a child process" : "in the benchmark's process"}) · load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
);

/** Resolves when `n` commands of `kind` reached `completed` (committed: the event follows the commit). */
function completions(kind: string, n: number): Promise<number> {
  return new Promise((resolve) => {
    let seen = 0;
    const off = plane.services.events.subscribe((e) => {
      if (e.type === "command.transition" && e.kind === kind && e.status === "completed" && ++seen === n) {
        off();
        resolve(performance.now());
      }
    });
  });
}

// Fleet command: one request, N commands.
// CPU per round (load-independent, unlike the times): this process (the control plane; the agents run in a child
// process unless --in-process) and the database's PostgreSQL backends.
const fanout: number[] = [];
const planeCpu: number[] = [];
const dbCpu: number[] = [];
const fanoutWarmup: number[] = [];
/** Statements from the REST call to the last completion (the control plane's, every loop's included). */
const statements: number[] = [];
const seenStatements = new Map<string, number>();
for (let r = -warmup; r < rounds; r++) {
  const kind = `bench.fanout${r}`;
  const done = completions(kind, N);
  const cpu0 = process.cpuUsage();
  const pg0 = (await databaseCpuMs(plane)) ?? 0;
  let count = 0;
  const offCount = plane.database.onStatement((text) => {
    count++;
    if (process.env.FLEET_STATEMENTS)
      seenStatements.set(text.slice(0, 90), (seenStatements.get(text.slice(0, 90)) ?? 0) + 1);
  });
  t0 = performance.now();
  const res = await api.post(`/api/v1/fleets/${fleet.id}/commands`, { kind }, adminKey);
  if (res.status !== 201) throw new Error(`fleet command: ${res.status} ${JSON.stringify(res.body)}`);
  const took = (await done) - t0;
  offCount();
  const cpu = process.cpuUsage(cpu0);
  const dbMs = ((await databaseCpuMs(plane)) ?? 0) - pg0;
  if (r < 0) fanoutWarmup.push(took);
  else {
    fanout.push(took);
    planeCpu.push((cpu.user + cpu.system) / 1000);
    dbCpu.push(dbMs);
    statements.push(count);
  }
  const summary = (await api.get(`/api/v1/command-batches/${res.body.id}`, adminKey)).body.summary;
  if (summary.completed !== N) throw new Error(`summary: ${JSON.stringify(summary)}`);
}

// Reference 1a: one command to one host, one at a time.
const single: number[] = [];
for (let i = 0; i < Number(values.singles); i++) {
  const kind = `bench.single${i}`;
  const done = completions(kind, 1);
  t0 = performance.now();
  await api.post("/api/v1/commands", { hostId: sims[i % N]!.hostId, kind }, adminKey);
  single.push((await done) - t0);
}
// Reference 1b: N single requests, 16 in flight.
const loopKind = "bench.loop";
const loopDone = completions(loopKind, N);
t0 = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (next < N) await api.post("/api/v1/commands", { hostId: sims[next++]!.hostId, kind: loopKind }, adminKey);
  }),
);
const loopMs = (await loopDone) - t0;

// Reference 2: the database floor for the same durable writes.
// Over a plain connection of its own (bench/reference.ts): the control plane's role may not create tables.
const bareDb = await bareDatabase(plane);
await bareDb.run(`drop table if exists bench_floor`);
await bareDb.run(`create table bench_floor (id text primary key, status text not null, data jsonb)`);
const floor: number[] = [];
const floorDbCpu: number[] = [];
const floorWarmup: number[] = [];
for (let r = -warmup; r < rounds; r++) {
  await bareDb.run(`truncate bench_floor`);
  const ids = Array.from({ length: N }, (_, i) => `f${r}_${i}`);
  const pg0 = (await databaseCpuMs(plane)) ?? 0;
  t0 = performance.now();
  await bareDb.run(
    `insert into bench_floor (id, status, data) select unnest(string_to_array($1, ',')), 'pending', '{}'::jsonb`,
    [ids.join(",")],
  );
  await Promise.all(ids.map((id) => bareDb.run(`update bench_floor set status = 'running' where id = $1`, [id])));
  await Promise.all(ids.map((id) => bareDb.run(`update bench_floor set status = 'completed' where id = $1`, [id])));
  const took = performance.now() - t0;
  const dbMs = ((await databaseCpuMs(plane)) ?? 0) - pg0;
  if (r < 0) floorWarmup.push(took);
  else {
    floor.push(took);
    floorDbCpu.push(dbMs);
  }
}
await bareDb.run(`drop table bench_floor`);
await bareDb.close();

const bare = summarize(await bareMqttRoundTrip(plane.transport.mqttUrl, plane.transport.credentials ?? {}, 1000), 1);
const med = (xs: number[]) => summarize(xs, 1).p50;
const singleStats = summarize(single, 1);

console.log(`\nfleet command to ${N} hosts: REST call → all ${N} completed (committed)`);
console.log(
  "  issue #16 (1,000 hosts, REST loop of 16 in flight): 3.6 s PostgreSQL, 5.9 s PGlite; target ≤ 2× the floor",
);
console.log(
  `  fleet command (one request):     median ${fmt(med(fanout))} · runs ${fanout.map((x) => x.toFixed(0)).join(", ")} ms`,
);
console.log(
  `  ${N} single requests (16 in flight): ${fmt(loopMs)}  (ratio fleet/loop ${(med(fanout) / loopMs).toFixed(2)})`,
);
console.log(
  `  bare per-host round trip (reference): p50 ${fmt(singleStats.p50)} p99 ${fmt(singleStats.p99)} (n=${singleStats.n}) · ` +
    `× ${N} sequential ≈ ${((singleStats.p50 * N) / 1000).toFixed(1)} s`,
);
console.log(
  `  bare database floor (1 insert of ${N} rows + ${2 * N} single-row updates): median ${fmt(med(floor))} ` +
    `(ratio fleet/floor ${(med(fanout) / med(floor)).toFixed(1)})`,
);
if (plane.database.kind === "postgres")
  console.log(
    `  CPU per fleet command: control plane median ${fmt(med(planeCpu))} · PostgreSQL backends median ` +
      `${fmt(med(dbCpu))} (floor's: ${fmt(med(floorDbCpu))}, ratio ${(med(dbCpu) / med(floorDbCpu)).toFixed(1)})`,
  );
console.log(`  statements per fleet command (everything the control plane ran meanwhile): median ${med(statements)}`);
if (process.env.FLEET_STATEMENTS)
  for (const [text, n] of [...seenStatements].sort((a, b) => b[1] - a[1]).slice(0, 20))
    console.log(`    ${n}× ${text}`);
if (warmup > 0)
  console.log(
    `  warm-up rounds (not in the medians): fleet command ${fanoutWarmup.map((x) => x.toFixed(0)).join(", ")} ms · ` +
      `floor ${floorWarmup.map((x) => x.toFixed(0)).join(", ")} ms`,
  );
console.log(`  bare MQTT QoS 1 publish → receive (reference): p50 ${fmt(bare.p50)} p99 ${fmt(bare.p99)}`);

if (child) await child.stop();
else await disconnectAll(sims);
await plane.stop();
process.exit(0);
