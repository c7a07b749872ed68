/**
 * Where the one-port front's REST cost comes from: a trivial `Bun.serve` (a JSON `/health`) measured directly and
 * behind a minimal splice (Bun.listen → Bun.connect, the same as transport/port-mux.ts) whose inner hop is either
 * TCP loopback (what the front does: the HTTP server learns the real client from the loopback connection's port) or
 * a unix socket (no port, so no client address for rate limits), and behind the same TCP splice run on a `Worker`
 * thread (bench/one-port-hop-splice.ts), so the server's thread does only what it does without a front. Rounds
 * alternate; prints every round, the ratio of the medians, and this process's CPU time (all threads) per request.
 *
 *   bun bench/one-port-hop.ts [--rounds 5] [--seconds 2] [--clients 16]
 */
import { parseArgs } from "node:util";
import { splice } from "./one-port-hop-splice";

const { values } = parseArgs({
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "2" },
    clients: { type: "string", default: "16" },
    load: { type: "string" },
  },
});
const seconds = Number(values.seconds);

if (values.load) {
  const end = performance.now() + seconds * 1000;
  let n = 0;
  await Promise.all(
    Array.from({ length: Number(values.clients) }, async () => {
      while (performance.now() < end) {
        await (await fetch(values.load!)).arrayBuffer();
        n++;
      }
    }),
  );
  console.log(n / seconds);
  process.exit(0);
}

const handler = () => Response.json({ status: "ok" });
const tcp = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: handler });
const path = `/tmp/one-port-hop-${process.pid}.sock`;
const unix = Bun.serve({ unix: path, fetch: handler });

const worker = new Worker(new URL("./one-port-hop-splice.ts", import.meta.url).href);
const workerPort = await new Promise<number>((resolve) => {
  worker.onmessage = (e: MessageEvent<number>) => resolve(e.data);
  worker.postMessage({ port: tcp.port! });
});
const fronts = { tcp: splice({ port: tcp.port! }), unix: splice({ unix: path }) };
const variants: [string, number][] = [
  ["Bun.serve directly (floor)", tcp.port!],
  ["splice, TCP loopback hop  ", fronts.tcp.port],
  ["splice, unix socket hop   ", fronts.unix.port],
  ["splice in a Worker, TCP   ", workerPort],
];
const uptime = () => Bun.spawnSync(["uptime"]).stdout.toString().trim();
console.log(`one-port hop · ${values.clients} clients · ${seconds} s × ${values.rounds} rounds\n${uptime()}`);
const rates = variants.map(() => [] as number[]);
/** CPU time of this process (all its threads: the servers, the splices, the worker) per request, µs. */
const cpus = variants.map(() => [] as number[]);
for (let r = 0; r < Number(values.rounds); r++) {
  for (const [i, [, port]] of variants.entries()) {
    const cpu0 = process.cpuUsage();
    const url = `http://127.0.0.1:${port}/health`;
    const child = Bun.spawn(
      [process.execPath, import.meta.path, "--load", url, "--seconds", values.seconds!, "--clients", values.clients!],
      { stdout: "pipe" },
    );
    const rate = Number((await new Response(child.stdout).text()).trim());
    await child.exited;
    const cpu = process.cpuUsage(cpu0);
    rates[i]!.push(rate);
    cpus[i]!.push((cpu.user + cpu.system) / (rate * seconds));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
for (const [i, [label]] of variants.entries()) {
  const xs = rates[i]!;
  const perRound = xs.map((x, r) => (x / rates[0]![r]!).toFixed(2)).join(" ");
  console.log(
    `  ${label}  ${Math.round(median(xs))} req/s (rounds ${xs.map(Math.round).join(" ")})  ` +
      `CPU ${median(cpus[i]!).toFixed(1)} µs/req  ratio ${(median(xs) / median(rates[0]!)).toFixed(2)} · per round ${perRound}`,
  );
}
console.log(uptime());
tcp.stop(true);
unix.stop(true);
process.exit(0);
