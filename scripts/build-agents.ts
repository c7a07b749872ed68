/**
 * Builds the edge agent as single executables for Linux x64 and arm64, with sha256 checksums:
 *   dist/edge-agent-linux-x64, dist/edge-agent-linux-arm64, dist/SHA256SUMS (`sha256sum -c SHA256SUMS` format).
 *
 *   npm run build:agents -- [--targets x64,arm64] [--outdir dist]
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";

export const AGENT_TARGETS = ["x64", "arm64"] as const;
export type AgentTarget = (typeof AGENT_TARGETS)[number];

const root = join(import.meta.dir, "..");

/** Compiles the agent for `target` to `outfile` (the target's bun runtime comes from the npm registry once). */
export function buildAgent(target: AgentTarget, outfile: string): void {
  const build = Bun.spawnSync(
    [
      process.execPath,
      "build",
      "--compile",
      "--minify",
      `--target=bun-linux-${target}`,
      "edge-agent/src/main.ts",
      "--outfile",
      outfile,
    ],
    { cwd: root, stdout: "pipe", stderr: "pipe" },
  );
  if (build.exitCode !== 0) throw new Error(`agent build for linux-${target} failed:\n${build.stderr.toString()}`);
}

export const sha256File = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      targets: { type: "string", default: AGENT_TARGETS.join(",") },
      outdir: { type: "string", default: "dist" },
    },
  });
  const targets = values.targets.split(",").map((t) => t.trim());
  for (const t of targets)
    if (!(AGENT_TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target ${t} (x64 or arm64)`);
  const outdir = join(root, values.outdir);
  mkdirSync(outdir, { recursive: true });
  const sums: string[] = [];
  for (const target of targets as AgentTarget[]) {
    const outfile = join(outdir, `edge-agent-linux-${target}`);
    buildAgent(target, outfile);
    sums.push(`${sha256File(outfile)}  ${basename(outfile)}`);
    console.log(sums.at(-1));
  }
  writeFileSync(join(outdir, "SHA256SUMS"), `${sums.join("\n")}\n`);
  console.log(`checksums: ${join(values.outdir, "SHA256SUMS")}`);
}
