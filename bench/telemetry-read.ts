/**
 * Reading a host's telemetry with many points stored, one run, same control plane and database:
 *   - HTTP: `GET /api/v1/hosts/:id/telemetry` (the latest 100 points) and `?name=` (the latest 100 of one name),
 *     one request at a time, timed at the client.
 *   - reference: the same SELECTs over a plain connection (PostgreSQL: a pool of the connecting role, prepared;
 *     PGlite: the same instance), so the difference is what the API adds (auth, tenant context, checks, JSON).
 * The host's points are written straight into the table first (`--points`, 10 names, one a millisecond).
 *
 *   npm run bench:telemetry-read -- [--points 1000000] [--reads 2000]
 *   (DATABASE_URL selects a real PostgreSQL; the benchmark bootstraps into it, so point it at a scratch one)
 */
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { startBenchPlane } from "./plane";
import { asSystem } from "../control-plane/src/db/context";
import { rowsOf } from "../control-plane/src/db/connect";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import { bareDatabase } from "./reference";
import { fmt, summarize } from "./stats";

const { values } = parseArgs({
  options: {
    points: { type: "string", default: "1000000" },
    reads: { type: "string", default: "2000" },
  },
});
const points = Number(values.points);
const reads = Number(values.reads);
/** Issue #16's figures (PostgreSQL, 1 M points stored). */
const BEFORE = "p50 1.9 ms over HTTP, bare SQL 0.44 ms";
const CHUNK = 100_000;

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey, { telemetryRetentionSweepMs: 0 });
const api = new ApiClient(plane.url);
const host = (await api.post("/api/v1/hosts", { name: `telemetry-read-${crypto.randomUUID()}` }, adminKey)).body;
const tenantId = String(
  rowsOf(
    await asSystem("benchmark: the host's tenant", () =>
      plane.database.db.execute(sql`select tenant_id from hosts where id = ${host.id}`),
    ),
  )[0]!.tenant_id,
);
console.log(`database ${plane.database.kind} · host ${host.id} · filling ${points.toLocaleString()} points`);

const fillStart = performance.now();
for (let from = 1; from <= points; from += CHUNK) {
  const to = Math.min(points, from + CHUNK - 1);
  await asSystem("benchmark: fill the host's telemetry", () =>
    plane.database.db.execute(sql`insert into telemetry_points (tenant_id, host_id, seq, name, value, tags, at)
      select ${tenantId}, ${host.id}, s, 'metric-' || (s % 10), s * 0.5, '{}'::jsonb,
        now() - (${points}::int - s) * interval '1 millisecond'
      from generate_series(${from}::int, ${to}::int) s`),
  );
}
// What autovacuum (PostgreSQL) or the control plane's own schedule (PGlite) would have done by now.
await plane.database.maintain();
console.log(`filled in ${((performance.now() - fillStart) / 1000).toFixed(1)} s`);

/** `reads` sequential calls of `read` after 100 unmeasured ones; their durations (ms). */
async function timed(read: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 100; i++) await read();
  const out: number[] = [];
  for (let i = 0; i < reads; i++) {
    const t0 = performance.now();
    await read();
    out.push(performance.now() - t0);
  }
  return out;
}

async function httpRead(query: string) {
  const res = await api.get(`/api/v1/hosts/${host.id}/telemetry${query}`, adminKey);
  if (res.status !== 200 || res.body.items.length !== 100) throw new Error(`unexpected answer ${res.status}`);
}

const bare = await bareDatabase(plane);
// PGlite's bare statements run as the application role, under Row Level Security: as the system, as the API's are
// by their tenant.
const bareRead = (filter: string, params: unknown[]) => () =>
  asSystem("benchmark: bare read", () =>
    bare.run(
      `select seq, name, value, tags, at, received_at from telemetry_points
      where host_id = $1${filter} order by seq desc limit 100`,
      [host.id, ...params],
    ),
  );

const rows = [
  {
    what: "latest 100 points",
    http: await timed(() => httpRead("")),
    bare: await timed(bareRead("", [])),
  },
  {
    what: "latest 100 of one name",
    http: await timed(() => httpRead("?name=metric-3")),
    bare: await timed(bareRead(" and name = $2", ["metric-3"])),
  },
];
await bare.close();

console.log(
  `\nreading a host's telemetry, ${points.toLocaleString()} points stored, ${reads} reads each, one at a time`,
);
console.log(`  before (issue #16, PostgreSQL, 1 M points): ${BEFORE}`);
for (const row of rows) {
  const http = summarize(row.http, 1);
  const floor = summarize(row.bare, 1);
  console.log(
    `  ${row.what.padEnd(24)} HTTP p50=${fmt(http.p50)} p99=${fmt(http.p99)} · bare SQL (same run) ` +
      `p50=${fmt(floor.p50)} p99=${fmt(floor.p99)} · HTTP / bare p50 ${(http.p50 / floor.p50).toFixed(2)}`,
  );
}
await plane.stop();
process.exit(0);
