/**
 * The load side of bench/command-rtt.ts, in a process of its own so that the control plane (the parent) is what is
 * measured, not the load generator sharing its event loop: the simulated agents (MQTT, optionally a gRPC session),
 * one operator watch per host, and the REST client creating the commands. Driven over IPC by the parent:
 *   parent → { type: "run", ...LoadPlan }   child → { type: "measuring" } … { type: "done", samples }
 * Times are absolute (performance.timeOrigin + performance.now()) so the parent can place its own stage times.
 */
import { ApiClient } from "../test/support/control-plane";
import { watch } from "../test/support/grpc-clients";
import { receivedAt, startGrpcSimAgent, startMqttSimAgent, type SimAgent, type SimAgentIdentity } from "./sim-agent";

export interface LoadPlan {
  apiUrl: string;
  mqttUrl: string;
  grpcAddress: string;
  adminKey: string;
  identities: SimAgentIdentity[];
  transport: "mqtt" | "grpc";
  concurrency: number;
  total: number;
}

export interface LoadSample {
  id: string;
  /** Absolute ms: REST call made, REST answer read, the agent had it, the operator's watch had the completion. */
  t0: number;
  created: number;
  delivered: number;
  done: number;
}

export type FromLoad =
  | { type: "measuring" }
  /** cpuMs: this process's CPU time (user + system) over the measured commands. */
  | { type: "done"; samples: LoadSample[]; wallMs: number; cpuMs: number };

const now = () => performance.timeOrigin + performance.now();

async function run(plan: LoadPlan): Promise<void> {
  const api = new ApiClient(plan.apiUrl);
  const fleet: { id: SimAgentIdentity; agent: SimAgent; watcher: ReturnType<typeof watch> }[] = [];
  const waiting = new Map<string, () => void>();
  const early = new Set<string>();
  for (const id of plan.identities) {
    const agent =
      plan.transport === "grpc"
        ? await startGrpcSimAgent(plan.mqttUrl, plan.grpcAddress, id)
        : await startMqttSimAgent(plan.mqttUrl, id);
    const watcher = watch(plan.grpcAddress, plan.adminKey, { hostId: id.hostId });
    await watcher.ready;
    // Completions are taken as the watch streams deliver them; one that arrives before its REST answer was read is
    // kept until it is (no extra GET per command).
    watcher.call.on("data", (event: { command?: { commandId: string; status: string } }) => {
      if (event.command?.status !== "completed") return;
      const done = waiting.get(event.command.commandId);
      if (done) done();
      else early.add(event.command.commandId);
    });
    fleet.push({ id, agent, watcher });
  }
  const runOne = async (hostId: string): Promise<LoadSample> => {
    let completed!: () => void;
    const done = new Promise<void>((resolve) => (completed = resolve));
    const t0 = now();
    const created = await api.post("/api/v1/commands", { hostId, kind: "noop" }, plan.adminKey);
    if (created.status !== 201) throw new Error(`create: ${created.status} ${JSON.stringify(created.body)}`);
    const id = created.body.id as string;
    const createdAt = now();
    if (early.delete(id)) completed();
    else waiting.set(id, completed);
    await done;
    waiting.delete(id);
    const delivered = performance.timeOrigin + (receivedAt.get(id) ?? Number.NaN);
    receivedAt.delete(id);
    return { id, t0, created: createdAt, delivered, done: now() };
  };
  // Warm-up, not measured: one command per agent (each agent's first numbered report creates its sequence row).
  let warmed = 0;
  await Promise.all(
    Array.from({ length: Math.min(plan.concurrency, 16) }, async () => {
      while (warmed < fleet.length) await runOne(fleet[warmed++]!.id.hostId);
    }),
  );
  await send({ type: "measuring" });
  const samples: LoadSample[] = [];
  let issued = 0;
  const cpuStart = process.cpuUsage();
  const wallStart = now();
  await Promise.all(
    Array.from({ length: plan.concurrency }, async () => {
      while (issued < plan.total) samples.push(await runOne(fleet[issued++ % fleet.length]!.id.hostId));
    }),
  );
  const wallMs = now() - wallStart;
  const cpu = process.cpuUsage(cpuStart);
  for (const { agent, watcher } of fleet) {
    watcher.close();
    await agent.stop();
  }
  await send({ type: "done", samples, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 });
}

function send(message: FromLoad): Promise<void> {
  return new Promise((resolve) => {
    process.send!(message);
    // Let the IPC message go out before anything else (the parent may act on it at once).
    setTimeout(resolve, 10);
  });
}

if (import.meta.main) {
  process.on("message", (message: { type: string } & LoadPlan) => {
    if (message.type !== "run") return;
    run(message).then(
      () => process.exit(0),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
