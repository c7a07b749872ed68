/**
 * Two control planes on one PostgreSQL (and one Mosquitto) schedule the same queue: every task is assigned and
 * run exactly once, and no machine ever runs more tasks than its slots.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import mqtt from "mqtt";
import postgres from "postgres";
import { availableBackends, mqttReachable, postgresReachable, TEST_MQTT_URL } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { hostWithRuntime } from "../support/runtime";
import { waitFor } from "../support/wait";
import { CommandStatus, PresenceState, codecs, topic } from "@edge/proto/wire";

const enabled = (await postgresReachable()) && (await mqttReachable());
if (!enabled) console.warn("PostgreSQL or Mosquitto not reachable: skipping the two-replica scheduling test");

const TASKS = Number(process.env.REPLICA_TASKS ?? 1_000);
const AGENTS = 20;

/** A simulated agent: acks each command RUNNING, then COMPLETED a moment later; records overlaps. */
async function simAgent(id: { runtimeId: string; tenantId: string; hostId: string; token: string }) {
  const client = await mqtt.connectAsync(TEST_MQTT_URL, {
    clientId: id.runtimeId,
    username: id.runtimeId,
    password: id.token,
    clean: true,
    reconnectPeriod: 0,
  });
  const seen = new Map<string, number>();
  const running = new Set<string>();
  let maxRunning = 0;
  const ack = (commandId: string, status: CommandStatus) =>
    client.publishAsync(
      topic(id.tenantId, id.hostId, "ack"),
      Buffer.from(codecs.commandUpdate.encode({ commandId, status, error: "", resultJson: "{}", atMs: Date.now() })),
      { qos: 1 },
    );
  client.on("message", async (_t, payload) => {
    const command = codecs.command.decode(payload);
    seen.set(command.id, (seen.get(command.id) ?? 0) + 1);
    if (seen.get(command.id)! > 1) return; // redelivery: an agent dedupes by id
    running.add(command.id);
    maxRunning = Math.max(maxRunning, running.size);
    await ack(command.id, CommandStatus.COMMAND_STATUS_RUNNING);
    await Bun.sleep(Math.random() * 5);
    running.delete(command.id);
    await ack(command.id, CommandStatus.COMMAND_STATUS_COMPLETED);
  });
  await client.subscribeAsync(topic(id.tenantId, id.hostId, "cmd"), { qos: 1 });
  await client.publishAsync(
    topic(id.tenantId, id.hostId, "presence"),
    Buffer.from(
      codecs.presence.encode({ state: PresenceState.PRESENCE_STATE_ONLINE, agentVersion: "sim", atMs: Date.now() }),
    ),
    { qos: 1, retain: true },
  );
  return { seen, maxRunning: () => maxRunning, stop: () => client.endAsync(true) };
}

describe.skipIf(!enabled)("two control planes on one PostgreSQL", () => {
  let a: TestPlane;
  let b: TestPlane;
  const agents: Awaited<ReturnType<typeof simAgent>>[] = [];

  beforeAll(async () => {
    const backend = (await availableBackends())[1]!;
    const mqttSharedGroup = `replicas-${crypto.randomUUID().slice(0, 8)}`;
    const overrides = {
      mqttUrl: TEST_MQTT_URL,
      mqttSharedGroup,
      taskSchedulerTickMs: 100,
      ...(process.env.DEBUG_REPLICAS ? { logLevel: "info" as const } : {}),
    };
    a = await startTestPlane(backend, overrides);
    b = await startTestPlane(backend, overrides, {
      databaseUrl: a.databaseUrl,
      dataDir: "memory://",
      adminKey: a.adminKey,
    });
  });
  afterAll(async () => {
    await Promise.all(agents.map((x) => x.stop()));
    await b?.stop();
    await a?.stop();
  });

  test(`${TASKS} tasks over ${AGENTS} agents: each assigned and run exactly once, never over a machine's slots`, async () => {
    for (let i = 0; i < AGENTS; i++) {
      const id = await hostWithRuntime(a, `replica-${i}`);
      agents.push(await simAgent({ ...id, tenantId: (await a.api.get("/api/users/me", a.adminKey)).body.tenantId }));
    }
    await waitFor(
      "all agents online",
      async () =>
        (await a.api.get("/api/web/machines", a.adminKey)).body.items.filter(
          (m: { status: string }) => m.status === "online",
        ).length === AGENTS,
    );

    const ids: string[] = [];
    for (let i = 0; i < TASKS; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, TASKS - i) }, (_, j) =>
          ((i + j) % 2 ? a : b).api.post("/api/v1/tasks", { prompt: `task ${i + j}` }, a.adminKey),
        ),
      );
      for (const res of batch) {
        expect(res.status).toBe(201);
        ids.push(res.body.id);
      }
    }
    // Progress, not a fixed deadline: on a loaded CI machine the run may take minutes; a queue that stops moving
    // fails at once, naming what is stuck.
    let last = -1;
    let movedAt = Date.now();
    for (;;) {
      const { counts } = (await a.api.get("/api/v1/metrics/tasks", a.adminKey)).body;
      if (process.env.DEBUG_REPLICAS) console.log(JSON.stringify(counts));
      if (counts.completed === TASKS) break;
      if (counts.completed !== last) [last, movedAt] = [counts.completed, Date.now()];
      if (Date.now() - movedAt > 45_000) {
        const stuck = await a.api.get("/api/v1/tasks?status=assigned&limit=5", a.adminKey);
        throw new Error(
          `no task completed for 45 s: ${JSON.stringify(counts)}; some assigned: ${JSON.stringify(stuck.body)}`,
        );
      }
      await Bun.sleep(200);
    }

    const sql = postgres(a.databaseUrl!, { max: 1, onnotice: () => {} });
    try {
      const [runs] =
        await sql`select count(*)::int as runs, count(distinct task_id)::int as tasks, count(distinct command_id)::int as commands from task_stage_runs`;
      expect(runs).toEqual({ runs: TASKS, tasks: TASKS, commands: TASKS });
      const [assignments] =
        await sql`select count(*)::int as n from task_events where type = 'status' and data->>'to' = 'assigned'`;
      expect(assignments!.n).toBe(TASKS);
      const [commands] = await sql`select count(*)::int as n from commands`;
      expect(commands!.n).toBe(TASKS);
    } finally {
      await sql.end();
    }
    const received = agents.flatMap((x) => [...x.seen.keys()]);
    expect(received).toHaveLength(TASKS);
    expect(new Set(received).size).toBe(TASKS);
    for (const agent of agents) expect(agent.maxRunning()).toBeLessThanOrEqual(1);
  }, 420_000);
});
