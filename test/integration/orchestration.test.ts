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
case "$TASK_PROMPT" in *slow*) echo $$ > "$AGENT_PID_DIR/$TASK_ID.pid"; sleep 30;; esac
case "$TASK_PROMPT" in *nap*) sleep 2;; esac
echo "agent done"
`,
);
chmodSync(AGENT_SCRIPT, 0o755);

afterAll(() => rmSync(scripts, { recursive: true, force: true })); // after every setup has used the script

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
  afterAll(() => t?.stop());

  const api = () => t.api;
  /** A started agent with the test agent type, on a host of the policed environment (online). */
  async function worker(name: string) {
    const w = await agentFor(t, envId, name, {
      env: { EDGE_AGENT_TYPES: `default=${AGENT_SCRIPT}`, AGENT_PID_DIR: scripts },
    });
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
    waitFor(
      `task ${id} in ${statuses.join("/")}`,
      async () => {
        const body = await task(id);
        return statuses.includes(body.status) ? body : undefined;
      },
      timeoutMs,
    );
  const createTask = async (projectKey: string, description: string, machineId?: string) => {
    const res = await api().post(
      "/api/web/tasks",
      { projectKey, description, ...(machineId ? { machineId } : {}) },
      key,
    );
    expect(res.status).toBe(201);
    return res.body.id as string;
  };

  test("a 3-stage pipeline (command → confirm → agent) completes, with logs and events", async () => {
    const { host } = await worker("pipeline");
    const projectKey = await project([
      {
        name: "build",
        kind: "command",
        command: {
          kind: "exec",
          params: { command: "sh", args: ["-c", "echo compiling {{task.prompt}}; echo artifact-42"] },
        },
      },
      { name: "approve", kind: "confirm", prompt: "Ship {{stages.build.result}}?", options: ["ship", "abort"] },
      { name: "deploy", kind: "agent" },
    ]);
    const id = await createTask(projectKey, "release 7", host.id);

    const suspended = await taskIn(id, ["suspended"]);
    expect(suspended.machineId).toBe(host.id);
    expect(suspended.currentStage).toMatchObject({ index: 1, name: "approve", kind: "confirm" });
    const pending = (await api().get(`/api/web/tasks/${id}/pending-confirm`, key)).body;
    expect(pending).toMatchObject({
      stageIndex: 1,
      stageName: "approve",
      options: ["ship", "abort"],
      stages: { build: "compiling release 7\nartifact-42" },
    });

    expect(
      (await api().post(`/api/web/tasks/${id}/confirm-stage`, { stageIndex: 0, result: "ship" }, key)).status,
    ).toBe(409);
    expect(
      (await api().post(`/api/web/tasks/${id}/confirm-stage`, { stageIndex: 1, result: "maybe" }, key)).status,
    ).toBe(400);
    const confirmed = await api().post(`/api/web/tasks/${id}/confirm-stage`, { stageIndex: 1, result: "ship" }, key);
    expect(confirmed.status).toBe(200);
    expect(
      (await api().post(`/api/web/tasks/${id}/confirm-stage`, { stageIndex: 1, result: "ship" }, key)).status,
    ).toBe(409);

    const done = await taskIn(id, ["completed", "failed"]);
    expect({ status: done.status, error: done.error }).toEqual({ status: "completed", error: null });
    expect(done.stageResults.approve).toBe("ship");
    expect(done.stageResults.deploy).toContain("agent starting: release 7");
    // the agent got the earlier stages' results on stdin
    expect(done.stageResults.deploy).toContain('"build":"compiling release 7\\nartifact-42"');
    expect(done.attempts).toHaveLength(1);
    expect(done.attempts[0].stages.map((s: { stageName: string; status: string }) => [s.stageName, s.status])).toEqual([
      ["build", "completed"],
      ["approve", "completed"],
      ["deploy", "completed"],
    ]);

    const logs = (await api().get(`/api/web/tasks/${id}/logs?limit=100`, key)).body;
    const lines = logs.items.map((l: { stageIndex: number; stream: string; line: string }) => [
      l.stageIndex,
      l.stream,
      l.line,
    ]);
    expect(lines).toContainEqual([0, "stdout", "compiling release 7"]);
    expect(lines).toContainEqual([0, "stdout", "artifact-42"]);
    expect(lines).toContainEqual([2, "stdout", "agent starting: release 7"]);
    expect(lines).toContainEqual([2, "stdout", "agent done"]);
    // in the order the agent printed them
    const deployLines = logs.items
      .filter((l: { stageIndex: number; line: string }) => l.stageIndex === 2)
      .map((l: { line: string }) => l.line);
    expect(deployLines[0]).toBe("agent starting: release 7");
    expect(deployLines.at(-1)).toBe("agent done");
    const paged = (await api().get(`/api/web/tasks/${id}/logs?limit=1&offset=1`, key)).body;
    expect(paged.items).toHaveLength(1);
    expect(paged.items[0].line).toBe(logs.items[1].line);

    const events = (await api().get(`/api/web/tasks/${id}/events?limit=200`, key)).body.items;
    const types = events.map((e: { type: string }) => e.type);
    for (const type of ["stage.dispatched", "stage.started", "stage.completed", "stage.suspended", "stage.confirmed"])
      expect(types).toContain(type);
    const statuses = events
      .filter((e: { type: string; data: { to: string } }) => e.type === "status")
      .map((e: { data: { to: string } }) => e.data.to);
    expect(statuses).toEqual(["pending", "assigned", "running", "suspended", "running", "completed"]);
    const filtered = (await api().get(`/api/web/tasks/${id}/events?type=stage.completed`, key)).body;
    expect(filtered.items.every((e: { type: string }) => e.type === "stage.completed")).toBe(true);
    expect(filtered.total).toBe(2);
    const searched = (await api().get(`/api/web/tasks/${id}/events?search=approve%20confirmed`, key)).body;
    expect(searched.items.map((e: { type: string; message: string }) => e.type)).toContain("stage.confirmed");
    expect(searched.items.every((e: { message: string }) => e.message.includes("approve confirmed"))).toBe(true);

    const listed = (await api().get(`/api/web/tasks?projectKey=${projectKey}&status=completed`, key)).body;
    expect(listed.items.map((x: { id: string }) => x.id)).toEqual([id]);
    expect(
      (await api().get(`/api/web/machines/${host.id}/tasks`, key)).body.items.map((x: { id: string }) => x.id),
    ).toContain(id);
  });

  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  test("cancel mid-stage kills the stage on the agent and frees the slot", async () => {
    const { host } = await worker("cancel");
    const projectKey = await project([{ name: "work", kind: "agent" }]);
    const id = await createTask(projectKey, "slow job", host.id);
    await taskIn(id, ["running"]);
    const pidFile = join(scripts, `${id}.pid`);
    const pid = await waitFor(
      "the agent program to start",
      async () => existsSync(pidFile) && Number(require("node:fs").readFileSync(pidFile, "utf8")),
    );
    expect(alive(pid)).toBe(true);

    const cancelled = await api().post(`/api/web/tasks/${id}/cancel`, undefined, key);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe("cancelled");
    await waitFor("the agent program to be killed", async () => !alive(pid));
    const commandId = (await task(id)).attempts[0].stages[0].commandId;
    const command = await waitFor("the stage command to settle", async () => {
      const c = (await api().get(`/api/v1/commands/${commandId}`, key)).body;
      return c.status === "cancelled" ? c : undefined;
    });
    expect(command.status).toBe("cancelled");
    expect((await api().post(`/api/web/tasks/${id}/cancel`, undefined, key)).status).toBe(409);
    // the machine's only slot is free again
    const next = await createTask(projectKey, "quick job", host.id);
    expect((await taskIn(next, ["completed", "failed"])).status).toBe("completed");
  });

  test("retry resumes a failed task from the failed stage as a new attempt", async () => {
    const { host, agent } = await worker("retry");
    const counter = join(agent.stateDir, "first-stage.log");
    const marker = join(agent.stateDir, "ready");
    const projectKey = await project([
      {
        name: "prepare",
        kind: "command",
        command: { kind: "exec", params: { command: "sh", args: ["-c", `echo run >> '${counter}'; echo prepared`] } },
      },
      {
        name: "check",
        kind: "command",
        command: {
          kind: "exec",
          params: { command: "sh", args: ["-c", `test -f '${marker}' || { echo 'not ready' >&2; exit 4; }`] },
        },
      },
      { name: "finish", kind: "agent" },
    ]);
    const id = await createTask(projectKey, "retry me", host.id);
    const failed = await taskIn(id, ["failed", "completed"]);
    expect(failed.status).toBe("failed");
    expect(failed.error).toContain("stage check failed: exit code 4");
    const failure = (await api().get(`/api/web/tasks/${id}/events?type=stage.failed`, key)).body.items[0];
    expect(failure.data.excerpt).toContain("not ready");
    expect((await api().post(`/api/web/tasks/${id}/confirm-stage`, { stageIndex: 1, result: "x" }, key)).status).toBe(
      409,
    );

    writeFileSync(marker, "");
    const retried = await api().post(`/api/web/tasks/${id}/retry`, undefined, key);
    expect(retried.status).toBe(200);
    expect(retried.body).toMatchObject({ attempt: 2, stageIndex: 1 });
    expect(["pending", "assigned", "running"]).toContain(retried.body.status); // the scheduler may already have it
    const done = await taskIn(id, ["completed", "failed"]);
    expect({ status: done.status, error: done.error }).toEqual({ status: "completed", error: null });
    expect(require("node:fs").readFileSync(counter, "utf8")).toBe("run\n"); // the first stage ran once
    expect(
      done.attempts.map((a: { attempt: number; stages: { stageName: string; status: string }[] }) => [
        a.attempt,
        a.stages.map((s: { stageName: string; status: string }) => `${s.stageName}:${s.status}`),
      ]),
    ).toEqual([
      [1, ["prepare:completed", "check:failed"]],
      [2, ["check:completed", "finish:completed"]],
    ]);
    expect(done.stageResults.prepare).toBe("prepared");
    expect((await api().post(`/api/web/tasks/${id}/retry`, undefined, key)).status).toBe(409);
  });

  test("drain stops new assignments while running work finishes; undrain resumes", async () => {
    const { host } = await worker("drain");
    const projectKey = await project([{ name: "work", kind: "agent" }]);
    const first = await createTask(projectKey, "nap", host.id);
    await taskIn(first, ["running"]);
    const drained = await api().post(`/api/web/machines/${host.id}/drain`, undefined, key);
    expect(drained.status).toBe(200);
    expect(drained.body).toMatchObject({ draining: true, state: "draining", activeTasks: 1 });
    const second = await createTask(projectKey, "after drain", host.id);
    expect((await taskIn(first, ["completed", "failed"])).status).toBe("completed");
    await Bun.sleep(800); // several scheduler ticks
    expect(await task(second)).toMatchObject({
      status: "pending",
      waitingFor: `machine ${host.id} (the task is pinned to it) is draining`,
    });
    expect((await api().post(`/api/web/machines/${host.id}/undrain`, undefined, key)).body.draining).toBe(false);
    expect((await taskIn(second, ["completed", "failed"])).status).toBe("completed");
  });

  test("maintenance: no new tasks and no new commands for the machine", async () => {
    const { host } = await worker("maint");
    expect((await api().put(`/api/admin/machines/${host.id}`, { status: "maintenance" }, key)).body.state).toBe(
      "maintenance",
    );
    const refused = await api().post("/api/v1/commands", { hostId: host.id, kind: "echo", params: {} }, key);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain("maintenance");
    const projectKey = await project([{ name: "work", kind: "agent" }]);
    const id = await createTask(projectKey, "waits", host.id);
    await Bun.sleep(800);
    expect(await task(id)).toMatchObject({
      status: "pending",
      waitingFor: `machine ${host.id} (the task is pinned to it) is in maintenance`,
    });
    await api().put(`/api/admin/machines/${host.id}`, { status: "online" }, key);
    expect((await taskIn(id, ["completed", "failed"])).status).toBe("completed");
  });

  test("decommission disconnects the worker, re-queues assigned and suspended tasks and fails running ones", async () => {
    const { host, agent } = await worker("decom");
    expect(
      (await api().put(`/api/admin/machines/${host.id}`, { maxConcurrentTasks: 2 }, key)).body.maxConcurrentTasks,
    ).toBe(2);
    const slow = await project([{ name: "work", kind: "agent" }]);
    const gated = await project([
      { name: "gate", kind: "confirm", prompt: "go?" },
      { name: "work", kind: "agent" },
    ]);
    const running = await createTask(slow, "slow one", host.id);
    const pinnedSuspended = await createTask(gated, "gated", host.id);
    await taskIn(running, ["running"]);
    await taskIn(pinnedSuspended, ["suspended"]);
    await api().put(`/api/admin/machines/${host.id}`, { maxConcurrentTasks: 3 }, key);
    const suspended = await createTask(gated, "gated, unpinned");
    await taskIn(suspended, ["suspended"]);
    await api().put(`/api/admin/machines/${host.id}`, { maxConcurrentTasks: 2 }, key);
    const pinnedQueued = await createTask(slow, "queued behind the others", host.id);
    await Bun.sleep(500);
    expect(await task(pinnedQueued)).toMatchObject({
      status: "pending",
      waitingFor: `machine ${host.id} (the task is pinned to it) has no free slot (3 of 2 in use)`,
    });
    const pid = await waitFor(
      "the agent program",
      async () =>
        existsSync(join(scripts, `${running}.pid`)) &&
        Number(require("node:fs").readFileSync(join(scripts, `${running}.pid`), "utf8")),
    );

    const res = await api().delete(`/api/admin/machines/${host.id}`, key);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe("decommissioned");
    // Unpinned suspended work goes back to the queue; work pinned to the machine can never run: it fails.
    expect(res.body.tasks).toEqual(
      expect.arrayContaining([
        { taskId: running, status: "failed" },
        { taskId: suspended, status: "pending" },
        { taskId: pinnedSuspended, status: "failed" },
      ]),
    );
    // (the queued pinned task fails in the same call, or in a scheduler sweep that saw the machine go first)
    expect((await task(pinnedSuspended)).error).toContain(`machine ${host.id} decommissioned (the task was pinned`);
    expect((await task(pinnedQueued)).error).toBe(
      `machine ${host.id} is decommissioned (the task was pinned to it: it cannot run elsewhere)`,
    );
    // The running stage is killed on the agent (its cancel goes out before the identity is revoked).
    await waitFor("the stage process to be killed", async () => !alive(pid));
    // Identity revoked: the embedded broker drops the agent at once and it exits. (An external broker's
    // connections are the broker's to drop: there the control plane ignores the agent and sends it nothing.)
    if (!external) expect(await agent.exitCode(15_000)).toBe(3);
    expect((await task(running)).error).toContain("decommissioned");
    expect((await api().post(`/api/web/machines/${host.id}/drain`, undefined, key)).status).toBe(409);
    expect((await api().post("/api/v1/commands", { hostId: host.id, kind: "echo", params: {} }, key)).status).toBe(409);
    // new work for it is refused
    const refused = await api().post("/api/web/tasks", { projectKey: slow, description: "x", machineId: host.id }, key);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain("decommissioned");
    expect((await api().post("/api/v1/tasks", { prompt: "x", hostId: "host_nope" }, key)).status).toBe(400);

    // the re-queued unpinned task moves on to another machine
    const other = await worker("decom-next");
    const moved = await taskIn(suspended, ["suspended"]);
    expect(moved.machineId).toBe(other.host.id);
    expect(moved.attempts[0].stages.map((s: { status: string }) => s.status)).toEqual(["cancelled", "suspended"]);
  });

  test("a pending task says why it waits when no machine can take it", async () => {
    const picky = await project([{ name: "work", kind: "agent" }], {
      settings: { requirements: { capabilities: ["quantum"], labels: { zone: "mars" } } },
    });
    const id = await createTask(picky, "needs a quantum machine");
    await Bun.sleep(500);
    const waiting = await task(id);
    expect(waiting.status).toBe("pending");
    expect(waiting.waitingFor).toMatch(/^no machine of the tenant matches the task's requirements \(missing: /);
    expect(waiting.waitingFor).toContain("label zone=mars");
    expect((await api().post(`/api/web/tasks/${id}/cancel`, undefined, key)).status).toBe(200);
    expect((await task(id)).waitingFor).toBeUndefined();

    // a host holding a task pinned to it cannot be deleted (its task would run anywhere): 409 until it is done
    const host = (await api().post("/api/v1/hosts", { name: `pinned-${crypto.randomUUID().slice(0, 6)}` }, key)).body;
    const pinned = await createTask(picky, "pinned", host.id);
    expect((await task(pinned)).waitingFor).toBe(`machine ${host.id} (the task is pinned to it) is offline`);
    const refused = await api().delete(`/api/v1/hosts/${host.id}`, key);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain("unfinished tasks");
    await api().post(`/api/web/tasks/${pinned}/cancel`, undefined, key);
    expect((await api().delete(`/api/v1/hosts/${host.id}`, key)).status).toBe(200);
  });

  test("worker loss: an agent killed mid-task fails its running stage, re-queues an idempotent one", async () => {
    const { host, agent } = await worker("loss");
    await api().put(`/api/admin/machines/${host.id}`, { maxConcurrentTasks: 2 }, key);
    const plain = await project([{ name: "work", kind: "agent" }]);
    const idempotent = await project([{ name: "work", kind: "agent", idempotent: true }]);
    const failing = await createTask(plain, "slow plain", host.id);
    const requeued = await createTask(idempotent, "slow idempotent");
    await taskIn(failing, ["running"]);
    await taskIn(requeued, ["running"]);
    await agent.kill("SIGKILL");

    const failed = await taskIn(failing, ["failed"], 20_000);
    expect(failed.error).toMatch(/worker lost: machine .* offline for more than/);
    const back = await taskIn(requeued, ["pending", "assigned", "running"], 20_000);
    expect(back.attempts[0].stages[0]).toMatchObject({ status: "cancelled" });
    const events = (await api().get(`/api/web/tasks/${requeued}/events?search=re-queued`, key)).body.items;
    expect(events.length).toBeGreaterThan(0);
    // a new worker picks the idempotent task up and finishes it (its prompt keeps it slow: cancel it instead)
    const other = await worker("loss-next");
    const moved = await taskIn(requeued, ["running"], 20_000);
    expect(moved.machineId).toBe(other.host.id);
    expect((await api().post(`/api/web/tasks/${requeued}/cancel`, undefined, key)).status).toBe(200);
  });

  test("cron and event triggers create tasks that really run", async () => {
    const { host } = await worker("trigger");
    const projectKey = await project([
      {
        name: "say",
        kind: "command",
        command: { kind: "exec", params: { command: "echo", args: ["triggered {{task.prompt}}"] } },
      },
    ]);
    const cron = await api().post(
      "/api/v1/triggers",
      {
        name: `cron-${projectKey}`,
        kind: "cron",
        schedule: "* * * * * *",
        task: { prompt: "by cron", projectKey, hostId: host.id },
      },
      key,
    );
    expect(cron.status).toBe(201);
    const ran = await waitFor(
      "a cron task to complete",
      async () => {
        const items = (await api().get(`/api/v1/tasks?triggerId=${cron.body.id}&status=completed`, key)).body.items;
        return items.length ? items[0] : undefined;
      },
      20_000,
    );
    await api().delete(`/api/v1/triggers/${cron.body.id}`, key);
    expect(ran.stageResults.say).toBe("triggered by cron");
    expect(ran.machineId).toBe(host.id);

    const event = await api().post(
      "/api/v1/triggers",
      {
        name: `event-${projectKey}`,
        kind: "event",
        event: "command.failed",
        task: { prompt: "after a failure", projectKey, hostId: host.id },
      },
      key,
    );
    expect(event.status).toBe(201);
    await api().post(
      "/api/v1/commands",
      { hostId: host.id, kind: "exec", params: { command: "sh", args: ["-c", "exit 1"] } },
      key,
    );
    const reacted = await waitFor(
      "an event task to complete",
      async () => {
        const items = (await api().get(`/api/v1/tasks?triggerId=${event.body.id}&status=completed`, key)).body.items;
        return items.length ? items[0] : undefined;
      },
      20_000,
    );
    await api().delete(`/api/v1/triggers/${event.body.id}`, key);
    expect(reacted.stageResults.say).toBe("triggered after a failure");
  });
});
