/**
 * What does the one-port front cost? One run, one control plane (REST and gRPC on one port, the default), measured
 * both ways in the same run, rounds alternating:
 *   - REST: request rate and latency of `GET /health` and an authenticated `GET /api/v1/hosts/:id`, from a load
 *     generator in its own process (N keep-alive clients), directly on Bun's HTTP server (its own loopback port —
 *     the reference floor) and through the front on the main port;
 *   - gRPC: unary `Operator.SendCommand` round trips one at a time, on a separate gRPC listener (GRPC_PORT, the
 *     floor) and through the front.
 *
 *   npm run bench:one-port -- [--clients 16] [--seconds 3] [--rounds 3] [--grpc 300]
 *
 * Each REST result prints the spread: every round's ratio (direct and front run back to back) and each side's
 * slowest–fastest round, so a ratio can be told from the noise of a shared machine.
 */
import { parseArgs } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { OperatorClient } from "@edge/proto/grpc";
import { startBenchPlane } from "./plane";
import { newSecret } from "../control-plane/src/lib/secrets";
import { percentile } from "./stats";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "16" },
    seconds: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    grpc: { type: "string", default: "300" },
    load: { type: "string" },
    path: { type: "string" },
    token: { type: "string" },
  },
});

/** The load generator (child process): keep-alive clients for `seconds`, prints {n, p50, p99} as JSON. */
if (values.load) {
  const url = `${values.load}${values.path}`;
  const headers: Record<string, string> = values.token ? { authorization: `Bearer ${values.token}` } : {};
  const end = performance.now() + Number(values.seconds) * 1000;
  const samples: number[] = [];
  let errors = 0;
  await Promise.all(
    Array.from({ length: Number(values.clients) }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        const res = await fetch(url, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
        samples.push(performance.now() - t0);
      }
    }),
  );
  samples.sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      rate: samples.length / Number(values.seconds),
      p50: percentile(samples, 50),
      p99: percentile(samples, 99),
      errors,
    }),
  );
  process.exit(0);
}

const adminKey = newSecret("roz_sk_");
// Its separate gRPC listener (grpcPort 0) is the floor of the gRPC comparison.
const plane = await startBenchPlane(adminKey, {
  rateLimitAuthFailures: 0,
});
const front = new URL(plane.url).port;
const direct = String(plane.httpPort);
const host = (
  await fetch(`${plane.url}/api/v1/hosts`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminKey}`, "content-type": "application/json" },
    body: JSON.stringify({ name: "bench-one-port" }),
  }).then((r) => r.json() as Promise<{ id: string }>)
).id;
const load = Bun.spawnSync(["uptime"]).stdout.toString().trim();
console.log(
  `one port: front :${front} → HTTP :${direct}, gRPC :${plane.transport.grpc.port} · ${values.clients} clients · ` +
    `${values.seconds} s × ${values.rounds} rounds · ${plane.database.kind}\n${load}`,
);

interface Result {
  rate: number;
  p50: number;
  p99: number;
  errors: number;
}
async function restRound(port: string, path: string, token?: string): Promise<Result> {
  const args = ["--load", `http://127.0.0.1:${port}`, "--path", path, "--clients", values.clients!];
  args.push("--seconds", values.seconds!, ...(token ? ["--token", token] : []));
  const child = Bun.spawn([process.execPath, import.meta.path, ...args], { stdout: "pipe", stderr: "inherit" });
  const out = await new Response(child.stdout).text();
  await child.exited;
  return JSON.parse(out.trim().split("\n").pop()!);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f = (ms: number) => `${ms.toFixed(2)} ms`;

for (const [label, path, token] of [
  ["GET /health", "/health", undefined],
  ["GET /api/v1/hosts/:id (authenticated)", `/api/v1/hosts/${host}`, adminKey],
] as const) {
  const runs: Record<"direct" | "front", Result[]> = { direct: [], front: [] };
  for (let r = 0; r < Number(values.rounds); r++) {
    runs.direct.push(await restRound(direct, path, token));
    runs.front.push(await restRound(front, path, token));
  }
  const rate = { direct: median(runs.direct.map((x) => x.rate)), front: median(runs.front.map((x) => x.rate)) };
  console.log(`\nREST ${label} (median of ${values.rounds} rounds)`);
  for (const k of ["direct", "front"] as const) {
    const p50 = median(runs[k].map((x) => x.p50));
    const p99 = median(runs[k].map((x) => x.p99));
    const errors = runs[k].reduce((a, x) => a + x.errors, 0);
    console.log(
      `  ${k === "direct" ? "Bun HTTP server directly (floor)" : "through the one-port front      "}  ` +
        `${Math.round(rate[k])} req/s  p50 ${f(p50)}  p99 ${f(p99)}${errors ? `  errors ${errors}` : ""}`,
    );
  }
  // The spread: each round's front/direct ratio (adjacent runs), and each side's slowest–fastest round.
  const ratios = runs.front.map((x, i) => x.rate / runs.direct[i]!.rate).sort((a, b) => a - b);
  const span = (k: "direct" | "front") => {
    const xs = runs[k].map((x) => x.rate).sort((a, b) => a - b);
    return `${Math.round(xs[0]!)}–${Math.round(xs[xs.length - 1]!)}`;
  };
  console.log(
    `  ratio front/direct: ${(rate.front / rate.direct).toFixed(2)} of the request rate (median rates); ` +
      `per round ${ratios.map((x) => x.toFixed(2)).join(" ")}; rates direct ${span("direct")}, front ${span("front")} req/s`,
  );
}

// gRPC unary round trips, one at a time, each address its own persistent client.
const md = new grpc.Metadata();
md.set("authorization", `Bearer ${adminKey}`);
async function grpcRound(address: string, n: number) {
  const client = new OperatorClient(address, grpc.credentials.createInsecure());
  const call = () =>
    new Promise<void>((resolve, reject) =>
      client.SendCommand({ hostId: host, kind: "echo", paramsJson: "{}", timeoutMs: 0 }, md, (err: unknown) =>
        err ? reject(err) : resolve(),
      ),
    );
  for (let i = 0; i < 20; i++) await call(); // warm up (connection, JIT)
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call();
    samples.push(performance.now() - t0);
  }
  client.close();
  return samples.sort((a, b) => a - b);
}
const n = Number(values.grpc);
const g = { direct: [] as number[], front: [] as number[] };
for (let r = 0; r < 2; r++) {
  g.direct.push(...(await grpcRound(`127.0.0.1:${plane.transport.grpc.port}`, n / 2)));
  g.front.push(...(await grpcRound(`127.0.0.1:${front}`, n / 2)));
}
console.log(`\ngRPC Operator.SendCommand unary round trip, one at a time (${n} each)`);
for (const k of ["direct", "front"] as const) {
  const s = g[k].sort((a, b) => a - b);
  console.log(
    `  ${k === "direct" ? "separate gRPC listener (floor)" : "through the one-port front     "}  ` +
      `p50 ${f(percentile(s, 50))}  p99 ${f(percentile(s, 99))}`,
  );
}
console.log(`\n${Bun.spawnSync(["uptime"]).stdout.toString().trim()}`);
await plane.stop();
process.exit(0);
