/**
 * Task terminals and tunnels, one run, a real agent process on this machine (MQTT only: it dials back):
 *   - keystroke round trip: one byte typed on `WS /ws/pty/:taskId` → relay (broker) → the agent's websocket → the
 *     PTY's echo → back, one at a time; reference: the bare MQTT QoS 1 publish → receive round trip on the same
 *     broker (a keystroke crosses the broker twice, plus four websocket legs);
 *   - tunnel throughput: MiB through `WS /ws/tunnel/:taskId` to a TCP echo server on this machine and back;
 *     reference: the same bytes over a direct loopback TCP connection to the same echo server.
 *
 *   npm run bench:pty -- [--keys 200] [--mib 8]
 */
import { parseArgs } from "node:util";
import { startBenchPlane } from "./plane";
import { newSecret } from "../control-plane/src/lib/secrets";
import { stopAllAgents } from "../test/support/agent-process";
import { ApiClient, type TestPlane } from "../test/support/control-plane";
import { agentFor, hostOnline, policedEnvironment } from "../test/support/runtime";
import { bareMqttRoundTrip } from "./reference";
import { fmt, summarize } from "./stats";

const { values } = parseArgs({
  options: {
    keys: { type: "string", default: "200" },
    mib: { type: "string", default: "8" },
    "mqtt-samples": { type: "string", default: "500" },
  },
});

const adminKey = newSecret("roz_sk_");
const plane = await startBenchPlane(adminKey);
const t = { plane, api: new ApiClient(plane.url), adminKey, stop: () => plane.stop() } as TestPlane;
/** A TCP echo server that keeps what the socket could not take yet (a plain `write` drops the rest). */
const echo = Bun.listen<{ backlog: Uint8Array[] }>({
  hostname: "127.0.0.1",
  port: 0,
  socket: {
    open: (s) => {
      s.data = { backlog: [] };
    },
    data: (s, d) => {
      s.data.backlog.push(new Uint8Array(d));
      drainEcho(s);
    },
    drain: (s) => drainEcho(s),
  },
});
function drainEcho(s: Bun.Socket<{ backlog: Uint8Array[] }>) {
  const { backlog } = s.data;
  while (backlog.length) {
    const chunk = backlog[0]!;
    const n = s.write(chunk);
    if (n < chunk.length) {
      backlog[0] = chunk.subarray(Math.max(n, 0));
      return;
    }
    backlog.shift();
  }
}
const load = () => (require("node:os") as typeof import("node:os")).loadavg()[0]!.toFixed(1);

try {
  const env = await policedEnvironment(t, "bench-pty", { deniedKinds: ["never.this"] });
  const { host, agent } = await agentFor(t, env, "bench-pty");
  agent.start();
  await hostOnline(t, host.id);
  const taskId = (await t.api.post("/api/v1/tasks", { prompt: "bench", hostId: host.id }, adminKey)).body.id;
  const wsUrl = (path: string) => `${plane.url.replace(/^http/, "ws")}${path}`;

  // Keystroke round trips.
  const grant = (await t.api.post(`/api/web/tasks/${taskId}/pty-token`, {}, adminKey)).body;
  const ws = new WebSocket(wsUrl(grant.websocket));
  ws.binaryType = "arraybuffer";
  let onBytes: (() => void) | undefined;
  const ready = Promise.withResolvers<void>();
  ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token: adminKey, channelToken: grant.channelToken }));
  ws.onmessage = (event) => {
    if (typeof event.data === "string") {
      if (JSON.parse(event.data).type === "ready") ready.resolve();
    } else onBytes?.();
  };
  await ready.promise;
  await Bun.sleep(500); // the prompt
  const keys: number[] = [];
  const keyWall = performance.now();
  for (let i = 0; i < Number(values.keys); i++) {
    const echoed = new Promise<void>((resolve) => {
      onBytes = resolve;
    });
    const t0 = performance.now();
    ws.send(new TextEncoder().encode(i % 60 === 59 ? "\u0015" : "x")); // Ctrl-U now and then clears the line
    await echoed;
    keys.push(performance.now() - t0);
    await Bun.sleep(2); // the echo of one key may come in two frames
  }
  const keyStats = summarize(keys, performance.now() - keyWall);
  ws.send(new TextEncoder().encode("\u0015exit\n"));
  ws.close();
  const floor = summarize(
    await bareMqttRoundTrip(plane.transport.mqttUrl, plane.transport.credentials ?? {}, Number(values["mqtt-samples"])),
    1,
  );

  // Tunnel throughput.
  const size = Number(values.mib) * 1024 * 1024;
  const payload = new Uint8Array(size).map((_, i) => (i * 7) % 256);
  const pump = async (connect: (onData: (n: number) => void) => Promise<(chunk: Uint8Array) => void>) => {
    let got = 0;
    const done = Promise.withResolvers<void>();
    const t0 = performance.now();
    const send = await connect((n) => {
      got += n;
      if (got >= size) done.resolve();
    });
    for (let off = 0; off < size; off += 64 * 1024) send(payload.subarray(off, off + 64 * 1024));
    await done.promise;
    return performance.now() - t0;
  };
  const direct = await pump(async (onData) => {
    const pending: Uint8Array[] = [];
    let sock: Bun.Socket<undefined> | undefined;
    const flush = () => {
      while (sock && pending.length) {
        const chunk = pending[0]!;
        const n = sock.write(chunk);
        if (n < chunk.length) {
          pending[0] = chunk.subarray(Math.max(n, 0));
          return;
        }
        pending.shift();
      }
    };
    sock = await Bun.connect({
      hostname: "127.0.0.1",
      port: echo.port,
      socket: { data: (_s, d) => onData(d.length), drain: flush },
    });
    return (chunk) => {
      pending.push(chunk);
      flush();
    };
  });
  const started = (await t.api.post(`/api/web/workspace-tunnel/${taskId}/start`, { port: echo.port }, adminKey)).body;
  const tunneled = await pump(async (onData) => {
    const tws = new WebSocket(wsUrl(started.websocket));
    tws.binaryType = "arraybuffer";
    const open = Promise.withResolvers<void>();
    tws.onopen = () => tws.send(JSON.stringify({ type: "auth", token: adminKey, tunnelId: started.tunnel.id }));
    tws.onmessage = (event) => {
      if (typeof event.data === "string") {
        if (JSON.parse(event.data).type === "ready") open.resolve();
      } else onData((event.data as ArrayBuffer).byteLength);
    };
    await open.promise;
    return (chunk) => tws.send(chunk);
  });
  const mibs = (ms: number) => `${(Number(values.mib) / (ms / 1000)).toFixed(1)} MiB/s`;

  console.log(`load average ${load()} (${navigator.hardwareConcurrency} cores)`);
  console.log(
    `keystroke round trip (n=${keyStats.n}): p50 ${fmt(keyStats.p50)} · p99 ${fmt(keyStats.p99)}  |  reference bare MQTT QoS 1 round trip: p50 ${fmt(floor.p50)} · p99 ${fmt(floor.p99)}  |  ratio p50 ${(keyStats.p50 / floor.p50).toFixed(1)}×`,
  );
  console.log(
    `tunnel echo of ${values.mib} MiB: ${mibs(tunneled)} (${tunneled.toFixed(0)} ms)  |  reference direct loopback TCP: ${mibs(direct)} (${direct.toFixed(0)} ms)  |  ratio ${(tunneled / direct).toFixed(1)}× slower`,
  );
} finally {
  echo.stop(true);
  await stopAllAgents();
  await plane.stop();
}
process.exit(0);
