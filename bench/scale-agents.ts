/**
 * Child process of bench/agent-scale.ts: simulates a share of the fleet. Each agent connects as the real edge agent
 * does (persistent session, keep-alive, Last Will OFFLINE retained, the agent's six subscriptions, ONLINE presence
 * retained), then publishes a numbered status report every `statusMs` and counts the control plane's receipts.
 * A dropped agent reconnects after a second (as the real agent does), and the drop is counted.
 * `plain` mode is the reference floor: a bare CONNECT (clean session, nothing else).
 *
 *   bun bench/scale-agents.ts <identities.json> <mqtt url> <plain|agent> <statusMs> <inFlight>
 *
 * Reports one JSON line per second on stdout: {connected, everConnected, drops, failures, statusSent, receipts, ms}.
 * `stop` on stdin: clears what the agents retained (presence) and disconnects cleanly.
 */
import mqtt, { type MqttClient } from "mqtt";
import { PresenceState, codecs, topic, withAgentSeq } from "../proto/wire";

interface Identity {
  runtimeId: string;
  tenantId: string;
  hostId: string;
  accessToken: string;
}

const [file, url, mode, statusMsArg, inFlightArg] = process.argv.slice(2);
const identities: Identity[] = await Bun.file(file!).json();
const statusMs = Number(statusMsArg);
const inFlight = Number(inFlightArg);
const plain = mode === "plain";
const t0 = performance.now();

let connected = 0;
let everConnected = 0;
let drops = 0;
let failures = 0;
let statusSent = 0;
let receipts = 0;
let allConnectedMs: number | undefined;
let stopping = false;
const clients: (MqttClient | undefined)[] = new Array(identities.length);

const presence = (state: PresenceState) =>
  Buffer.from(codecs.presence.encode({ state, agentVersion: "scale-sim", atMs: Date.now() }));

function connectOne(i: number): Promise<void> {
  const id = identities[i]!;
  return new Promise((resolve) => {
    let first = true;
    const client = mqtt.connect(url!, {
      clientId: plain ? `plain-${id.runtimeId}` : id.runtimeId,
      username: plain ? undefined : id.runtimeId,
      password: plain ? undefined : id.accessToken,
      protocolVersion: 4,
      clean: plain,
      keepalive: 10,
      reconnectPeriod: 0,
      connectTimeout: 120_000,
      ...(plain
        ? {}
        : {
            will: {
              topic: topic(id.tenantId, id.hostId, "presence"),
              payload: presence(PresenceState.PRESENCE_STATE_OFFLINE),
              qos: 1 as const,
              retain: true,
            },
          }),
    });
    clients[i] = client;
    let up = false;
    let seq = 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    client.on("connect", () => {
      up = true;
      connected++;
      everConnected++;
      if (first) {
        first = false;
        resolve();
      }
      if (plain) return;
      client.publish(topic(id.tenantId, id.hostId, "presence"), presence(PresenceState.PRESENCE_STATE_ONLINE), {
        qos: 1,
        retain: true,
      });
      const subs: Record<string, { qos: 1 }> = {};
      for (const c of ["estop", "cmd", "cancel", "receipt", "policies", "runtime-req"] as const)
        subs[topic(id.tenantId, id.hostId, c)] = { qos: 1 };
      client.subscribe(subs);
      // The first report a random time into the period, as agents started at different times would send it.
      const report = () => {
        statusSent++;
        const payload = codecs.status.encode({
          agentVersion: "scale-sim",
          uptimeSeconds: Math.round(performance.now() / 1000),
          load1: 0.1,
          memoryTotalBytes: 8_000_000_000,
          memoryFreeBytes: 4_000_000_000,
          runningCommands: 0,
          atMs: Date.now(),
        });
        client.publish(topic(id.tenantId, id.hostId, "status"), Buffer.from(withAgentSeq(payload, ++seq, 0)), {
          qos: 1,
        });
      };
      setTimeout(() => {
        if (!up) return;
        report();
        timer = setInterval(report, statusMs);
      }, Math.random() * statusMs);
    });
    client.on("message", (name) => {
      if (name.endsWith("/receipt")) receipts++;
    });
    client.on("error", () => {});
    client.on("close", () => {
      clearInterval(timer);
      if (up) {
        up = false;
        connected--;
        if (!stopping) drops++;
      } else if (!stopping) failures++;
      if (stopping) return;
      client.removeAllListeners();
      client.on("error", () => {});
      client.end(true);
      // Reconnect after a second, as the agent does (its first CONNECT still counts as pending until it succeeds).
      setTimeout(() => {
        if (stopping) return;
        void connectOne(i).then(() => {
          if (first) {
            first = false;
            resolve();
          }
        });
      }, 1000);
    });
  });
}

const report = () =>
  console.log(
    JSON.stringify({
      connected,
      everConnected,
      drops,
      failures,
      statusSent,
      receipts,
      allConnectedMs,
      ms: performance.now() - t0,
    }),
  );
const reporter = setInterval(report, 1000);

let next = 0;
void Promise.all(
  Array.from({ length: Math.min(inFlight, identities.length) }, async () => {
    while (next < identities.length) await connectOne(next++);
  }),
).then(() => {
  allConnectedMs = performance.now() - t0;
  report();
});

for await (const line of console) {
  if (line.trim() !== "stop") continue;
  stopping = true;
  clearInterval(reporter);
  let k = 0;
  const stopOne = async (i: number) => {
    const client = clients[i];
    if (!client) return;
    const id = identities[i]!;
    try {
      // Leave nothing retained behind on a shared broker.
      if (!plain && client.connected)
        await client.publishAsync(topic(id.tenantId, id.hostId, "presence"), Buffer.alloc(0), {
          qos: 1,
          retain: true,
        });
      await client.endAsync(true);
      // Drop the persistent session too (a shared broker would keep it, and queue for it, forever).
      if (!plain)
        await (
          await mqtt.connectAsync(url!, {
            clientId: id.runtimeId,
            username: id.runtimeId,
            password: id.accessToken,
            clean: true,
            reconnectPeriod: 0,
          })
        ).endAsync(true);
    } catch {}
  };
  await Promise.all(
    Array.from({ length: Math.min(100, clients.length) }, async () => {
      while (k < clients.length) await stopOne(k++);
    }),
  );
  report();
  process.exit(0);
}
