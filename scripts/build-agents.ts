/**
 * Builds the edge agent as single executables for Linux x64 and arm64, with sha256 checksums:
 *   dist/edge-agent-linux-x64, dist/edge-agent-linux-arm64, dist/SHA256SUMS (`sha256sum -c SHA256SUMS` format).
 *
 *   npm run build:agents -- [--targets x64,arm64] [--outdir dist]
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { parseArgs } from "node:util";

export const AGENT_TARGETS = ["x64", "arm64"] as const;
export type AgentTarget = (typeof AGENT_TARGETS)[number];

const root = join(import.meta.dir, "..");

/**
 * How the shipped agent is compiled, for its footprint (README, "Telemetry ingest, cold start, agent footprint"):
 * - bytecode compiled at build time, laid out by the profile of a real run (`edge-agent/agent.bytecode-order`, recorded
 *   by `npm run bench:agent -- --record-order edge-agent/agent.bytecode-order`; an old profile still applies, changed
 *   functions go after it): the binary reads and decodes less of itself at start;
 * - JavaScriptCore's tier-up thresholds scaled by AGENT_JIT_POLICY: the agent is I/O bound, and start-up code that
 *   runs a handful of times is not worth JIT-compiling (the compilers' own code and output stay resident);
 * - `--smol` (JavaScriptCore's small heap: collects more often, keeps less);
 * - `long` left out: protobufjs uses it only when present, for 64-bit fields as Long objects; without it they are
 *   numbers, the same bytes on the wire (test/unit/proto-no-long.test.ts), and its WebAssembly module is not compiled.
 */
export const AGENT_JIT_POLICY = 100;
export const AGENT_BYTECODE_ORDER = join(root, "edge-agent", "agent.bytecode-order");

const withoutLong: Bun.BunPlugin = {
  name: "agent-without-long",
  setup(build) {
    build.onResolve({ filter: /^long$/ }, () => ({ path: "long", namespace: "agent-without-long" }));
    build.onLoad({ filter: /.*/, namespace: "agent-without-long" }, () => ({
      contents: "module.exports = null;",
      loader: "js",
    }));
  },
};

/** Compiles the agent for `target` to `outfile` (the target's bun runtime comes from the npm registry once). */
export async function buildAgent(target: AgentTarget, outfile: string): Promise<void> {
  const build = await Bun.build({
    entrypoints: [join(root, "edge-agent/src/main.ts")],
    minify: true,
    bytecode: true,
    plugins: [withoutLong],
    compile: {
      target: `bun-linux-${target}`,
      outfile,
      execArgv: ["--smol"],
      jitPolicy: AGENT_JIT_POLICY,
      bytecodeOrder: existsSync(AGENT_BYTECODE_ORDER) && AGENT_BYTECODE_ORDER,
    },
    throw: false,
  });
  if (!build.success)
    throw new Error(`agent build for linux-${target} failed:\n${build.logs.map((log) => String(log)).join("\n")}`);
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
    await buildAgent(target, outfile);
    sums.push(`${sha256File(outfile)}  ${basename(outfile)}`);
    console.log(sums.at(-1));
  }
  writeFileSync(join(outdir, "SHA256SUMS"), `${sums.join("\n")}\n`);
  console.log(`checksums: ${join(values.outdir, "SHA256SUMS")}`);
}
