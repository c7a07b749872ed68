/**
 * Is the control plane still responsive while its database works hard? One run, one control plane:
 *   - reference: `GET /health` latency with no load, and a bare `select 1` on the same database;
 *   - load: N concurrent REST clients writing and listing (create a host, list commands) as fast as they can;
 *   - probe: `GET /health` every 10 ms during the load.
 * With PGlite on the main thread the probe waited for every statement in the queue (p99 ~600 ms at 50 clients);
 * on its worker thread it only waits for the HTTP work in front of it.
 *
 *   npm run bench:health -- [--clients 50] [--seconds 10]   (DATABASE_URL selects a real PostgreSQL)
 */
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { startBenchPlane } from "./plane";
import { newSecret } from "../control-plane/src/lib/secrets";
import { fmt, summarize } from "./stats";

const { values } = parseArgs({
  options: { clients: { type: "string", default: "50" }, seconds: { type: "string", default: "10" } },
});
const clients = Number(values.clients);
const seconds = Number(values.seconds);

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey);
const headers = { authorization: `Bearer ${adminKey}`, "content-type": "application/json" };
console.log(`control plane ${plane.url} · database ${plane.database.kind} · ${clients} clients · ${seconds} s`);

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}
const health = () => fetch(`${plane.url}/health`).then((r) => r.arrayBuffer());

// Reference floors, same run: the health route and the database, each alone.
const idle: number[] = [];
for (let i = 0; i < 300; i++) idle.push(await timed(health));
const bareDb: number[] = [];
for (let i = 0; i < 300; i++) bareDb.push(await timed(() => plane.database.db.execute(sql`select 1`)));

let running = true;
let writes = 0;
async function client(n: number) {
  while (running) {
    await fetch(`${plane.url}/api/v1/hosts`, {
      method: "POST",
      headers,
      body: JSON.stringify({ name: `load-${n}-${writes++}` }),
    }).then((r) => r.arrayBuffer());
    await fetch(`${plane.url}/api/v1/commands?limit=50`, { headers }).then((r) => r.arrayBuffer());
  }
}
const underLoad: number[] = [];
async function probe() {
  while (running) {
    underLoad.push(await timed(health));
    await Bun.sleep(10);
  }
}
const started = performance.now();
const load = Array.from({ length: clients }, (_, n) => client(n));
const probing = probe();
await Bun.sleep(seconds * 1000);
running = false;
await Promise.all([...load, probing]);
const wall = performance.now() - started;

const idleStats = summarize(idle, 1);
const dbStats = summarize(bareDb, 1);
const loadStats = summarize(underLoad, 1);
console.log(`reference  GET /health idle:      p50 ${fmt(idleStats.p50)}  p99 ${fmt(idleStats.p99)}`);
console.log(`reference  bare select 1:         p50 ${fmt(dbStats.p50)}  p99 ${fmt(dbStats.p99)}`);
console.log(`under load GET /health (n=${loadStats.n}): p50 ${fmt(loadStats.p50)}  p99 ${fmt(loadStats.p99)}`);
console.log(
  `ratio under load / idle: p50 ${(loadStats.p50 / idleStats.p50).toFixed(1)}×  p99 ${(loadStats.p99 / idleStats.p99).toFixed(1)}×`,
);
console.log(`load: ${((writes / wall) * 1000).toFixed(0)} host writes/s (plus as many list reads)`);
await plane.stop();
process.exit(0);
