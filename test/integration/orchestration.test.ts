/**
 * Work orchestration end to end with real agent processes: projects and pipelines, the scheduler, stage
 * execution over the command path, confirm stages, cancel, retry, logs and events, drain, decommission and
 * worker loss — on PGlite with the embedded broker, and on PostgreSQL with Mosquitto when reachable.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { availableBackends, mqttReachable, postgresReachable, TEST_MQTT_URL } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { stopAllAgents } from "../support/agent-process";
import { waitFor } from "../support/wait";
import { agentFor, hostOnline, policedEnvironment } from "../support/runtime";

const backends = await availableBackends();
const setups = [{ label: "PGlite + embedded broker", backend: backends[0]!, external: false }];
if ((await postgresReachable()) && (await mqttReachable())) {
  setups.push({ label: "PostgreSQL + Mosquitto", backend: backends[1]!, external: true });
} else {
  console.warn("PostgreSQL or Mosquitto not reachable: orchestration tests run on PGlite only");
}

/** The test's agent program: prints what it was given, line by line, and fails when the prompt says so. */
const scripts = mkdtempSync(join(tmpdir(), "agent-type-"));
const AGENT_SCRIPT = join(scripts, "agent.sh");
writeFileSync(
  AGENT_SCRIPT,
  `#!/bin/sh
input=$(cat)
echo "agent starting: $TASK_PROMPT"
printf "input: %s\n" "$input"
case "$TASK_PROMPT" in *fail*) echo "agent failing" >&2; exit 7;; esac
case "$TASK_PROMPT" in *slow*) sleep 30;; esac
echo "agent done"
`,
);
chmodSync(AGENT_SCRIPT, 0o755);

describe.each(setups)("orchestration with $label", ({ backend, external }) => {
  let t: TestPlane;
  let key: string;
  let envId: string;

  beforeAll(async () => {
    // Its own shared-subscription group: agent messages must not go to other control planes on the same Mosquitto.
    const mqtt = external ? { mqttUrl: TEST_MQTT_URL, mqttSharedGroup: `orch-${crypto.randomUUID().slice(0, 8)}` } : {};
    t = await startTestPlane(backend, { ...mqtt, taskSchedulerTickMs: 200, workerLossGraceMs: 1_500 });
    key = t.adminKey;
    envId = await policedEnvironment(t, "orch", { exec: { allowedCommands: ["echo", "sh", "sleep"] } });
  });
  afterEach(() => stopAllAgents());
  afterAll(async () => {
    await t?.stop();
    rmSync(scripts, { recursive: true, force: true });
  });

  const api = () => t.api;
  /** A started agent with the test agent type, on a host of the policed environment (online). */
  async function worker(name: string) {
    const w = await agentFor(t, envId, name, { env: { EDGE_AGENT_TYPES: `default=${AGENT_SCRIPT}` } });
    w.agent.start();
    await hostOnline(t, w.host.id);
    return w;
  }
  async function project(pipeline: unknown[], extra: Record<string, unknown> = {}) {
    const projectKey = `p${crypto.randomUUID().slice(0, 8)}`;
    const res = await api().post("/api/admin/projects", { key: projectKey, name: projectKey, pipeline, ...extra }, key);
    expect(res.status).toBe(201);
    return projectKey;
  }
  const task = async (id: string) => (await api().get(`/api/web/tasks/${id}`, key)).body;
  const taskIn = (id: string, statuses: string[], timeoutMs = 15_000) =>
    waitFor(`task ${id} in ${statuses.join("/")}`, async () => {
      const body = await task(id);
      return statuses.includes(body.status) ? body : undefined;
    }, timeoutMs);
  const createTask = async (projectKey: string, description: string, machineId?: string) => {
    const res = await api().post("/api/web/tasks", { projectKey, description, ...(machineId ? { machineId } : {}) }, key);
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  test("a 3-stage pipeline (command → confirm → agent) completes, with logs and events", async () => {
    const { host } = await worker("pipeline");
    const projectKey = await project([
      { name: "build", kind: "command", command: { kind: "exec", params: { command: "sh", args: ["-c", "echo compiling {{task.prompt}}; echo artifact-42"] } } },
      { name: "approve", kind: "confirm", prompt: "Ship {{stages.build.result}}?", options: ["ship", "abort"] },
      { name: "deploy", kind: "agent" },
    ]);
    const id = await createTask(projectKey, "release 7", host.id);

    const suspended = await taskIn(id, ["suspended"]);
    expect(suspended.machineId).toBe(host.id);
    expect(suspended.currentStage).toMatchObject({ index: 1, name: "approve", kind: "confirm" });
    const pending = (await api().get(`/api/web/tasks/${id}/pending-confirm`, key)).body;
    expect(pending).toMatchObject({ stageIndex: 1, stageName: "approve", options: ["ship", "abort"], stages: { build: "compiling release 7\nartifact-42" } });

    expect((await api().post(`/api/web/tasks/${id}/confirm-stage`, { stageIndex: 0, result: "ship" }, key)).status).toBe(409);
    expect((await api().post(`/api/web/tasks/${id}/confirm-stage`, { stageIndex: 1, result: "maybe" }, key)).status).toBe(400);
    const confirmed = await api().post(`/api/web/tasks/${id}/confirm-stage`, { stageIndex: 1, result: "ship" }, key);
    expect(confirmed.status).toBe(200);
    expect((await api().post(`/api/web/tasks/${id}/confirm-stage`, { stageIndex: 1, result: "ship" }, key)).status).toBe(409);

    const done = await taskIn(id, ["completed", "failed"]);
    expect({ status: done.status, error: done.error }).toEqual({ status: "completed", error: null });
    expect(done.stageResults.approve).toBe("ship");
    expect(done.stageResults.deploy).toContain("agent starting: release 7");
    // the agent got the earlier stages' results on stdin
    expect(done.stageResults.deploy).toContain('"build":"compiling release 7\\nartifact-42"');
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0].stages.map((s: any) => [s.stageName, s.status])).toEqual([
      ["build", "completed"],
      ["approve", "completed"],
      ["deploy", "completed"],
    ]);

    const logs = (await api().get(`/api/web/tasks/${id}/logs?limit=100`, key)).body;
    const lines = logs.items.map((l: any) => [l.stageIndex, l.stream, l.line]);
    expect(lines).toContainEqual([0, "stdout", "compiling release 7"]);
    expect(lines).toContainEqual([0, "stdout", "artifact-42"]);
    expect(lines).toContainEqual([2, "stdout", "agent starting: release 7"]);
    expect(lines).toContainEqual([2, "stdout", "agent done"]);
    // in the order the agent printed them
    const deployLines = logs.items.filter((l: any) => l.stageIndex === 2).map((l: any) => l.line);
    expect(deployLines[0]).toBe("agent starting: release 7");
    expect(deployLines.at(-1)).toBe("agent done");
    const paged = (await api().get(`/api/web/tasks/${id}/logs?limit=1&offset=1`, key)).body;
    expect(paged.items).toHaveLength(1);
    expect(paged.items[0].line).toBe(logs.items[1].line);

    const events = (await api().get(`/api/web/tasks/${id}/events?limit=200`, key)).body.items;
    const types = events.map((e: any) => e.type);
    for (const type of ["stage.dispatched", "stage.started", "stage.completed", "stage.suspended", "stage.confirmed"]) expect(types).toContain(type);
    const statuses = events.filter((e: any) => e.type === "status").map((e: any) => e.data.to);
    expect(statuses).toEqual(["pending", "assigned", "running", "suspended", "running", "completed"]);
    const filtered = (await api().get(`/api/web/tasks/${id}/events?type=stage.completed`, key)).body;
    expect(filtered.items.every((e: any) => e.type === "stage.completed")).toBe(true);
    expect(filtered.total).toBe(2);
    const searched = (await api().get(`/api/web/tasks/${id}/events?search=approve%20confirmed`, key)).body;
    expect(searched.items.map((e: any) => e.type)).toContain("stage.confirmed");
    expect(searched.items.every((e: any) => e.message.includes("approve confirmed"))).toBe(true);

    const listed = (await api().get(`/api/web/tasks?projectKey=${projectKey}&status=completed`, key)).body;
    expect(listed.items.map((x: any) => x.id)).toEqual([id]);
    expect((await api().get(`/api/web/machines/${host.id}/tasks`, key)).body.items.map((x: any) => x.id)).toContain(id);
  });
});
