/**
 * The compiled edge agent's footprint, one run: start → online (spawn of the binary to the control plane marking
 * its host online: enrollment, MQTT connect, presence committed) and idle RSS (after `--idle-seconds` online: 15 by
 * default, past the release of start-up's pages 2 s after connecting and a full 10 s status/keepalive cycle, so what
 * the idle agent touches again is counted),
 * beside the reference: an idle compiled bun binary (a timer and nothing else). Without --binary the agent is built
 * as it ships (scripts/build-agents.ts). RSS is split into anonymous memory and pages of the binary itself.
 * `--record-order <file>` also writes the bytecode-order profile of the first round's run (see build-agents.ts).
 *
 *   npm run bench:agent -- [--rounds 3] [--idle-seconds 15] [--binary dist/edge-agent-linux-x64] [--record-order f]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startBenchPlane } from "./plane";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import { buildAgent } from "../scripts/build-agents";
import { percentile } from "./stats";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    "idle-seconds": { type: "string", default: "15" },
    binary: { type: "string" },
    "record-order": { type: "string" },
  },
});
const rounds = Number(values.rounds);
const idleMs = Number(values["idle-seconds"]) * 1000;
const root = join(import.meta.dir, "..");
const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
const work = mkdtempSync(join(tmpdir(), "agent-footprint-"));

function compile(entry: string, outfile: string): string {
  const build = Bun.spawnSync([process.execPath, "build", "--compile", entry, "--outfile", outfile], { cwd: root });
  if (build.exitCode !== 0) throw new Error(build.stderr.toString());
  return outfile;
}

/** Resident memory in MiB: all, anonymous, and file-backed (the executable's own pages, shared libraries). */
const memory = (pid: number) => {
  const text = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? Number.NaN);
  return { rss: kb("Rss") / 1024, anon: kb("Anonymous") / 1024, file: (kb("Rss") - kb("Anonymous")) / 1024 };
};

const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");
const loadBefore = load();
let agentBinary = values.binary;
if (!agentBinary) {
  agentBinary = join(work, "edge-agent");
  await buildAgent("x64", agentBinary);
}
writeFileSync(join(work, "idle.ts"), "setInterval(() => {}, 1 << 30);\n");
const idleBinary = compile(join(work, "idle.ts"), join(work, "idle"));
writeFileSync(join(work, "empty.ts"), "\n");
const emptyBinary = compile(join(work, "empty.ts"), join(work, "empty"));

/** Spawn → exit of `argv`, median of 5: for the agent with --version, its start-up with every module loaded. */
async function spawnToExit(argv: string[]): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await Bun.spawn(argv, { stdout: "ignore", stderr: "ignore" }).exited;
    times.push(performance.now() - t0);
  }
  return median(times);
}
const agentLoaded = await spawnToExit([agentBinary, "--version"]);
const emptyLoaded = await spawnToExit([emptyBinary]);

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey);
const api = new ApiClient(plane.url);

const startToOnline: number[] = [];
const agentRss: number[] = [];
const agentAnon: number[] = [];
const agentFile: number[] = [];
const idleRss: number[] = [];
try {
  for (let round = 0; round < rounds; round++) {
    const host = (await api.post("/api/v1/hosts", { name: `footprint-${round}` }, adminKey)).body;
    const identity = (await api.post("/api/runtime/identities", { hostId: host.id }, adminKey)).body;
    const online = new Promise<number>((resolve) => {
      const off = plane.services.events.subscribe((event) => {
        if (event.type === "host.status" && event.hostId === host.id && event.status === "online") {
          off();
          resolve(performance.now());
        }
      });
    });
    const stateDir = mkdtempSync(join(work, "state-"));
    const t0 = performance.now();
    const agent = Bun.spawn([agentBinary], {
      env: {
        EDGE_API_URL: plane.url,
        EDGE_MQTT_URL: plane.transport.mqttUrl,
        EDGE_RUNTIME_ID: identity.runtimeId,
        EDGE_BOOTSTRAP_TOKEN: identity.bootstrapToken,
        EDGE_STATE_DIR: stateDir,
        EDGE_LOG_LEVEL: "silent",
        ...(round === 0 && values["record-order"] ? { BUN_BYTECODE_ORDER_OUT: values["record-order"] } : {}),
      },
      stdout: "ignore",
      stderr: "ignore",
    });
    const idle = Bun.spawn([idleBinary], { stdout: "ignore", stderr: "ignore" });
    try {
      const timeout = Bun.sleep(30_000).then(() => Number.NaN);
      startToOnline.push((await Promise.race([online, timeout])) - t0);
      await Bun.sleep(idleMs);
      const agentMemory = memory(agent.pid);
      agentRss.push(agentMemory.rss);
      agentAnon.push(agentMemory.anon);
      agentFile.push(agentMemory.file);
      idleRss.push(memory(idle.pid).rss);
    } finally {
      agent.kill("SIGTERM");
      idle.kill("SIGKILL");
      await Promise.all([agent.exited, idle.exited]);
    }
  }
} finally {
  await plane.stop();
  rmSync(work, { recursive: true, force: true });
}

const list = (xs: number[], digits: number) => xs.map((x) => x.toFixed(digits)).join(", ");
console.log(
  `compiled edge agent (${values.binary ?? "built now as shipped"}), median of ${rounds}, idle ${idleMs / 1000} s; load average ${loadBefore} before, ${load()} after:`,
);
console.log("  issue #16: idle RSS 73 MiB (target ≤ 45), start → online 216 ms (target ≤ 200)");
console.log(`  start -> online       ${median(startToOnline).toFixed(0)} ms   (${list(startToOnline, 0)})`);
console.log(
  `  spawn -> modules loaded (--version, exits) ${agentLoaded.toFixed(0)} ms   reference: empty bun binary ${emptyLoaded.toFixed(0)} ms`,
);
console.log(`  idle RSS              ${median(agentRss).toFixed(1)} MiB   (${list(agentRss, 1)})`);
console.log(
  `    anonymous           ${median(agentAnon).toFixed(1)} MiB   file-backed ${median(agentFile).toFixed(1)} MiB`,
);
console.log(
  `  reference: idle bun   ${median(idleRss).toFixed(1)} MiB   ratio ${(median(agentRss) / median(idleRss)).toFixed(2)}`,
);
process.exit(0);
