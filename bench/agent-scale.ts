/**
 * Fleet scale: thousands of simulated agents on one control plane, and the bare broker's floor, in one run.
 *
 * For each fleet size N:
 *   1. reference floor: N plain MQTT clients (bare CONNECT, clean session) connect to a bare broker — a fresh aedes in
 *      this process for the embedded mode, the same external broker (MQTT_URL) otherwise;
 *   2. a fresh control plane in this process (embedded aedes + PGlite, or MQTT_URL + DATABASE_URL), N hosts with live
 *      runtime credentials, then N simulated agents (bench/scale-agents.ts, spread over `--children` processes so that
 *      the measuring process is not the bottleneck) that connect as the real agent does (persistent session, Last
 *      Will, six subscriptions, ONLINE presence retained) and report a numbered status every `--status-s` seconds:
 *      time until all are connected, until all are marked online (read from the database);
 *   3. idle for `--idle-s` seconds: control plane CPU (all its threads, PGlite's worker included) and RSS (per 1,000
 *      agents, against the RSS before the agents came), PostgreSQL backends' CPU, status reports offered and receipted
 *      per second, keep-alive drops, event-loop lag (a 50 ms timer's delay) during the connect storm and at idle;
 *   4. presence: one child process is killed (its agents' Last Wills fire): time until exactly its hosts are offline
 *      and all the others still online.
 * Beside the figures, those recorded in issue #16 before this work.
 *
 *   npm run bench:scale -- [--agents 5000,10000] [--children 4] [--idle-s 30] [--status-s 10] [--in-flight 100]
 *   (DATABASE_URL / MQTT_URL select PostgreSQL and an external broker; use a scratch database)
 */
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Aedes } from "aedes";
import { sql } from "drizzle-orm";
import type { ControlPlane } from "../control-plane/src/app";
import { startBenchPlane } from "./plane";
import { rowsOf } from "../control-plane/src/db/connect";
import { insertFleet } from "../test/support/fleet-rows";
import { asSystem } from "../control-plane/src/db/context";
import { sessionTokens } from "../control-plane/src/db/schema";
import { newId } from "../control-plane/src/lib/ids";
import { hashSecret, newSecret } from "../control-plane/src/lib/secrets";
import { RUNTIME_ACCESS_PREFIX } from "../control-plane/src/modules/runtime/principal";
import { percentile } from "./stats";
import { databaseCpuMs } from "./reference";

const { values } = parseArgs({
  options: {
    agents: { type: "string", default: "5000,10000" },
    children: { type: "string", default: "4" },
    "idle-s": { type: "string", default: "30" },
    "status-s": { type: "string", default: "10" },
    "in-flight": { type: "string", default: "100" },
    "timeout-s": { type: "string", default: "240" },
  },
});
const sizes = values.agents.split(",").map(Number);
const CHILDREN = Number(values.children);
const IDLE_MS = Number(values["idle-s"]) * 1000;
const STATUS_MS = Number(values["status-s"]) * 1000;
const IN_FLIGHT = Number(values["in-flight"]);
const TIMEOUT_MS = Number(values["timeout-s"]) * 1000;
const external = Boolean(process.env.MQTT_URL);
const mode = external ? "Mosquitto + PostgreSQL" : "embedded aedes + PGlite";

/** Issue #16's figures (before this work), by mode and fleet size. */
const BEFORE: Record<string, Record<number, string>> = {
  "embedded aedes + PGlite": {
    5000: "connected in 27 s; only 755 online; status 76/s processed of 500/s offered (bare aedes: 14 s)",
    10000: "loop lag 53 s while connecting; all 10,000 dropped by keep-alive; 0 online",
  },
  "Mosquitto + PostgreSQL": {
    5000: "connected 4.2 s, all online 9.8 s; RSS 142 MiB; idle cp 44 % CPU + PostgreSQL 58 % (bare Mosquitto: 1.6 s)",
    10000: "(not recorded; notes: all online in ~22 s, 615 of 1,000 status/s processed, presence 40–140 s late)",
  },
};

// ---------------------------------------------------------------------------------------------------------------
/** The event loop's lag: how late a 50 ms timer fires. */
class LagMonitor {
  private samples: number[] = [];
  private last = performance.now();
  private readonly timer = setInterval(() => {
    const now = performance.now();
    this.samples.push(Math.max(0, now - this.last - 50));
    this.last = now;
  }, 50);
  take() {
    const sorted = this.samples.sort((a, b) => a - b);
    this.samples = [];
    return { p99: percentile(sorted, 99), max: sorted.at(-1) ?? 0 };
  }
  stop() {
    clearInterval(this.timer);
  }
}

interface ChildStats {
  connected: number;
  everConnected: number;
  drops: number;
  failures: number;
  statusSent: number;
  receipts: number;
  allConnectedMs?: number;
}

interface Identity {
  runtimeId: string;
  tenantId: string;
  hostId: string;
  accessToken: string;
}

/** Simulated agents over `CHILDREN` processes. */
function startFleet(ids: Identity[], url: string, kind: "plain" | "agent") {
  const share = Math.ceil(ids.length / CHILDREN);
  const children = Array.from({ length: CHILDREN }, (_, c) => {
    const part = ids.slice(c * share, (c + 1) * share);
    const file = join(tmpdir(), `scale-${process.pid}-${kind}-${c}.json`);
    Bun.write(file, JSON.stringify(part));
    return { part, file };
  });
  const stats: ChildStats[] = children.map(() => ({
    connected: 0,
    everConnected: 0,
    drops: 0,
    failures: 0,
    statusSent: 0,
    receipts: 0,
  }));
  const procs = children.map(({ file }, c) => {
    // Written synchronously enough: Bun.write resolves before the child reads (it starts reading after its start-up).
    const proc = Bun.spawn(
      [
        process.execPath,
        join(import.meta.dir, "scale-agents.ts"),
        file,
        url,
        kind,
        String(STATUS_MS),
        String(IN_FLIGHT),
      ],
      { stdin: "pipe", stdout: "pipe", stderr: "inherit" },
    );
    void (async () => {
      let buffered = "";
      for await (const chunk of proc.stdout) {
        buffered += new TextDecoder().decode(chunk);
        let nl = buffered.indexOf("\n");
        while (nl >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          try {
            stats[c] = JSON.parse(line);
          } catch {}
          nl = buffered.indexOf("\n");
        }
      }
    })();
    return proc;
  });
  const sum = (k: keyof ChildStats) => stats.reduce((a, s) => a + (Number(s[k]) || 0), 0);
  return {
    children: children.map((c) => c.part),
    total: () => ({
      connected: sum("connected"),
      everConnected: sum("everConnected"),
      drops: sum("drops"),
      failures: sum("failures"),
      statusSent: sum("statusSent"),
      receipts: sum("receipts"),
      allConnectedMs: stats.every((s, c) => s.allConnectedMs !== undefined || c >= procs.length)
        ? Math.max(...stats.map((s) => s.allConnectedMs ?? 0))
        : undefined,
    }),
    kill(c: number) {
      procs[c]!.kill("SIGKILL");
      stats[c] = { ...stats[c]!, connected: 0 };
    },
    async stop() {
      for (const p of procs) {
        try {
          p.stdin.write("stop\n");
          p.stdin.flush();
        } catch {}
      }
      await Promise.race([Promise.all(procs.map((p) => p.exited)), Bun.sleep(60_000)]);
      for (const p of procs) p.kill("SIGKILL");
    },
  };
}

const until = async (what: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 250) => {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (await what()) return true;
    await Bun.sleep(everyMs);
  }
  return false;
};

/** N hosts with a bootstrapped runtime identity and a live access token each, written in bulk. */
async function provision(plane: ControlPlane, adminKey: string, n: number, prefix: string): Promise<Identity[]> {
  const principal = await plane.services.authenticator.user(`Bearer ${adminKey}`);
  const { tenantId, userId } = principal;
  const db = plane.database.db;
  const out: Identity[] = [];
  for (let start = 0; start < n; start += 500) {
    const chunk = Array.from({ length: Math.min(500, n - start) }, (_, k) => {
      const i = start + k;
      return {
        hostId: newId("host"),
        runtimeId: newId("runtime"),
        accessToken: newSecret(RUNTIME_ACCESS_PREFIX),
        name: `${prefix}-${String(i).padStart(5, "0")}`,
      };
    });
    await insertFleet(db, { tenantId, userId }, chunk, { runtimeVersion: "scale-sim" });
    await asSystem("benchmark provisioning", async () => {
      await db.insert(sessionTokens).values(
        chunk.map((c) => ({
          id: newId("tok"),
          familyId: newId("fam"),
          tenantId,
          runtimeId: c.runtimeId,
          kind: "access" as const,
          tokenHash: hashSecret(c.accessToken),
          expiresAt: new Date(Date.now() + 6 * 3600_000),
        })),
      );
    });
    for (const c of chunk) out.push({ runtimeId: c.runtimeId, tenantId, hostId: c.hostId, accessToken: c.accessToken });
  }
  return out;
}

async function countStatus(plane: ControlPlane, tenantId: string, prefix: string) {
  const rows = rowsOf(
    await asSystem("benchmark presence check", () =>
      plane.database.db.execute(
        sql`select status, count(*)::int as n from hosts where tenant_id = ${tenantId} and name like ${`${prefix}-%`}
          group by status`,
      ),
    ),
  );
  const by: Record<string, number> = {};
  for (const r of rows) by[String(r.status)] = Number(r.n);
  return by;
}

// ---------------------------------------------------------------------------------------------------------------
/** The floor: N plain clients connect to a bare broker. */
async function bareConnect(n: number): Promise<number | undefined> {
  let url = process.env.MQTT_URL!;
  let close = async () => {};
  if (!external) {
    const broker = await Aedes.createBroker();
    const server = createServer(broker.handle);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const address = server.address();
    url = `mqtt://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    close = async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  }
  const tag = `bare${Date.now().toString(36)}`;
  const ids = Array.from({ length: n }, (_, i) => ({
    runtimeId: `${tag}-${i}`,
    tenantId: "t",
    hostId: "h",
    accessToken: "",
  }));
  const fleet = startFleet(ids, url, "plain");
  await until(() => fleet.total().allConnectedMs !== undefined, TIMEOUT_MS);
  const ms = fleet.total().allConnectedMs;
  await fleet.stop();
  await close();
  return ms;
}

interface Row {
  n: number;
  bareMs?: number;
  connectedMs?: number;
  onlineMs?: number;
  onlineAtEnd: number;
  connectLag: { p99: number; max: number };
  idleLag: { p99: number; max: number };
  cpuPct: number;
  pgCpuPct: number;
  rssMiB: number;
  rssBaseMiB: number;
  statusOffered: number;
  statusReceipted: number;
  drops: number;
  failures: number;
  offlineMs?: number;
  offlineWant: number;
  offlineGot: number;
  othersOnline: number;
  load: string;
  connectStatements: number;
  idleStatementsPerS: number;
}

async function run(n: number): Promise<Row> {
  const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  console.log(`\n## ${n} agents · ${mode} · load average ${load}`);
  const bareMs = await bareConnect(n);
  console.log(`  bare broker: ${n} plain clients connected in ${((bareMs ?? NaN) / 1000).toFixed(1)} s`);

  const adminKey = newSecret("roz_sk_");
  const plane = await startBenchPlane(adminKey);
  const prefix = `scale${Date.now().toString(36)}`;
  const ids = await provision(plane, adminKey, n, prefix);
  const tenantId = ids[0]!.tenantId;
  Bun.gc(true);
  await Bun.sleep(500);
  const rssBase = process.memoryUsage().rss;

  let statements = new Map<string, number>();
  const stopCounting = plane.database.onStatement((text) => {
    const key = text.replace(/\s+/g, " ").slice(0, 110);
    statements.set(key, (statements.get(key) ?? 0) + 1);
  });
  const takeStatements = (what: string) => {
    const total = [...statements.values()].reduce((a, b) => a + b, 0);
    console.log(`  statements while ${what}: ${total} (${(total / n).toFixed(2)} per agent)`);
    if (process.env.SCALE_STATEMENTS)
      for (const [k, v] of [...statements].sort((a, b) => b[1] - a[1]).slice(0, 25))
        console.log(`    ${String(v).padStart(7)}  ${k}`);
    statements = new Map();
    return total;
  };
  const lag = new LagMonitor();
  const t0 = performance.now();
  const fleet = startFleet(ids, plane.transport.mqttUrl, "agent");
  let connectedMs: number | undefined;
  let onlineMs: number | undefined;
  await until(
    async () => {
      const t = fleet.total();
      if (connectedMs === undefined && t.allConnectedMs !== undefined) connectedMs = performance.now() - t0;
      if (onlineMs === undefined && ((await countStatus(plane, tenantId, prefix)).online ?? 0) === n)
        onlineMs = performance.now() - t0;
      return connectedMs !== undefined && onlineMs !== undefined;
    },
    TIMEOUT_MS,
    500,
  );
  const connectLag = lag.take();
  console.log(
    `  control plane: connected ${connectedMs ? (connectedMs / 1000).toFixed(1) : "NOT ALL"} s, online ${onlineMs ? (onlineMs / 1000).toFixed(1) : "NOT ALL"} s, loop lag max ${connectLag.max.toFixed(0)} ms`,
  );

  // Every agent's first numbered report creates its sequence row (the single path): wait one status period.
  await Bun.sleep(STATUS_MS + 1000);
  const connectStatements = takeStatements("connecting (and first status)");
  // Idle: status every STATUS_MS from every agent.
  const before = fleet.total();
  const cpu0 = process.cpuUsage();
  const pg0 = (await databaseCpuMs(plane)) ?? 0;
  const w0 = performance.now();
  await Bun.sleep(IDLE_MS);
  const wall = performance.now() - w0;
  const cpu = process.cpuUsage(cpu0);
  const pg1 = (await databaseCpuMs(plane)) ?? 0;
  const idleLag = lag.take();
  const after = fleet.total();
  const rss = process.memoryUsage().rss;
  const idleStatements = takeStatements("idle");
  stopCounting();
  const onlineAtEnd = (await countStatus(plane, tenantId, prefix)).online ?? 0;

  // Presence: one child's agents die at once; their wills mark exactly those hosts offline.
  const gone = new Set(fleet.children[0]!.map((i) => i.hostId));
  fleet.kill(0);
  const k0 = performance.now();
  let offlineMs: number | undefined;
  let got = 0;
  let others = 0;
  const goneIds = [...gone];
  await until(
    async () => {
      // Exactly the killed agents' hosts go offline; the others stay as they were.
      const [row] = rowsOf(
        await asSystem("benchmark presence check", () =>
          plane.database.db.execute(
            sql`select count(*) filter (where status = 'offline' and id = any(string_to_array(${goneIds.join(",")}, ',')))::int as gone,
              count(*) filter (where status = 'online' and not id = any(string_to_array(${goneIds.join(",")}, ',')))::int as others
            from hosts where tenant_id = ${tenantId} and name like ${`${prefix}-%`}`,
          ),
        ),
      );
      got = Number(row?.gone ?? 0);
      others = Number(row?.others ?? 0);
      if (got === gone.size) offlineMs = performance.now() - k0;
      return offlineMs !== undefined;
    },
    60_000,
    250,
  );
  lag.stop();
  await fleet.stop();
  await plane.stop();
  return {
    n,
    bareMs,
    connectedMs,
    onlineMs,
    onlineAtEnd,
    connectLag,
    idleLag,
    cpuPct: ((cpu.user + cpu.system) / 1000 / wall) * 100,
    pgCpuPct: ((pg1 - pg0) * 100) / wall,
    rssMiB: rss / 2 ** 20,
    rssBaseMiB: rssBase / 2 ** 20,
    statusOffered: ((after.statusSent - before.statusSent) / wall) * 1000,
    statusReceipted: ((after.receipts - before.receipts) / wall) * 1000,
    drops: after.drops,
    failures: after.failures,
    offlineMs,
    offlineWant: gone.size,
    offlineGot: got,
    othersOnline: others,
    load,
    connectStatements: connectStatements / n,
    idleStatementsPerS: (idleStatements / wall) * 1000,
  };
}

const rows: Row[] = [];
for (const n of sizes) rows.push(await run(n));

const s = (ms?: number) => (ms === undefined ? "not all" : `${(ms / 1000).toFixed(1)} s`);
console.log(
  `\n### ${mode}, ${CHILDREN} agent processes, status every ${STATUS_MS / 1000} s, idle ${IDLE_MS / 1000} s\n`,
);
console.log(
  "| agents | before (issue #16) | connected (bare broker) | all online | online at end of idle | keep-alive drops | loop lag max: connecting / idle | idle CPU: cp (+PostgreSQL) | RSS (per 1,000 agents) | status receipted / offered | presence: 1/" +
    CHILDREN +
    " killed → offline | load avg |",
);
console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
for (const r of rows) {
  const perK = ((r.rssMiB - r.rssBaseMiB) / r.n) * 1000;
  console.log(
    `| ${r.n} | ${BEFORE[mode]?.[r.n] ?? "—"} | ${s(r.connectedMs)} (${s(r.bareMs)}; ${((r.connectedMs ?? NaN) / (r.bareMs ?? NaN)).toFixed(1)}×) | ${s(r.onlineMs)} | ${r.onlineAtEnd}/${r.n} | ${r.drops} (failed connects ${r.failures}) | ${r.connectLag.max.toFixed(0)} / ${r.idleLag.max.toFixed(0)} ms | ${r.cpuPct.toFixed(0)} %${external ? ` + ${r.pgCpuPct.toFixed(0)} %` : ""} (${((r.cpuPct / r.n) * 1000).toFixed(1)} % per 1,000) | ${r.rssMiB.toFixed(0)} MiB, +${(r.rssMiB - r.rssBaseMiB).toFixed(0)} over ${r.rssBaseMiB.toFixed(0)} (${perK.toFixed(1)} MiB per 1,000) | ${r.statusReceipted.toFixed(0)}/s of ${r.statusOffered.toFixed(0)}/s | ${r.offlineGot}/${r.offlineWant} in ${s(r.offlineMs)}, others online ${r.othersOnline} | ${r.load} |`,
  );
}
const worst = rows.map((r) => ((r.rssMiB - r.rssBaseMiB) / r.n) * 1000);
console.log(`\nRSS budget: < 100 MiB per 1,000 agents — ${worst.every((w) => w < 100) ? "met" : "NOT met"}.`);
process.exit(0);
