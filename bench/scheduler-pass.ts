/**
 * The scheduler's own throughput (issue #8: "scheduling sustains ≥ 1,000 tasks/s"), without agents or the command
 * path: N machines online (written straight into the database), N one-stage tasks queued at once, and the control
 * plane's scheduling passes (`TaskExecution.assignPending`, batches of 500, as the scheduler loop runs them) called
 * until the queue no longer moves. Each round adds a fresh set of machines and tasks; the first is the warm-up.
 * Printed per round: wall time, tasks assigned per second, statements and control-plane CPU per task.
 *
 * Reference floor, same run and database: the same durable rows written by bare set-based statements on plain
 * scratch tables (per batch: N command rows inserted, N task rows updated, N stage runs and 2N events inserted; no
 * checks, locks, indexes beyond primary keys, or NOTIFY).
 *
 *   npm run bench:scheduler -- [--machines 1000] [--rounds 4] [--batch 500]
 *   (DATABASE_URL selects a real PostgreSQL, as for the control plane; use a scratch database)
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { startBenchPlane } from "./plane";
import { asSystem } from "../control-plane/src/db/context";
import { newId } from "../control-plane/src/lib/ids";
import { newSecret } from "../control-plane/src/lib/secrets";
import { insertFleet } from "../test/support/fleet-rows";
import { bareDatabase } from "./reference";

const { values } = parseArgs({
  options: {
    machines: { type: "string", default: "1000" },
    rounds: { type: "string", default: "4" },
    batch: { type: "string", default: "500" },
  },
});
const N = Number(values.machines);
const rounds = Number(values.rounds);
const batch = Number(values.batch);

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey, {
  // The passes measured are the benchmark's own: the loop's tick must not take the queue first.
  taskSchedulerTickMs: 3_600_000,
});
const db = plane.database.db;
const { tenantId, userId } = await plane.services.authenticator.user(`Bearer ${adminKey}`);
const execution = plane.services.tasks.execution;
console.log(`control plane ${plane.url} · database ${plane.database.kind} · ${N} machines, ${N} tasks per round`);

const pipeline = JSON.stringify([{ name: "agent", kind: "agent" }]);
let statements = 0;
plane.database.onStatement(() => statements++);

async function round(r: number) {
  const machines = Array.from({ length: N }, (_, i) => ({
    hostId: newId("host"),
    runtimeId: newId("runtime"),
    name: `sched-${r}-${i}`,
  }));
  for (let i = 0; i < N; i += 500)
    await insertFleet(db, { tenantId, userId }, machines.slice(i, i + 500), { status: "online" });
  await asSystem("benchmark queue", () =>
    db.execute(sql`insert into tasks (id, tenant_id, prompt, pipeline, agent_type, created_at)
      select ${`task_sched_${r}_`} || g, ${tenantId}, 'queued', ${pipeline}::jsonb, 'default', now()
      from generate_series(1, ${N}) g`),
  );
  const before = statements;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let assigned = 0;
  let passes = 0;
  for (let n = batch; n > 0; passes++) {
    n = await asSystem("benchmark scheduling pass", () => execution.assignPending(batch));
    assigned += n;
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { assigned, ms, passes, cpuMs: (cpu.user + cpu.system) / 1000, statements: statements - before };
}

/** The same rows by bare set-based statements on scratch tables, `batch` tasks per statement. */
async function floor(r: number) {
  const bare = await bareDatabase(plane);
  const t = `bench_sched_${process.pid}_${r}`;
  await bare.run(`create table ${t}_tasks (id text primary key, status text, host_id text, command_id text)`);
  await bare.run(`create table ${t}_commands (id text primary key, host_id text, kind text, params jsonb)`);
  await bare.run(`create table ${t}_runs (id text primary key, task_id text, command_id text)`);
  await bare.run(`create table ${t}_events (id text primary key, task_id text, type text, message text)`);
  await bare.run(`insert into ${t}_tasks select 't' || g, 'pending' from generate_series(1, ${N}) g`);
  const t0 = performance.now();
  for (let start = 0; start < N; start += batch) {
    const rows = Array.from({ length: Math.min(batch, N - start) }, (_, k) => ({
      id: `t${start + k + 1}`,
      host_id: `h${start + k}`,
      command_id: `c${start + k}`,
      run_id: `r${start + k}`,
    }));
    await bare.run(
      `with v as (select * from json_to_recordset($1::text::json) as x(id text, host_id text, command_id text, run_id text)),
        c as (insert into ${t}_commands select command_id, host_id, 'agent', '{}'::jsonb from v),
        u as (update ${t}_tasks set status = 'assigned', host_id = v.host_id, command_id = v.command_id from v
          where ${t}_tasks.id = v.id),
        s as (insert into ${t}_runs select run_id, id, command_id from v)
      insert into ${t}_events select v.id || ':' || e.type, v.id, e.type, e.type || ' ' || v.host_id
      from v cross join (values ('status'), ('stage.dispatched')) e(type)`,
      [JSON.stringify(rows)],
    );
  }
  const ms = performance.now() - t0;
  for (const suffix of ["tasks", "commands", "runs", "events"]) await bare.run(`drop table ${t}_${suffix}`);
  await bare.close();
  return ms;
}

const perSec = (n: number, ms: number) => Math.round((n / ms) * 1000);
for (let r = 0; r < rounds; r++) {
  const res = await round(r);
  const floorMs = await floor(r);
  console.log(
    `round ${r + 1}${r === 0 ? " (warm-up)" : ""}: ${res.assigned} assigned in ${res.ms.toFixed(0)} ms (${res.passes} passes)` +
      ` · ${perSec(res.assigned, res.ms)} tasks/s · ${(res.statements / Math.max(1, res.assigned)).toFixed(3)} statements` +
      ` and ${(res.cpuMs / Math.max(1, res.assigned)).toFixed(3)} ms control-plane CPU per task` +
      ` · bare database floor ${floorMs.toFixed(0)} ms (${perSec(N, floorMs)} tasks/s) · ratio ${(res.ms / floorMs).toFixed(1)}×` +
      ` · load ${loadavg()[0]!.toFixed(1)}`,
  );
}
await plane.stop();
process.exit(0);
