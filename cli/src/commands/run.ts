/** run (a command on a host, waited for), drain / undrain, and watch (gRPC Operator.Watch). */
import * as grpc from "@grpc/grpc-js";
import { OperatorClient, type WatchEvent } from "@edge/proto/grpc";
import type { Api } from "../client.ts";
import { CliError, UsageError } from "../errors.ts";
import { info, out, printData, Progress } from "../output.ts";
import { resolveHost, type Row } from "../resources.ts";
import type { Verb } from "../verb.ts";

const TERMINAL = new Set(["completed", "failed", "cancelled", "expired"]);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function parseParams(raw: string | undefined): Row | undefined {
  if (raw === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new UsageError("--params must be a JSON object");
  }
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new UsageError("--params must be a JSON object");
  return value as Row;
}

function seconds(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number of seconds`);
  return n;
}

/** Polls the command until it is terminal; Ctrl-C cancels it on the host. */
async function waitForCommand(api: Api, id: string, hostName: string, timeoutMs?: number): Promise<Row> {
  const progress = new Progress().start(`waiting for ${hostName} to run ${id} (pending)`);
  let interrupted = false;
  const onInterrupt = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress.update(`cancelling ${id}...`);
    void api
      .post(`/api/v1/commands/${id}/transition`, { status: "cancelled" })
      .catch((error) => info(`edgectl: could not cancel ${id}: ${(error as Error).message}`));
  };
  process.on("SIGINT", onInterrupt);
  const deadline = timeoutMs ? Date.now() + timeoutMs : undefined;
  let hostNote = "";
  try {
    for (let attempt = 0; ; attempt++) {
      const command = await api.get(`/api/v1/commands/${encodeURIComponent(id)}`);
      if (TERMINAL.has(command.status)) return command;
      // A command that stays pending: say whether its agent is even connected (checked every ~5 s).
      if (command.status === "pending" && attempt % 5 === 4) {
        const host = await api.get(`/api/v1/hosts/${encodeURIComponent(command.hostId)}`).catch(() => undefined);
        hostNote = host && host.status !== "online" ? `; host is ${host.status}, waiting for its agent` : "";
      }
      progress.update(
        `waiting for ${hostName} to run ${id} (${command.status}${command.status === "pending" ? hostNote : ""})`,
      );
      if (deadline && Date.now() > deadline) throw new CliError(`gave up waiting for ${id} (still ${command.status})`);
      await sleep(Math.min(1000, 50 * 2 ** attempt));
    }
  } finally {
    process.off("SIGINT", onInterrupt);
    progress.stop();
  }
}

/** The exit code `run` ends with: the process's own, else 1 for anything that did not complete. */
export function exitCodeOf(command: Row): number {
  const code = command.result?.exitCode;
  if (typeof code === "number" && Number.isInteger(code) && code >= 0 && code <= 255) return code;
  return command.status === "completed" ? 0 : 1;
}

function watchLine(event: WatchEvent): string {
  const at = new Date(Number(event.atMs) || Date.now()).toISOString();
  if (event.hostStatus)
    return `${at}  host ${event.hostStatus.hostId} ${event.hostStatus.status}${event.hostStatus.previous ? ` (was ${event.hostStatus.previous})` : ""}`;
  if (event.command)
    return `${at}  command ${event.command.commandId} ${event.command.status}${event.command.error ? `: ${event.command.error}` : ""}`;
  if (event.log) return `${at}  ${event.log.commandId} ${event.log.stream}: ${event.log.line}`;
  if (event.task) return `${at}  task ${event.task.taskId} ${event.task.status}`;
  return `${at}  (unknown event)`;
}

/** Opens Operator.Watch and prints events until the stream ends or Ctrl-C; one refresh-and-retry on UNAUTHENTICATED. */
async function watch(api: Api, target: { hostId?: string; taskId?: string }, json: boolean): Promise<number> {
  const client = new OperatorClient(api.session.grpcUrl, grpc.credentials.createInsecure());
  const open = () =>
    new Promise<{ code: number; status?: grpc.ServiceError }>((resolve) => {
      const md = new grpc.Metadata();
      const token = api.token();
      if (token) md.set("authorization", `Bearer ${token}`);
      const call = client.Watch({ hostId: target.hostId ?? "", taskId: target.taskId ?? "" }, md);
      let received = false;
      const stop = () => {
        call.cancel();
        resolve({ code: 0 });
      };
      process.once("SIGINT", stop);
      call.on("data", (event: WatchEvent) => {
        received = true;
        if (json) out(JSON.stringify(event));
        else out(watchLine(event));
      });
      call.on("error", (error: grpc.ServiceError) => {
        process.off("SIGINT", stop);
        if (error.code === grpc.status.CANCELLED) return resolve({ code: 0 });
        // Refused before anything came (bad credential, unknown host): the caller may refresh and retry.
        if (!received) return resolve({ code: 1, status: error });
        info(`edgectl: watch ended: ${error.details || error.message}`);
        resolve({ code: 1 });
      });
      call.on("end", () => {
        process.off("SIGINT", stop);
        resolve({ code: 0 });
      });
    });
  try {
    let result = await open();
    if (
      result.status?.code === grpc.status.UNAUTHENTICATED &&
      api.session.context.refreshToken &&
      !api.session.tokenOverride
    ) {
      await api.refresh();
      result = await open();
    }
    if (result.status) throw new CliError(`watch failed: ${result.status.details || result.status.message}`);
    return result.code;
  } finally {
    client.close();
  }
}

/** `drain` / `undrain MACHINE`: the same call on the machine's route of that name. */
function drainVerb(name: "drain" | "undrain", summary: string, done: string): Verb {
  return {
    name,
    summary,
    args: "MACHINE",
    minArgs: 1,
    maxArgs: 1,
    async run(inv) {
      const api = inv.api();
      const id = await resolveHost(api, inv.args[0]!);
      await api.post(`/api/web/machines/${encodeURIComponent(id)}/${name}`);
      info(`machine/${inv.args[0]} ${done}`);
      return 0;
    },
  };
}

export const runVerbs: Verb[] = [
  {
    name: "run",
    summary: "Run a command on a host, wait for it, print its output; exits with its exit code",
    args: "HOST -- COMMAND [ARGS...]",
    minArgs: 1,
    maxArgs: 1,
    description: `
Creates an exec command (no shell: arguments are passed as they are) for HOST (name or id), waits until the agent
has run it, prints its stdout and stderr, and exits with its exit code (1 when it was refused, cancelled or
expired). Ctrl-C cancels it on the host. Other kinds: --kind sleep --params '{"ms":1000}'.`,
    flags: {
      kind: { type: "string", value: "KIND", description: "command kind (default exec)" },
      params: { type: "string", value: "JSON", description: "parameters of a non-exec kind, as a JSON object" },
      cwd: { type: "string", value: "DIR", description: "exec: working directory on the host" },
      env: { type: "string", multiple: true, value: "K=V", description: "exec: environment variable (repeatable)" },
      timeout: { type: "string", value: "SECONDS", description: "the agent kills the command after this long" },
      ttl: { type: "string", value: "SECONDS", description: "never start it if not started within this long" },
      wait: {
        type: "string",
        value: "SECONDS",
        description: "give up waiting after this long (exit 1; it keeps running)",
      },
      detach: { type: "boolean", short: "d", description: "do not wait: print the command id" },
    },
    async run(inv) {
      const api = inv.api();
      const hostRef = inv.args[0]!;
      const kind = (inv.flags.kind as string) || "exec";
      let params = parseParams(inv.flags.params as string | undefined);
      if (kind === "exec") {
        if (inv.rest.length === 0) throw new UsageError("missing command: edgectl run HOST -- COMMAND [ARGS...]");
        const env: Record<string, string> = {};
        for (const pair of (inv.flags.env as string[] | undefined) ?? []) {
          const eq = pair.indexOf("=");
          if (eq < 1) throw new UsageError(`--env ${pair}: expected K=V`);
          env[pair.slice(0, eq)] = pair.slice(eq + 1);
        }
        params = {
          command: inv.rest[0],
          args: inv.rest.slice(1),
          ...(inv.flags.cwd ? { cwd: inv.flags.cwd } : {}),
          ...(Object.keys(env).length ? { env } : {}),
          ...params,
        };
      } else if (inv.rest.length) throw new UsageError(`arguments after -- are for exec commands only (use --params)`);
      const timeout = seconds(inv.flags.timeout as string | undefined, "--timeout");
      const ttl = seconds(inv.flags.ttl as string | undefined, "--ttl");
      const hostId = await resolveHost(api, hostRef);
      const created = await api.post("/api/v1/commands", {
        hostId,
        kind,
        ...(params ? { params } : {}),
        ...(timeout ? { timeoutMs: Math.round(timeout * 1000) } : {}),
        ...(ttl ? { ttlSeconds: Math.ceil(ttl) } : {}),
      });
      if (inv.flags.detach) {
        out(created.id);
        return 0;
      }
      const wait = seconds(inv.flags.wait as string | undefined, "--wait");
      const done = await waitForCommand(api, created.id, hostRef, wait ? wait * 1000 : undefined);
      if (inv.format === "json" || inv.format === "yaml") {
        printData(done, inv.format);
        return exitCodeOf(done);
      }
      const result = done.result ?? {};
      if (typeof result.stdout === "string") process.stdout.write(result.stdout);
      else if (done.status === "completed" && result && Object.keys(result).length) out(JSON.stringify(result));
      if (typeof result.stderr === "string") process.stderr.write(result.stderr);
      if (
        done.status !== "completed" &&
        !(typeof result.exitCode === "number" && done.error === `exit code ${result.exitCode}`)
      )
        info(`edgectl: command ${done.id} ${done.status}${done.error ? `: ${done.error}` : ""}`);
      return exitCodeOf(done);
    },
  },
  drainVerb("drain", "Stop assigning new tasks to a machine (running work continues)", "drained"),
  drainVerb("undrain", "Let a drained machine take new tasks again", "undrained"),
  {
    name: "watch",
    summary: "Stream a host's live events (status, commands, output lines) over gRPC; --task for a task's",
    args: "[HOST]",
    maxArgs: 1,
    description:
      "Uses Operator.Watch on the gRPC address (--grpc-url, EDGECTL_GRPC_URL, the context's, or the API's host:port).",
    flags: { task: { type: "string", value: "TASK_ID", description: "watch a task's transitions instead of a host" } },
    async run(inv) {
      const api = inv.api();
      const task = inv.flags.task as string | undefined;
      if (!task && inv.args.length === 0) throw new UsageError("watch needs a HOST or --task TASK_ID");
      if (task && inv.args.length) throw new UsageError("give a HOST or --task, not both");
      const target = task ? { taskId: task } : { hostId: await resolveHost(api, inv.args[0]!) };
      return watch(api, target, inv.format === "json");
    },
  },
];
