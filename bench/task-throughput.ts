/**
 * Task scheduling throughput and latency, one run, same control plane and broker:
 *   - tasks: N simulated workers (MQTT clients acking each command RUNNING then COMPLETED), T one-stage tasks
 *     created through REST by C clients in a closed loop; created → assigned (scheduling latency, server clock),
 *     the task round trip (REST create → completed seen on the event bus) and tasks/s.
 *   - reference: the bare command round trip measured the same way on the same fleet; scheduling costs the difference.
 *
 *   - backlog: B tasks queued at once; how fast the scheduler assigns the first wave (every slot free) and how fast
 *     the fleet completes them all.
 *
 *   npm run bench:tasks -- [--workers 1000] [--tasks 10000] [--concurrency 64] [--commands 1000] [--backlog 10000]
 *     [--latency 100] [--in-process]
 *   (DATABASE_URL / MQTT_URL select a real PostgreSQL / broker, as for the control plane; use a scratch database)
 *
 * The simulated workers run in a child process (bench/sim-fleet.ts) unless --in-process: a thousand MQTT clients
 * in the control plane's own event loop would make the benchmark measure itself.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { startBenchPlane } from "./plane";
import { databaseCpuMs } from "./reference";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import { startMqttSimAgent, type SimAgent, type SimAgentIdentity } from "./sim-agent";
import { spawnSimFleet } from "./sim-fleet-process";
import { fmt, percentile } from "./stats";

const { values } = parseArgs({
  options: {
    workers: { type: "string", default: "1000" },
    tasks: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "64" },
    commands: { type: "string", default: "1000" },
    backlog: { type: "string", default: "10000" },
    "in-process": { type: "boolean", default: false },
    latency: { type: "string", default: "100" },
  },
});
const backlogSize = Number(values.backlog);
const workers = Number(values.workers);
const totalTasks = Number(values.tasks);
const concurrency = Number(values.concurrency);
const totalCommands = Number(values.commands);

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey);
const api = new ApiClient(plane.url);
const { services } = plane;
const db = plane.database.db;
console.log(
  `control plane ${plane.url} · database ${plane.database.kind} · broker ${plane.transport.broker ? "embedded aedes" : plane.transport.mqttUrl}`,
);

/** Rows of a raw query, whichever driver (PGlite answers {rows}, postgres.js an array). */
async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
}

// Provision the fleet through the services (REST would dominate the set-up time, not the measurement).
const principal = await services.authenticator.user(`Bearer ${adminKey}`);
const fleet: { hostId: string; agent?: SimAgent }[] = [];
const identities: SimAgentIdentity[] = [];
const provisionStart = performance.now();
for (let i = 0; i < workers; i += 50) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(50, workers - i) }, async (_, j) => {
      const host = await services.hosts.register(principal.tenantId, { name: `bench-worker-${i + j}` });
      const identity = await services.runtime.createIdentity(principal, { hostId: host.id });
      const tokens = await services.runtime.exchange({
        runtimeId: identity.runtimeId,
        bootstrapToken: identity.bootstrapToken,
      });
      const id = {
        runtimeId: tokens.runtimeId,
        tenantId: tokens.tenantId,
        hostId: tokens.hostId,
        accessToken: tokens.accessToken,
      };
      identities.push(id);
      return {
        hostId: host.id,
        agent: values["in-process"] ? await startMqttSimAgent(plane.transport.mqttUrl, id) : undefined,
      };
    }),
  );
  fleet.push(...batch);
}
/** The simulated fleet's own process (unless --in-process). */
const child = values["in-process"] ? undefined : await spawnSimFleet(plane.transport.mqttUrl, identities);
for (;;) {
  const [row] = await rows<{ n: number }>(sql`select count(*)::int as n from hosts where status = 'online'`);
  if (row!.n >= workers) break;
  await Bun.sleep(100);
}
console.log(
  `${workers} simulated workers online in ${((performance.now() - provisionStart) / 1000).toFixed(1)} s ` +
    `(${child ? "in a child process" : "in the benchmark's process"}) · load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
);

/** Completions seen on the control plane's event bus (in-process), by task or command id. */
const waiters = new Map<string, () => void>();
const finished = new Set<string>();
services.events.subscribe((event) => {
  const id =
    event.type === "task.transition" && ["completed", "failed", "cancelled"].includes(event.status)
      ? event.taskId
      : event.type === "command.transition" && ["completed", "failed", "cancelled"].includes(event.status)
        ? event.commandId
        : undefined;
  if (!id) return;
  const waiter = waiters.get(id);
  if (waiter) waiter();
  else finished.add(id);
});

/**
 * Closed loop: `concurrency` clients each create one item through REST and wait for it to finish, `count` in all.
 * With fewer items in flight than workers, a task never waits for a slot: created → assigned is the scheduler alone.
 */
async function closedLoop(count: number, create: (i: number) => Promise<string>) {
  const samples: number[] = [];
  let next = 0;
  const start = performance.now();
  const cpu = process.cpuUsage();
  const db0 = await databaseCpuMs(plane);
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const t0 = performance.now();
        const id = await create(next++);
        if (!finished.delete(id)) await new Promise<void>((resolve) => waiters.set(id, resolve));
        waiters.delete(id);
        samples.push(performance.now() - t0);
      }
    }),
  );
  const { user, system } = process.cpuUsage(cpu);
  const db1 = await databaseCpuMs(plane);
  return {
    samples: samples.sort((a, b) => a - b),
    wallMs: performance.now() - start,
    cpuMs: (user + system) / 1000,
    databaseCpuMs: db0 !== undefined && db1 !== undefined ? db1 - db0 : undefined,
  };
}

const commandRun = await closedLoop(
  totalCommands,
  async (i) =>
    (await api.post("/api/v1/commands", { hostId: fleet[i % fleet.length]!.hostId, kind: "noop" }, adminKey)).body.id,
);
// Latency alone (one client, nothing else in flight): commands and tasks taken in turns, so that neither is favoured
// by the fleet's or the database's state; what a task adds to a command when the control plane is not saturated.
const latencyPairs = Number(values.latency);
const alone = { command: [] as number[], task: [] as number[] };
async function once(create: () => Promise<string>) {
  const t0 = performance.now();
  const id = await create();
  if (!finished.delete(id)) await new Promise<void>((resolve) => waiters.set(id, resolve));
  waiters.delete(id);
  return performance.now() - t0;
}
for (let i = 0; i < latencyPairs; i++) {
  const hostId = fleet[i % fleet.length]!.hostId;
  alone.command.push(
    await once(async () => (await api.post("/api/v1/commands", { hostId, kind: "noop" }, adminKey)).body.id),
  );
  alone.task.push(await once(async () => (await api.post("/api/v1/tasks", { prompt: "alone" }, adminKey)).body.id));
}
alone.command.sort((a, b) => a - b);
alone.task.sort((a, b) => a - b);

const taskRun = await closedLoop(
  totalTasks,
  async () => (await api.post("/api/v1/tasks", { prompt: "bench" }, adminKey)).body.id,
);
const timings = await rows<{ assign: number }>(
  sql`select extract(epoch from assigned_at - created_at) * 1000 as assign from tasks
    where status = 'completed' and prompt = 'bench'`,
);
const assign = timings.map((r) => Number(r.assign)).sort((a, b) => a - b);

const line = (s: number[]) => `p50=${fmt(percentile(s, 50))} p99=${fmt(percentile(s, 99))}`;
const perSec = (n: number, ms: number) => ((n / ms) * 1000).toFixed(0);
console.log(
  `\n${totalTasks} one-stage tasks over ${workers} simulated workers (1 slot each), ${concurrency} clients in a closed loop`,
);
console.log(`  created → assigned (scheduling, server clock)   ${line(assign)}`);
console.log(
  `  task round trip (REST create → completed)        ${line(taskRun.samples)} · ${perSec(totalTasks, taskRun.wallMs)} tasks/s`,
);
console.log(
  `reference, same run and fleet: bare command round trip (REST create → agent → completed), ${totalCommands} commands`,
);
console.log(
  `  command round trip                               ${line(commandRun.samples)} · ${perSec(totalCommands, commandRun.wallMs)} commands/s`,
);
console.log(
  `  scheduling adds (task - command round trip, p50) ${fmt(percentile(taskRun.samples, 50) - percentile(commandRun.samples, 50))}`,
);
// CPU of this process (control plane and its REST clients; the simulated fleet runs apart) per item: less bound to
// the machine's load than rates, on a machine shared with others.
const cpuPerTask = taskRun.cpuMs / totalTasks;
const cpuPerCommand = commandRun.cpuMs / totalCommands;
console.log(
  `  CPU per item (this process)                      task ${cpuPerTask.toFixed(2)} ms · command ${cpuPerCommand.toFixed(2)} ms · ratio ${(cpuPerTask / cpuPerCommand).toFixed(2)}`,
);
if (taskRun.databaseCpuMs !== undefined && commandRun.databaseCpuMs !== undefined) {
  const dbPerTask = taskRun.databaseCpuMs / totalTasks;
  const dbPerCommand = commandRun.databaseCpuMs / totalCommands;
  console.log(
    `  database CPU per item (its server processes)     task ${dbPerTask.toFixed(2)} ms · command ${dbPerCommand.toFixed(2)} ms · ratio ${(dbPerTask / dbPerCommand).toFixed(2)}`,
  );
}
console.log(
  `  tasks/s ÷ commands/s (same run)                  ${(totalTasks / taskRun.wallMs / (totalCommands / commandRun.wallMs)).toFixed(2)}`,
);
if (latencyPairs > 0) {
  console.log(`one client, nothing else in flight: ${latencyPairs} commands and ${latencyPairs} tasks in turns`);
  console.log(`  command round trip                               ${line(alone.command)}`);
  console.log(`  task round trip                                  ${line(alone.task)}`);
  console.log(
    `  a task adds (p50)                                ${fmt(percentile(alone.task, 50) - percentile(alone.command, 50))}`,
  );
}

// Backlog: the tasks are queued at once (one INSERT, as a burst of REST creates would leave them), then the
// scheduler drains the queue onto the fleet: scheduling throughput (the first `workers` assignments, every slot
// free) and end-to-end throughput (all of them completed, each slot taking one task after another).
if (backlogSize > 0) {
  const tenantId = principal.tenantId;
  const backlogStart = new Date();
  const t0 = performance.now();
  await db.execute(sql`
    insert into tasks (id, tenant_id, prompt, pipeline, agent_type, created_at)
    select 'task_backlog_' || g, ${tenantId}, 'backlog', ${JSON.stringify([{ name: "agent", kind: "agent" }])}::jsonb,
      'default', ${backlogStart.toISOString()}::timestamptz
    from generate_series(1, ${backlogSize}) g`);
  services.events.publish({ type: "task.transition", tenantId, taskId: "task_backlog_1", status: "pending" });
  for (;;) {
    const [row] = await rows<{ n: number }>(
      sql`select count(*)::int as n from tasks where id like 'task_backlog_%' and status = 'completed'`,
    );
    if (row!.n >= backlogSize) break;
    await Bun.sleep(200);
  }
  const drainMs = performance.now() - t0;
  const assignedAt = (
    await rows<{ ms: number }>(
      sql`select extract(epoch from assigned_at - created_at) * 1000 as ms from tasks where id like 'task_backlog_%'`,
    )
  )
    .map((r) => Number(r.ms))
    .sort((a, b) => a - b);
  const firstWave = Math.min(workers, backlogSize);
  const waveMs = assignedAt[firstWave - 1]!;
  console.log(`\nbacklog: ${backlogSize} one-stage tasks queued at once over ${workers} workers (1 slot each)`);
  console.log(
    `  scheduling: the first ${firstWave} assigned (every slot free) in ${fmt(waveMs)} · ${perSec(firstWave, waveMs)} tasks/s`,
  );
  console.log(
    `  end to end: all ${backlogSize} completed in ${fmt(drainMs)} · ${perSec(backlogSize, drainMs)} tasks/s`,
  );
}

for (const { agent } of fleet) await agent?.stop();
await child?.stop();
console.log(
  `load average at the end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
await plane.stop();
process.exit(0);
