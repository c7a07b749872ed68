/**
 * Task scheduling throughput and latency, one run, same control plane and broker:
 *   - tasks: N simulated workers (MQTT clients acking each command RUNNING then COMPLETED), T one-stage tasks
 *     created through REST; created → assigned (scheduling latency) and created → completed, tasks/s.
 *   - reference: the bare command round trip (REST create → agent → completed) on the same fleet, so the cost
 *     of scheduling is the difference.
 * Latencies come from the control plane's own timestamps (created/assigned/finished), read back afterwards.
 *
 *   npm run bench:tasks -- [--workers 1000] [--tasks 10000] [--concurrency 64] [--commands 1000]
 *   (DATABASE_URL / MQTT_URL select a real PostgreSQL / broker, as for the control plane; use a scratch database)
 */
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { startControlPlane } from "../control-plane/src/app";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import { startMqttSimAgent, type SimAgent } from "./sim-agent";
import { fmt, percentile } from "./stats";

const { values } = parseArgs({
  options: {
    workers: { type: "string", default: "1000" },
    tasks: { type: "string", default: "10000" },
    concurrency: { type: "string", default: "64" },
    commands: { type: "string", default: "1000" },
  },
});
const workers = Number(values.workers);
const totalTasks = Number(values.tasks);
const concurrency = Number(values.concurrency);
const totalCommands = Number(values.commands);

const adminKey = newSecret("roz_sk_");
const plane = await startControlPlane({ port: 0, mqttPort: 0, grpcPort: 0, host: "127.0.0.1", logLevel: "silent", dataDir: "memory://", adminKey });
const api = new ApiClient(plane.url);
const { services } = plane;
const db = services.db;
console.log(`control plane ${plane.url} · database ${plane.database.kind} · broker ${plane.transport.broker ? "embedded aedes" : plane.transport.mqttUrl}`);

/** Rows of a raw query, whichever driver (PGlite answers {rows}, postgres.js an array). */
async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows?: T[] } & T[];
  return result.rows ?? result;
}

// Provision the fleet through the services (REST would dominate the set-up time, not the measurement).
const principal = await services.authenticator.user(`Bearer ${adminKey}`);
const fleet: { hostId: string; agent: SimAgent }[] = [];
const provisionStart = performance.now();
for (let i = 0; i < workers; i += 50) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(50, workers - i) }, async (_, j) => {
      const host = await services.hosts.register(principal.tenantId, { name: `bench-worker-${i + j}` });
      const identity = await services.runtime.createIdentity(principal, { hostId: host.id });
      const tokens = await services.runtime.exchange({ runtimeId: identity.runtimeId, bootstrapToken: identity.bootstrapToken });
      const agent = await startMqttSimAgent(plane.transport.mqttUrl, { runtimeId: tokens.runtimeId, tenantId: tokens.tenantId, hostId: tokens.hostId, accessToken: tokens.accessToken });
      return { hostId: host.id, agent };
    }),
  );
  fleet.push(...batch);
}
for (;;) {
  const [row] = await rows<{ n: number }>(sql`select count(*)::int as n from hosts where status = 'online'`);
  if (row!.n >= workers) break;
  await Bun.sleep(100);
}
console.log(`${workers} simulated workers online in ${((performance.now() - provisionStart) / 1000).toFixed(1)} s`);

/** Issues `count` REST calls `concurrency` at a time. */
async function issue(count: number, call: (i: number) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await call(next++);
    }),
  );
}


async function waitUntil(query: ReturnType<typeof sql>, target: number, what: string) {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    const [row] = await rows<{ n: number }>(query);
    if (row!.n >= target) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${row!.n}/${target})`);
    await Bun.sleep(50);
  }
}

// Reference: the bare command round trip on the same fleet and control plane.
const commandsStart = performance.now();
await issue(totalCommands, (i) => api.post("/api/v1/commands", { hostId: fleet[i % fleet.length]!.hostId, kind: "noop" }, adminKey));
await waitUntil(sql`select count(*)::int as n from commands where status = 'completed'`, totalCommands, "commands");
const commandWall = performance.now() - commandsStart;
const commandRtt = (await rows<{ ms: number }>(sql`select extract(epoch from finished_at - created_at) * 1000 as ms from commands where status = 'completed'`)).map((r) => Number(r.ms)).sort((a, b) => a - b);

// Tasks: the default one-stage pipeline (an `agent` stage = one command), scheduled onto free worker slots.
const tasksStart = performance.now();
await issue(totalTasks, () => api.post("/api/v1/tasks", { prompt: "bench" }, adminKey));
const createWall = performance.now() - tasksStart;
await waitUntil(sql`select count(*)::int as n from tasks where status = 'completed'`, totalTasks, "tasks");
const taskWall = performance.now() - tasksStart;
const timings = await rows<{ assign: number; total: number; stage: number }>(sql`
  select extract(epoch from t.assigned_at - t.created_at) * 1000 as assign,
         extract(epoch from t.finished_at - t.created_at) * 1000 as total,
         extract(epoch from c.finished_at - c.created_at) * 1000 as stage
  from tasks t join task_stage_runs r on r.task_id = t.id join commands c on c.id = r.command_id`);
const sorted = (key: "assign" | "total" | "stage") => timings.map((r) => Number(r[key])).sort((a, b) => a - b);
const assign = sorted("assign");
const total = sorted("total");
const stage = sorted("stage");

const line = (label: string, s: number[]) => `p50=${fmt(percentile(s, 50))} p99=${fmt(percentile(s, 99))}`;
console.log(`\n${totalTasks} one-stage tasks over ${workers} simulated workers (1 slot each), REST concurrency ${concurrency}`);
console.log(`  created → assigned (scheduling)          ${line("assign", assign)}`);
console.log(`  created → completed (task)               ${line("total", total)}`);
console.log(`  its stage command created → completed    ${line("stage", stage)}`);
console.log(`  throughput ${((totalTasks / taskWall) * 1000).toFixed(0)} tasks/s completed (REST creation alone: ${((totalTasks / createWall) * 1000).toFixed(0)} tasks/s)`);
console.log(`reference, same run: bare command round trip (REST create → agent → completed), ${totalCommands} commands`);
console.log(`  ${line("rtt", commandRtt)} · ${((totalCommands / commandWall) * 1000).toFixed(0)} commands/s`);
console.log(`  scheduling overhead, p50: task created → completed minus the command round trip = ${fmt(percentile(total, 50) - percentile(commandRtt, 50))}`);

for (const { agent } of fleet) await agent.stop();
await plane.stop();
process.exit(0);
