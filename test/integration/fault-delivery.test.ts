/**
 * Fault injection, end to end: PostgreSQL + Mosquitto, a real agent process, commands and telemetry flowing, and a
 * control plane process killed with SIGKILL mid-run. Every command must reach a terminal state and run exactly
 * once (each appends a line to a file), and every telemetry point the agent produced must be stored exactly once.
 * Three ways: the agent on MQTT, the agent on a gRPC session (the control plane restarted in both), and two
 * replicas where one dies and the other carries on. Agents reach the control plane's HTTP and gRPC ports through
 * TCP proxies that are pointed at the restarted (or surviving) process, as a load balancer would.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { newSecret } from "../../control-plane/src/lib/secrets";
import { codecs } from "@edge/proto/wire";
import { AgentProcess, stopAllAgents } from "../support/agent-process";
import { availableBackends, mqttReachable, postgresReachable, TEST_MQTT_URL } from "../support/backends";
import { ControlPlaneProcess, stopAllControlPlanes } from "../support/control-plane-process";
import { ApiClient } from "../support/control-plane";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy";
import { waitFor } from "../support/wait";

const ready = (await postgresReachable()) && (await mqttReachable());
if (!ready)
  console.warn(
    `SKIPPED fault-delivery tests: they need PostgreSQL (TEST_DATABASE_URL) and Mosquitto (${TEST_MQTT_URL})`,
  );
const postgresBackend = (await availableBackends()).find((b) => b.name === "postgres");

interface Scenario {
  name: string;
  grpc: boolean;
  replicas: 1 | 2;
}

const scenarios: Scenario[] = [
  { name: "agent on MQTT, the only control plane killed and restarted", grpc: false, replicas: 1 },
  { name: "agent on a gRPC session, the only control plane killed and restarted", grpc: true, replicas: 1 },
  { name: "agent on MQTT, two replicas, one killed for good", grpc: false, replicas: 2 },
];

const COMMANDS_BEFORE = 24;
const COMMANDS_AFTER = 8;
const portOf = (url: string) => Number(new URL(url).port);

let cleanups: (() => Promise<unknown>)[] = [];
const debugPlanes: ControlPlaneProcess[] = [];
const debugAgents: AgentProcess[] = [];
afterEach(async () => {
  // FAULT_DEBUG_DIR=/some/dir keeps every process's output there (control planes then log at debug level).
  if (process.env.FAULT_DEBUG_DIR) {
    const { writeFileSync } = await import("node:fs");
    for (const [i, p] of debugPlanes.entries()) writeFileSync(`${process.env.FAULT_DEBUG_DIR}/cp-${i}.log`, p.output);
    for (const [i, a] of debugAgents.entries())
      writeFileSync(`${process.env.FAULT_DEBUG_DIR}/agent-${i}.log`, a.output);
  }
  await stopAllAgents();
  await stopAllControlPlanes();
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  cleanups = [];
});

async function run({ grpc, replicas }: Scenario) {
  const database = await postgresBackend!.createDatabase();
  cleanups.push(() => database.drop());
  const sql = postgres(database.databaseUrl!, { max: 1, onnotice: () => {} });
  cleanups.push(() => sql.end());
  const options = {
    databaseUrl: database.databaseUrl!,
    mqttUrl: TEST_MQTT_URL,
    adminKey: newSecret("roz_sk_"),
    // Our own shared-subscription group: other suites' control planes on this broker never get our messages.
    env: { MQTT_SHARED_GROUP: `fault-${crypto.randomUUID().slice(0, 8)}`, COMMAND_REDELIVERY_SECONDS: "2" },
  };
  const first = await new ControlPlaneProcess(options).start();
  const second = replicas === 2 ? await new ControlPlaneProcess(options).start() : undefined;
  debugPlanes.push(first, ...(second ? [second] : []));
  const http: TcpProxy = await startTcpProxy("127.0.0.1", portOf(first.url));
  const grpcProxy: TcpProxy = await startTcpProxy("127.0.0.1", first.grpcPort);
  cleanups.push(
    () => http.close(),
    () => grpcProxy.close(),
  );
  const api = new ApiClient(`http://127.0.0.1:${http.port}`);
  const key = options.adminKey;

  const policy = await api.post(
    "/api/v1/safety-policies",
    { name: "fault-safety", rules: { exec: { allowedCommands: ["sh"] } } },
    key,
  );
  expect(policy.status).toBe(201);
  const environment = await api.post(
    "/api/v1/environments",
    { name: "fault-env", safetyPolicyIds: [policy.body.id] },
    key,
  );
  const host = await api.post("/api/v1/hosts", { name: "fault-host", environmentId: environment.body.id }, key);
  const hostId: string = host.body.id;
  const identity = await api.post("/api/runtime/identities", { hostId }, key);
  const agent = new AgentProcess({
    apiUrl: api.baseUrl,
    mqttUrl: TEST_MQTT_URL,
    runtimeId: identity.body.runtimeId,
    bootstrapToken: identity.body.bootstrapToken,
    env: {
      EDGE_TELEMETRY_PORT: "0",
      EDGE_RECEIPT_TIMEOUT_MS: "1000",
      EDGE_STATUS_INTERVAL_MS: "2000",
      ...(grpc ? { EDGE_GRPC_URL: `127.0.0.1:${grpcProxy.port}` } : {}),
    },
  }).start();
  debugAgents.push(agent);
  const telemetryUrl = (await agent.waitForOutput(/telemetry endpoint: (http:\S+)/, 20_000))[1]!;
  await waitFor(
    "host online",
    async () => (await api.get(`/api/v1/hosts/${hostId}`, key)).body.status === "online",
    20_000,
  );
  if (grpc) await agent.waitForOutput(/gRPC session up/, 20_000);

  // Telemetry flows the whole time (about 50 points/s in 5 messages): points the test posts (values 1..sent),
  // plus the agent's own.
  let sent = 0;
  let flowing = true;
  const flow = (async () => {
    while (flowing) {
      const points = Array.from({ length: 10 }, (_, i) => ({ name: "fault.tick", value: sent + i + 1 }));
      const res = await fetch(telemetryUrl, { method: "POST", body: JSON.stringify({ points }) });
      if (res.status === 202) sent += points.length;
      await Bun.sleep(200);
    }
  })().catch(() => {}); // only once the agent is stopped
  cleanups.push(async () => {
    flowing = false;
    await flow;
  });

  // Each command appends its number to one file, then takes 0–1.25 s: completions span the outage.
  const runs = join(agent.stateDir, "runs.log");
  const ids: string[] = [];
  const create = async (i: number) => {
    const script = `echo ${i} >> '${runs}'; sleep ${(i % 6) * 0.25}`;
    const res = await api.post(
      "/api/v1/commands",
      { hostId, kind: "exec", params: { command: "sh", args: ["-c", script] } },
      key,
    );
    expect(res.status).toBe(201);
    ids.push(res.body.id);
  };
  for (let i = 0; i < COMMANDS_BEFORE; i++) {
    await create(i);
    await Bun.sleep(20);
  }

  await first.kill(); // mid-run: commands delivered, running, finished-but-unreported, maybe not yet published
  await Bun.sleep(1500);
  const survivor = second ?? (await first.start());
  http.retarget(portOf(survivor.url));
  grpcProxy.retarget(survivor.grpcPort);
  for (let i = COMMANDS_BEFORE; i < COMMANDS_BEFORE + COMMANDS_AFTER; i++) await create(i);

  const states = () =>
    Promise.all(ids.map(async (id) => (await api.get(`/api/v1/commands/${id}`, key)).body.status as string));
  const finalStates = await waitFor(
    "every command terminal",
    async () => {
      const now = await states();
      return now.every((s) => ["completed", "failed", "cancelled"].includes(s)) ? now : undefined;
    },
    60_000,
  ).catch(async (error) => {
    throw new Error(
      `${(error as Error).message}: ${JSON.stringify(await states())}\ncontrol plane output:\n${survivor.output.slice(-3000)}\nagent output:\n${agent.output.slice(-3000)}`,
    );
  });
  expect(finalStates).toEqual(ids.map(() => "completed"));
  // Exactly once: one line per command.
  const lines = readFileSync(runs, "utf8").trim().split("\n").map(Number);
  expect(lines.sort((a, b) => a - b)).toEqual(ids.map((_, i) => i));

  flowing = false;
  await flow;
  // Every point posted is stored exactly once (the agent answered 202: it was durable).
  const posted = Array.from({ length: sent }, (_, i) => i + 1);
  const stored = await waitFor(
    "posted telemetry stored",
    async () => {
      const rows = await sql<
        { value: number }[]
      >`select value from telemetry_points where host_id = ${hostId} and name = 'fault.tick'`;
      return rows.length >= sent ? rows.map((r) => r.value) : undefined;
    },
    30_000,
  ).catch(async () =>
    (
      await sql<
        { value: number }[]
      >`select value from telemetry_points where host_id = ${hostId} and name = 'fault.tick'`
    ).map((r) => r.value),
  );
  expect(stored.sort((a, b) => a - b)).toEqual(posted);

  // And nothing the agent numbered is missing: every telemetry seq it handed out is stored, or still in its
  // outbox (to be resent). Its state is locked while it runs: stop it (gracefully) first.
  await agent.stop({ keepState: true });
  cleanups.push(async () => rmSync(agent.stateDir, { recursive: true, force: true }));
  const agentDb = new Database(join(agent.stateDir, "agent.db"), { readonly: true });
  const produced = (agentDb.query("SELECT value FROM counters WHERE name = 'telemetry_seq'").get() as { value: number })
    .value;
  const held = (
    agentDb.query("SELECT payload FROM outbox WHERE topic LIKE '%/telemetry'").all() as { payload: Uint8Array }[]
  ).flatMap((row) => codecs.telemetry.decode(row.payload).points.map((p) => p.seq));
  agentDb.close();
  const storedSeqs = (await sql<{ seq: string }[]>`select seq from telemetry_points where host_id = ${hostId}`).map(
    (r) => Number(r.seq),
  );
  const lowest = Math.min(...storedSeqs);
  const accounted = new Set([...storedSeqs, ...held]);
  const missing = Array.from({ length: produced - lowest + 1 }, (_, i) => lowest + i).filter(
    (seq) => !accounted.has(seq),
  );
  expect(missing).toEqual([]);
  expect(sent).toBeGreaterThan(50);
}

describe("delivery across a control plane kill -9 (PostgreSQL + Mosquitto)", () => {
  for (const scenario of scenarios) test.skipIf(!ready)(scenario.name, () => run(scenario), 150_000);
});
