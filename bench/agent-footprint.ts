/**
 * The compiled edge agent's footprint, one run: start → online (spawn of the binary to the control plane marking
 * its host online: enrollment, MQTT connect, presence committed) and idle RSS (after `--idle-seconds` online),
 * beside the reference: an idle compiled bun binary (a timer and nothing else) built the same way.
 *
 *   npm run bench:agent -- [--rounds 3] [--idle-seconds 3] [--binary dist/edge-agent-linux-x64]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startControlPlane } from "../control-plane/src/app";
import { newSecret } from "../control-plane/src/lib/secrets";
import { ApiClient } from "../test/support/control-plane";
import { percentile } from "./stats";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "3" },
    "idle-seconds": { type: "string", default: "3" },
    binary: { type: "string" },
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

const rssMiB = (pid: number) => {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  return Number(kb) / 1024;
};

const agentBinary = values.binary ?? compile("edge-agent/src/main.ts", join(work, "edge-agent"));
writeFileSync(join(work, "idle.ts"), "setInterval(() => {}, 1 << 30);\n");
const idleBinary = compile(join(work, "idle.ts"), join(work, "idle"));

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

const startToOnline: number[] = [];
const agentRss: number[] = [];
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
      },
      stdout: "ignore",
      stderr: "ignore",
    });
    const idle = Bun.spawn([idleBinary], { stdout: "ignore", stderr: "ignore" });
    try {
      const timeout = Bun.sleep(30_000).then(() => Number.NaN);
      startToOnline.push((await Promise.race([online, timeout])) - t0);
      await Bun.sleep(idleMs);
      agentRss.push(rssMiB(agent.pid));
      idleRss.push(rssMiB(idle.pid));
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
console.log(`compiled edge agent (${values.binary ?? "built now"}), median of ${rounds}:`);
console.log(`  start -> online       ${median(startToOnline).toFixed(0)} ms   (${list(startToOnline, 0)})`);
console.log(`  idle RSS              ${median(agentRss).toFixed(1)} MiB   (${list(agentRss, 1)})`);
console.log(
  `  reference: idle bun   ${median(idleRss).toFixed(1)} MiB   ratio ${(median(agentRss) / median(idleRss)).toFixed(2)}`,
);
process.exit(0);
