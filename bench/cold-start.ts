/**
 * Control plane cold start on the embedded PGlite: from spawning `control-plane/src/main.ts` to `GET /health`
 * answering, for a fresh data directory, the same directory again (existing data) and `memory://`.
 * The reference is an idle `bun -e` process started and exited in the same run.
 *
 *   npm run bench:cold-start -- [--rounds 3]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { percentile } from "./stats";

const median = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const rounds = arg("rounds", 3);
const mainFile = join(import.meta.dir, "../control-plane/src/main.ts");

/** Milliseconds from spawn to the first successful `/health`. */
async function startOnce(dataDir: string): Promise<number> {
  const t0 = performance.now();
  const proc = Bun.spawn([process.execPath, mainFile], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: "0", MQTT_PORT: "0", GRPC_PORT: "0", LOG_LEVEL: "info" },
    stdout: "pipe", // the log (JSON lines)
    stderr: "ignore",
  });
  try {
    const decoder = new TextDecoder();
    let seen = "";
    for await (const chunk of proc.stdout) {
      seen += decoder.decode(chunk);
      const url = /listening on (http:\/\/\S+)/.exec(seen)?.[1];
      if (!url) continue;
      while ((await fetch(`${url}/health`).catch(() => undefined))?.ok !== true) await Bun.sleep(5);
      return performance.now() - t0;
    }
    throw new Error(`control plane exited (${await proc.exited}) before listening`);
  } finally {
    proc.kill("SIGTERM");
    await proc.exited;
  }
}

async function bareBun(): Promise<number> {
  const t0 = performance.now();
  await Bun.spawn([process.execPath, "-e", "0"]).exited;
  return performance.now() - t0;
}

// The first start on a machine (per migrations version) creates the migrated templates in the OS temp dir.
const warmDir = mkdtempSync(join(tmpdir(), "cold-start-"));
const warmUp = await startOnce(join(warmDir, "pglite"));
rmSync(warmDir, { recursive: true, force: true });

const fresh: number[] = [];
const existing: number[] = [];
const memory: number[] = [];
const bare: number[] = [];
for (let i = 0; i < rounds; i++) {
  const dir = mkdtempSync(join(tmpdir(), "cold-start-"));
  try {
    fresh.push(await startOnce(join(dir, "pglite")));
    existing.push(await startOnce(join(dir, "pglite")));
    memory.push(await startOnce("memory://"));
    bare.push(await bareBun());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
console.log(`control plane start -> /health, PGlite, median of ${rounds}:`);
console.log("  issue #16: fresh PGlite 4.6 s (existing data 0.9 s); target ≤ 1.5 s");
console.log(`  fresh data directory   ${ms(fresh)}   (${fresh.map((x) => x.toFixed(0)).join(", ")})`);
console.log(`  existing data          ${ms(existing)}`);
console.log(`  memory://              ${ms(memory)}`);
console.log(
  `  ratio fresh / existing data ${(median(fresh) / median(existing)).toFixed(2)} (the part a new database adds)`,
);
console.log(`  first start (templates made if missing) ${warmUp.toFixed(0)} ms`);
console.log(`  reference: bare bun    ${ms(bare)}   ratio fresh / bare ${(median(fresh) / median(bare)).toFixed(1)}`);
