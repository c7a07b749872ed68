/**
 * A one-stage task's statement budget, counted at the driver (every round trip to the database, BEGIN and COMMIT
 * included) on PGlite and PostgreSQL, from its REST creation to its committed completion, with a free machine
 * (its agent acking RUNNING then COMPLETED over MQTT): the task is created and assigned by one statement (no
 * transaction, no scheduling pass), its command's reports are applied in the command path's batches, and the task's
 * two moves (running, completed) are made by those same batch statements. The command path's own statements are
 * counted in it (a task is a command plus its bookkeeping); the operator's credential check and the Row Level Security tenant setting are the
 * API's, reported apart, as in command-statements.test.ts.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { CommandStatus, codecs, topic, withAgentSeq } from "@edge/proto/wire";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { announceOnline, connectAsAgent, hostOnline, hostWithRuntime } from "../support/runtime";
import { waitFor } from "../support/wait";

const backends = await availableBackends();
/**
 * Statements per task, create to completed, the command's own included (3 of them, command-statements.test.ts):
 * the creation's one statement (task, a free machine locked and its slots recounted, command, stage run, events),
 * the command's two batched reports, which move the task too.
 */
const BUDGET = 3;
/**
 * The people's notices of a finished task (modules/notifications: the task read, the notice written for its audience
 * and shared with every replica's live streams, in one statement per batch of notices; the chat bindings cached) are
 * the console's, not the task path's: reported apart, with their own bound (one task at a time here: one batch each).
 */
const NOTICE =
  /"notifications"|-- notification\.created$|^select .* from "tasks" where \("tasks"\."id" = \$1 and "tasks"\."tenant_id" = \$2\)$/;
/** The tenant's chat bindings, read for its notices at most every 2 s (modules/chatbots): counted apart. */
const CHAT_BINDINGS = /"chat_bindings"/;
const NOTICE_BUDGET = 1;
const TASKS = 20;
// With the plan cache mode of the statement it goes before (db/connect.ts GENERIC_PLAN), in the same statement.
const TENANT_SETTING = /^select set_config\(\$1, \$2, \$3\), set_config\('plan_cache_mode', \$4, \$5\)$/;

/** Background loops far apart, so that only the tasks' own statements are counted. */
const QUIET = {
  schedulerTickMs: 3_600_000,
  safetySweepMs: 3_600_000,
  taskSchedulerTickMs: 3_600_000,
  rolloutTickMs: 3_600_000,
  telemetryRetentionSweepMs: 0,
  commandRedeliverySeconds: 0,
};

function tableOf(sql: string): string {
  if (/pg_notify/i.test(sql) && !/insert|update/i.test(sql)) return "pg_notify";
  const m = /(?:from|into|update)\s+"?([a-z_]+)"?/i.exec(sql);
  return m?.[1] ?? sql.slice(0, 20).trim().toLowerCase();
}

describe.each(backends)("task statements on $name", (backend) => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane(backend, QUIET);
  });
  afterAll(() => t?.stop());

  /**
   * An agent over MQTT that runs every command at once: RUNNING then COMPLETED (an agent stage's result); with
   * `before`, once the promise it returns for the command has settled.
   */
  async function ackingAgent(
    h: Awaited<ReturnType<typeof hostWithRuntime>>,
    before?: (commandId: string) => Promise<void>,
  ) {
    const client = await connectAsAgent(t, h);
    let seq = 0;
    client.on("message", async (_name, payload) => {
      const command = codecs.command.decode(payload);
      if (before) await before(command.id);
      for (const status of [CommandStatus.COMMAND_STATUS_RUNNING, CommandStatus.COMMAND_STATUS_COMPLETED]) {
        const update = codecs.commandUpdate.encode({
          commandId: command.id,
          status,
          error: "",
          resultJson: JSON.stringify({ runId: "run", result: "done" }),
          atMs: Date.now(),
        });
        client.publish(topic(h.tenantId, h.hostId, "ack"), Buffer.from(withAgentSeq(update, ++seq, 0)), { qos: 1 });
      }
    });
    await client.subscribeAsync(topic(h.tenantId, h.hostId, "cmd"), { qos: 1 });
    await announceOnline(t, client, h);
    return client;
  }

  test(`a one-stage task on a free machine: assigned at creation, at most ${BUDGET} statements in all`, async () => {
    const h = await hostWithRuntime(t, "task-statements");
    // Completions seen on the event bus (one may come before its creation's response does).
    const completed = new Map<string, () => void>();
    const finished = new Set<string>();
    const unsubscribe = t.plane.services.events.subscribe((event) => {
      if (event.type !== "task.transition" || event.status !== "completed") return;
      const waiter = completed.get(event.taskId);
      if (waiter) waiter();
      else finished.add(event.taskId);
    });
    const client = await ackingAgent(h);
    // Its presence is applied in a batch: the machine is free once the control plane has it online.
    await hostOnline(t, h.hostId);
    try {
      const ids: string[] = [];
      const runOne = async () => {
        const res = await t.api.post("/api/v1/tasks", { prompt: "count" }, t.adminKey);
        expect(res.status).toBe(201);
        // Assigned in the creation's transaction: the response says so already.
        expect(res.body.status).toBe("assigned");
        expect(res.body.machineId).toBe(h.hostId);
        if (!finished.has(res.body.id)) await new Promise<void>((resolve) => completed.set(res.body.id, resolve));
        ids.push(res.body.id);
      };
      for (let i = 0; i < 3; i++) await runOne(); // warm-up: caches filled, sequence row created
      await Bun.sleep(500); // the warm-up's notices written

      const seen: string[] = [];
      const stop = t.plane.database.onStatement((sql) => seen.push(sql));
      const started = performance.now();
      try {
        for (let i = 0; i < TASKS; i++) await runOne();
        let last = -1;
        await waitFor("statements to settle", async () => {
          const settled = seen.length === last;
          last = seen.length;
          if (!settled) await Bun.sleep(150);
          return settled;
        });
      } finally {
        stop();
      }
      const operatorAuth = seen.filter((s) => /"api_keys"|from "users"/.test(s)).length;
      const all = seen.filter(
        // (pg_catalog: the driver's own type lookup on a new connection, once)
        (s) =>
          !/"api_keys"|from "users"|"system_settings"|"consumer_settings"|pg_catalog/.test(s) &&
          !TENANT_SETTING.test(s),
      );
      const notices = all.filter((s) => NOTICE.test(s));
      const bindingReads = all.filter((s) => CHAT_BINDINGS.test(s)).length;
      const path = all.filter((s) => !NOTICE.test(s) && !CHAT_BINDINGS.test(s));
      const byTable: Record<string, number> = {};
      for (const s of path) byTable[tableOf(s)] = (byTable[tableOf(s)] ?? 0) + 1;
      console.log(
        `${backend.name}: ${(path.length / TASKS).toFixed(2)} statements per one-stage task ` +
          `(${JSON.stringify(byTable)}), operator credential checks ${operatorAuth}, ` +
          `people's notices ${(notices.length / TASKS).toFixed(2)} per task (chat bindings read ${bindingReads} times)`,
      );

      // Each ran exactly once, to completion, with its events in order and its stage result.
      for (const id of ids.slice(3)) {
        const task = (await t.api.get(`/api/web/tasks/${id}`, t.adminKey)).body;
        expect(task.status).toBe("completed");
        expect(task.stageResults).toEqual({ agent: "done" });
        const events = (await t.api.get(`/api/web/tasks/${id}/events?limit=50`, t.adminKey)).body.items as {
          type: string;
          message: string;
        }[];
        // (RUNNING and COMPLETED are applied by the agent's report batches, in its order.)
        expect(events.map((e) => e.type)).toEqual([
          "status",
          "status",
          "stage.dispatched",
          "status",
          "stage.started",
          "stage.completed",
          "status",
        ]);
        expect(events.at(-1)?.message).toBe("all stages completed");
      }
      expect(path.length / TASKS).toBeLessThanOrEqual(BUDGET);
      expect(notices.length / TASKS).toBeLessThanOrEqual(NOTICE_BUDGET);
      expect(bindingReads).toBeLessThanOrEqual(Math.ceil((performance.now() - started) / 2_000) + 1);
    } finally {
      unsubscribe();
      await client.endAsync(true);
    }
  }, 120_000);

  test.skipIf(backend.name !== "postgres")(
    "a machine another transaction is inserting a row for (a command for it) still takes a task created now",
    async () => {
      const h = await hostWithRuntime(t, "task-key-share");
      const client = await ackingAgent(h);
      await hostOnline(t, h.hostId);
      // What a foreign-key check of an insert referencing the machine holds until its transaction ends.
      const other = postgres(t.databaseUrl!, { max: 1, onnotice: () => {} });
      const held = await other.reserve();
      try {
        await held`begin`;
        await held`select 1 from hosts where id = ${h.hostId} for key share`;
        const res = await t.api.post("/api/v1/tasks", { prompt: "now", hostId: h.hostId }, t.adminKey);
        expect(res.status).toBe(201);
        expect(res.body.status).toBe("assigned");
      } finally {
        await held`rollback`;
        held.release();
        await other.end();
        await client.endAsync(true);
      }
    },
    60_000,
  );

  test.skipIf(backend.name !== "postgres")(
    "a machine's slots are recounted with a fresh snapshot: an assignment committed after the statement began counts",
    async () => {
      const h = await hostWithRuntime(t, "task-fresh-slots");
      const other = postgres(t.databaseUrl!, { max: 2, onnotice: () => {} });
      const id = `task_fresh_${Date.now()}`;
      try {
        // The statement's snapshot is taken before the sleep; the other transaction commits during it.
        const counted = other`with slept as materialized (select pg_sleep(0.6))
          select (select count(*)::int from tasks t where t.assigned_host_id = ${h.hostId}
              and t.status in ('assigned', 'running', 'suspended')) as stale,
            edge_task_slots_used(${h.hostId}) as fresh
          from slept`.execute();
        await Bun.sleep(200);
        await other`insert into tasks (id, tenant_id, prompt, status, assigned_host_id)
          values (${id}, ${h.tenantId}, 'elsewhere', 'assigned', ${h.hostId})`;
        const [row] = await counted;
        expect(row).toEqual({ stale: 0, fresh: 1 });
      } finally {
        await other`delete from tasks where id = ${id}`;
        await other.end();
      }
    },
    60_000,
  );

  test("queue order: a task created while an older one waits for the free machine does not jump it", async () => {
    const h = await hostWithRuntime(t, "task-queue-order");
    const client = await ackingAgent(h);
    await hostOnline(t, h.hostId);
    try {
      const machine = `/api/web/machines/${h.hostId}`;
      expect((await t.api.post(`${machine}/drain`, {}, t.adminKey)).status).toBe(200);
      const first = await t.api.post("/api/v1/tasks", { prompt: "first", hostId: h.hostId }, t.adminKey);
      expect(first.body.status).toBe("pending");
      // The passes the creation (and the host coming online) woke find the machine drained; once they are over,
      // nothing wakes the scheduler (its tick is an hour here): free again, the first task still waits.
      await t.plane.taskScheduler.settled();
      expect((await t.api.post(`${machine}/undrain`, {}, t.adminKey)).status).toBe(200);
      const second = await t.api.post("/api/v1/tasks", { prompt: "second", hostId: h.hostId }, t.adminKey);
      expect(second.status).toBe(201);
      expect(second.body.status).toBe("pending");
      const done = (id: string) =>
        waitFor(`task ${id} completed`, async () => {
          const task = (await t.api.get(`/api/v1/tasks/${id}`, t.adminKey)).body;
          return task.status === "completed" ? task : undefined;
        });
      const [a, b] = [await done(first.body.id), await done(second.body.id)];
      expect(new Date(a.assignedAt).getTime()).toBeLessThanOrEqual(new Date(b.assignedAt).getTime());
      expect(new Date(b.assignedAt).getTime()).toBeGreaterThanOrEqual(new Date(a.finishedAt).getTime());
    } finally {
      await client.endAsync(true);
    }
  }, 120_000);

  // PostgreSQL only: PGlite runs one transaction at a time, so no pass there ever skips what another holds.
  test.skipIf(backend.name !== "postgres")(
    "a slot freed while a scheduling pass holds the waiting task: a pass after that one assigns it (no wake lost)",
    async () => {
      const h = await hostWithRuntime(t, "task-wake-during-pass");
      // The first task's command finishes when the test says so; any other at once.
      let firstCommand: string | undefined;
      let finishFirst!: () => void;
      const firstMayFinish = new Promise<void>((resolve) => {
        finishFirst = resolve;
      });
      const client = await ackingAgent(h, (commandId) => {
        firstCommand ??= commandId;
        return commandId === firstCommand ? firstMayFinish : Promise.resolve();
      });
      await hostOnline(t, h.hostId);
      // The scheduling pass that claims the second task (FOR UPDATE SKIP LOCKED) and finds its machine full is held,
      // its transaction open, until the test lets it go: what a slow pass under load does.
      const execution = t.plane.services.tasks.execution as unknown as {
        lockCandidates(q: unknown, pending: unknown[]): Promise<unknown[]>;
        assignPending(limit?: number): Promise<number>;
      };
      const { lockCandidates, assignPending } = execution;
      let armed = false;
      let held = false;
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      execution.lockCandidates = async function (this: unknown, q, pending) {
        const machines = await lockCandidates.call(this, q, pending);
        if (armed && !held && pending.length > 0 && machines.length === 0) {
          held = true;
          await released;
        }
        return machines;
      };
      // Passes ended since the first task completed (the one its wake started among them: it begins as the wake is
      // delivered, just before this test's listener hears of the completion, and ends after).
      let firstId: string | undefined;
      let completed = false;
      let passesAfter = 0;
      execution.assignPending = async function (this: unknown, limit) {
        try {
          return await assignPending.call(this, limit);
        } finally {
          if (completed) passesAfter++;
        }
      };
      const unsubscribe = t.plane.services.events.subscribe((event) => {
        if (event.type === "task.transition" && event.status === "completed" && event.taskId === firstId)
          completed = true;
      });
      try {
        const first = await t.api.post("/api/v1/tasks", { prompt: "first", hostId: h.hostId }, t.adminKey);
        expect(first.body.status).toBe("assigned");
        firstId = first.body.id;
        armed = true;
        // Its machine is busy: the second task waits, and the pass its creation wakes is held.
        const second = await t.api.post("/api/v1/tasks", { prompt: "second", hostId: h.hostId }, t.adminKey);
        expect(second.body.status).toBe("pending");
        await waitFor("the pass to be held", () => held);
        // The first task completes meanwhile: its wake starts a pass beside the held one, which skips the second
        // task (the held pass has it locked) and ends.
        finishFirst();
        await waitFor("the pass the completion woke to end", () => passesAfter > 0);
        // The held pass ends having assigned nothing (the machine was full when it looked): one after it must run.
        release();
        const done = await waitFor("the second task completed", async () => {
          const task = (await t.api.get(`/api/v1/tasks/${second.body.id}`, t.adminKey)).body;
          return task.status === "completed" ? task : undefined;
        });
        expect(done.machineId).toBe(h.hostId);
      } finally {
        release();
        finishFirst();
        unsubscribe();
        execution.lockCandidates = lockCandidates;
        execution.assignPending = assignPending;
        await client.endAsync(true);
      }
    },
    60_000,
  );
});
