/** task create | cancel | retry | confirm | logs [-f] | events [-f] */
import type { Api } from "../client.ts";
import { CliError, UsageError } from "../errors.ts";
import { age, info, out, printData, Progress, table } from "../output.ts";
import { resolveHost, type Row } from "../resources.ts";
import type { Invocation, Verb } from "../verb.ts";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const taskPath = (id: string, tail = "") => `/api/web/tasks/${encodeURIComponent(id)}${tail}`;

function printTask(inv: Invocation, task: Row, verb: string): void {
  if (inv.format === "json" || inv.format === "yaml") printData(task, inv.format);
  else if (inv.format === "name") out(task.id);
  else info(`task/${task.id} ${verb} (${task.status})`);
}

/**
 * Prints a task's log lines from `offset` on, following until the task is terminal when `follow` (then prints what
 * came last and returns the task). stdout lines go to stdout, stderr lines to stderr.
 */
async function streamLogs(api: Api, id: string, follow: boolean, json: boolean): Promise<Row> {
  let offset = 0;
  for (let idle = 0; ; ) {
    // Read the status before the lines: lines written before the task ended are all in the pages read after.
    const task = follow ? await api.get(taskPath(id)) : undefined;
    for (;;) {
      const page = await api.get(taskPath(id, "/logs"), { offset, limit: 500 });
      const lines = (page.items ?? []) as Row[];
      for (const line of lines) {
        if (json) out(JSON.stringify(line));
        else if (line.stream === "stderr") process.stderr.write(`${line.line}\n`);
        else out(line.line);
      }
      offset += lines.length;
      if (lines.length < 500) break;
    }
    if (!follow) return { id };
    if (TERMINAL.has(task!.status)) return task!;
    idle++;
    await sleep(Math.min(1000, 100 * idle));
  }
}

async function waitForTask(api: Api, id: string): Promise<Row> {
  const progress = new Progress().start(`task ${id}: pending`);
  try {
    for (let attempt = 0; ; attempt++) {
      const task = await api.get(taskPath(id));
      if (TERMINAL.has(task.status)) return task;
      const stage = task.currentStage ? ` (stage ${task.currentStage.index} ${task.currentStage.name})` : "";
      progress.update(
        `task ${id}: ${task.status}${stage}${task.waitingFor ? ` — waiting for ${task.waitingFor}` : ""}`,
      );
      await sleep(Math.min(1000, 50 * 2 ** attempt));
    }
  } finally {
    progress.stop();
  }
}

export const taskVerbs: Verb[] = [
  {
    name: "task create",
    summary: "Create a task: a project's pipeline (--project), or the default agent pipeline with a prompt",
    args: "[DESCRIPTION]",
    maxArgs: 1,
    flags: {
      project: { type: "string", short: "p", value: "KEY", description: "the project whose pipeline runs" },
      machine: { type: "string", value: "HOST", description: "pin the task to this machine (name or id)" },
      priority: { type: "string", value: "N", description: "higher runs first" },
      wait: { type: "boolean", short: "w", description: "wait until it ends; exit 0 only if it completed" },
      follow: { type: "boolean", short: "f", description: "print its logs until it ends (implies --wait)" },
    },
    async run(inv) {
      const api = inv.api();
      const description = inv.args[0] ?? "";
      const machine = inv.flags.machine ? await resolveHost(api, inv.flags.machine as string) : undefined;
      let priority: number | undefined;
      if (inv.flags.priority !== undefined) {
        priority = Number(inv.flags.priority);
        if (!Number.isInteger(priority)) throw new UsageError("--priority must be an integer");
      }
      let task: Row;
      if (inv.flags.project) {
        task = await api.post("/api/web/tasks", {
          projectKey: inv.flags.project,
          description,
          ...(machine ? { machineId: machine } : {}),
          ...(priority !== undefined ? { priority } : {}),
        });
      } else {
        if (!description) throw new UsageError("give --project KEY, or a DESCRIPTION (the prompt of an agent task)");
        task = await api.post("/api/v1/tasks", {
          prompt: description,
          ...(machine ? { hostId: machine } : {}),
          ...(priority !== undefined ? { priority } : {}),
        });
      }
      if (!inv.flags.wait && !inv.flags.follow) {
        if (inv.format === "table") out(task.id);
        else printTask(inv, task, "created");
        return 0;
      }
      info(`task/${task.id} created`);
      const done = inv.flags.follow ? await streamLogs(api, task.id, true, false) : await waitForTask(api, task.id);
      info(`task/${task.id} ${done.status}${done.error ? `: ${done.error}` : ""}`);
      return done.status === "completed" ? 0 : 1;
    },
  },
  {
    name: "task cancel",
    summary: "Cancel a task (its running stage is killed on the machine)",
    args: "TASK_ID",
    minArgs: 1,
    maxArgs: 1,
    async run(inv) {
      printTask(inv, await inv.api().post(taskPath(inv.args[0]!, "/cancel")), "cancelled");
      return 0;
    },
  },
  {
    name: "task retry",
    summary: "Retry a failed or cancelled task from the stage that did not finish",
    args: "TASK_ID",
    minArgs: 1,
    maxArgs: 1,
    async run(inv) {
      printTask(inv, await inv.api().post(taskPath(inv.args[0]!, "/retry")), "retried");
      return 0;
    },
  },
  {
    name: "task confirm",
    summary: "Answer a suspended task's confirm stage (an option, or the input it asks for)",
    args: "TASK_ID [RESULT]",
    minArgs: 1,
    maxArgs: 2,
    description: "Without RESULT, prints the pending prompt and its options.",
    flags: { stage: { type: "string", value: "INDEX", description: "the suspended stage's index (default: asked)" } },
    async run(inv) {
      const api = inv.api();
      const id = inv.args[0]!;
      const pending = await api.get(taskPath(id, "/pending-confirm"));
      const result = inv.args[1];
      if (result === undefined) {
        if (inv.format === "json" || inv.format === "yaml") printData(pending, inv.format);
        else {
          out(`stage ${pending.stageIndex} (${pending.stageName}): ${pending.prompt}`);
          if (Array.isArray(pending.options)) out(`options: ${pending.options.join(", ")}`);
          else if (pending.input) out(`input: ${JSON.stringify(pending.input)}`);
        }
        return 0;
      }
      if (Array.isArray(pending.options) && !pending.options.includes(result))
        throw new CliError(`"${result}" is not one of the options: ${pending.options.join(", ")}`);
      const stageIndex = inv.flags.stage !== undefined ? Number(inv.flags.stage) : pending.stageIndex;
      if (!Number.isInteger(stageIndex)) throw new UsageError("--stage must be an integer");
      printTask(inv, await api.post(taskPath(id, "/confirm-stage"), { stageIndex, result }), "confirmed");
      return 0;
    },
  },
  {
    name: "task logs",
    summary: "Print a task's output lines; -f follows them until the task ends",
    args: "TASK_ID",
    minArgs: 1,
    maxArgs: 1,
    flags: { follow: { type: "boolean", short: "f", description: "keep printing new lines until the task ends" } },
    async run(inv) {
      const done = await streamLogs(inv.api(), inv.args[0]!, Boolean(inv.flags.follow), inv.format === "json");
      if (inv.flags.follow) info(`task/${done.id} ${done.status}${done.error ? `: ${done.error}` : ""}`);
      return 0;
    },
  },
  {
    name: "task events",
    summary: "List a task's events (status changes, stages dispatched, started, completed, failed, confirmed)",
    args: "TASK_ID",
    minArgs: 1,
    maxArgs: 1,
    flags: {
      type: { type: "string", value: "TYPE", description: "only events of this type (e.g. stage.failed)" },
      follow: { type: "boolean", short: "f", description: "keep printing new events until the task ends" },
    },
    async run(inv) {
      const api = inv.api();
      const id = inv.args[0]!;
      let offset = 0;
      let header = true;
      for (let idle = 0; ; idle++) {
        const task = inv.flags.follow ? await api.get(taskPath(id)) : undefined;
        const page = await api.get(taskPath(id, "/events"), {
          offset,
          limit: 200,
          type: inv.flags.type as string | undefined,
        });
        const events = (page.items ?? []) as Row[];
        offset += events.length;
        if (inv.format === "json" || inv.format === "yaml") {
          if (inv.flags.follow) for (const e of events) out(JSON.stringify(e));
          else printData(events, inv.format);
        } else if (events.length) {
          const text = table(events, [
            { header: "SEQ", value: (e) => e.seq },
            { header: "AGE", value: (e) => age(e.createdAt) },
            { header: "TYPE", value: (e) => e.type },
            { header: "STAGE", value: (e) => e.stageIndex },
            { header: "MESSAGE", value: (e) => e.message },
          ]);
          out(header ? text : text.split("\n").slice(1).join("\n"));
          header = false;
        }
        if (!inv.flags.follow && events.length < 200) return 0;
        if (inv.flags.follow && events.length === 0 && TERMINAL.has(task!.status)) return 0;
        if (events.length === 0) await sleep(Math.min(1000, 100 * idle));
      }
    },
  },
];
