/**
 * Agent runs: the configured agent program (by agent type) runs in a workspace with a prompt, under the safety
 * policy (kind `agent`, like task stages), and emits events: `started`, `output` (a stdout/stderr line),
 * any `{"type": ...}` JSON object the program prints on stdout (tool calls, stages...), and `finished`.
 * The program gets `{runId, prompt, workspaceId, agentType}` as JSON on stdin (RUN_ID, RUN_PROMPT, WORKSPACE_DIR in
 * its environment); a `{"type":"result", "result": ...}` line sets the result, else its stdout is the result.
 */
import type { Database } from "bun:sqlite";
import { randomHex } from "./random.ts";
import { tmpdir } from "node:os";
import { abortMessage, isTimeout } from "../commands/abort.ts";
import type { CommandContext, CommandOutcome } from "../commands/kind.ts";
import type { Admission } from "./app-actor.ts";
import { forbidden, invalid, notFound, conflict } from "./errors.ts";
import { killGroup, spawnProgram, type Spawned } from "./process.ts";
import type { Workspaces } from "./workspaces.ts";

const MAX_EVENTS = 2_000;
const MAX_RESULT_CHARS = 64 * 1024;
const KILL_GRACE_MS = 1_000;

export interface RunEvent {
  seq: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

export type RunStatus = "running" | "completed" | "failed" | "cancelled";

export interface AgentRun {
  id: string;
  workspaceId: string | null;
  agentType: string;
  prompt: string;
  status: RunStatus;
  result: unknown;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
  events: RunEvent[];
}

export interface RunsOptions {
  db: Database;
  /** Undefined when the agent has no workspace runtime: runs then happen in a temporary directory only. */
  workspaces?: Workspaces;
  agentTypes: () => Readonly<Record<string, string>>;
  defaultAgentType: () => string | undefined;
  admit(request: { kind: string; params: Record<string, unknown> }): Promise<Admission>;
  startBlocked?(): string | undefined;
  timeoutMs?: number;
}

interface Live {
  run: AgentRun;
  proc?: Spawned;
  listeners: Set<(event: RunEvent) => void>;
  stdout: string[];
  stderr: string[];
  /** Resolves once the run has finished (completed, failed or cancelled). */
  done: Promise<void>;
  resolveDone(): void;
}

/** A task stage's context, passed to the program next to the prompt (TASK_ID / TASK_PROMPT in its environment). */
export interface StageContext {
  taskId?: string;
  stage?: string;
  stages?: Record<string, string>;
}

/** What a task's `agent` stage yields: the run's result plus the exec-like fields stages have always had. */
export interface StageRunResult {
  runId: string;
  result: unknown;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export class AgentRuns {
  private readonly live = new Map<string, Live>();

  constructor(private readonly opts: RunsOptions) {}

  async start(input: { prompt: string; agentType?: string; workspaceId?: string }): Promise<AgentRun> {
    if (typeof input.prompt !== "string" || input.prompt.length === 0)
      throw invalid("prompt must be a non-empty string");
    if (input.prompt.length > 256 * 1024) throw invalid("prompt must be at most 262144 characters");
    const agentType = input.agentType ?? this.opts.defaultAgentType() ?? "default";
    const program = this.opts.agentTypes()[agentType];
    if (!program) {
      const known = Object.keys(this.opts.agentTypes());
      throw conflict(
        `agent type "${agentType}" is not configured on this agent (${known.length ? `configured: ${known.join(", ")}` : "none configured; see --agent-type"})`,
      );
    }
    const cwd = this.cwdOf(input.workspaceId);
    const blocked = this.opts.startBlocked?.();
    if (blocked) throw conflict(`cannot start agent runs: ${blocked}`);
    const decision = await this.opts.admit({ kind: "agent", params: { agentType, prompt: input.prompt } });
    if (!decision.allowed) throw forbidden(decision.error);

    const live = this.launch({ program, agentType, prompt: input.prompt, cwd, workspaceId: input.workspaceId });
    const timer = setTimeout(() => {
      if (live.run.status === "running") this.cancel(live.run.id, "timed out");
    }, this.opts.timeoutMs ?? 3_600_000);
    void live.done.then(() => clearTimeout(timer));
    return live.run;
  }

  /**
   * A task's `agent` stage: the same runner as `start`, for a command the command runner has already admitted
   * (safety policy kind `agent`, estop, machine state). Output events go to ctx.onOutput as they happen; ctx.signal
   * (cancel, timeout, shutdown) cancels the run. The run is recorded like any other (queryable in /agent-runs).
   */
  async runStage(
    input: { agentType: string; prompt: string } & StageContext,
    ctx: Pick<CommandContext, "signal" | "onOutput">,
  ): Promise<CommandOutcome> {
    const program = this.opts.agentTypes()[input.agentType];
    if (!program) {
      const known = Object.keys(this.opts.agentTypes());
      return {
        ok: false,
        error: `agent type "${input.agentType}" is not configured on this worker (${known.length ? `configured: ${known.join(", ")}` : "none configured; see --agent-type"})`,
      };
    }
    if (ctx.signal.aborted) return { ok: false, error: abortMessage(ctx.signal) };
    const live = this.launch({
      program,
      agentType: input.agentType,
      prompt: input.prompt,
      cwd: tmpdir(),
      stage: { taskId: input.taskId ?? "", stage: input.stage ?? "", stages: input.stages ?? {} },
      onEvent: (event) => {
        if (!ctx.onOutput) return;
        if (event.type === "output") ctx.onOutput(event.data.stream as "stdout" | "stderr", String(event.data.line));
        else if (!["started", "finished"].includes(event.type))
          ctx.onOutput("stdout", JSON.stringify({ type: event.type, ...event.data }));
      },
    });
    const onAbort = () => {
      if (live.run.status === "running") this.cancel(live.run.id, abortMessage(ctx.signal));
    };
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    try {
      await live.done;
      // A cancelled program is given its kill grace before the stage reports back.
      if (live.proc) await Promise.race([live.proc.exited, Bun.sleep(KILL_GRACE_MS + 2_000)]);
    } finally {
      ctx.signal.removeEventListener("abort", onAbort);
    }
    const run = live.run;
    const last = run.events.at(-1)?.data as { exitCode?: number | null } | undefined;
    const result: StageRunResult = {
      runId: run.id,
      result: run.result,
      exitCode: last?.exitCode ?? null,
      stdout: live.stdout.join("\n").slice(0, MAX_RESULT_CHARS),
      stderr: live.stderr.join("\n").slice(0, MAX_RESULT_CHARS),
      timedOut: isTimeout(ctx.signal),
    };
    if (ctx.signal.aborted) return { ok: false, error: abortMessage(ctx.signal), result };
    if (run.status === "completed") return { ok: true, result };
    return { ok: false, error: run.error ?? "failed", result };
  }

  private cwdOf(workspaceId: string | undefined): string {
    if (!workspaceId) return tmpdir();
    if (!this.opts.workspaces) throw invalid("this agent has no workspace runtime");
    this.opts.workspaces.get(workspaceId);
    return this.opts.workspaces.dir(workspaceId);
  }

  /** The one runner: spawns the agent program, turns its output into events, records the run when it ends. */
  private launch(spec: {
    program: string;
    agentType: string;
    prompt: string;
    cwd: string;
    workspaceId?: string;
    stage?: StageContext;
    onEvent?(event: RunEvent): void;
  }): Live {
    const id = `run_${randomHex(8)}`;
    const run: AgentRun = {
      id,
      workspaceId: spec.workspaceId ?? null,
      agentType: spec.agentType,
      prompt: spec.prompt,
      status: "running",
      result: null,
      error: null,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      events: [],
    };
    let resolveDone = () => {};
    const done = new Promise<void>((resolve) => {
      resolveDone = resolve;
    });
    const live: Live = { run, listeners: new Set(), stdout: [], stderr: [], done, resolveDone };
    if (spec.onEvent) live.listeners.add(spec.onEvent);
    this.live.set(id, live);
    this.emit(live, "started", { runId: id, agentType: spec.agentType, workspaceId: run.workspaceId });
    const stdin = JSON.stringify({
      runId: id,
      prompt: spec.prompt,
      workspaceId: run.workspaceId,
      agentType: spec.agentType,
      ...spec.stage,
    });
    const env: Record<string, string> = {
      RUN_ID: id,
      RUN_PROMPT: spec.prompt,
      WORKSPACE_DIR: spec.workspaceId ? spec.cwd : "",
    };
    if (spec.stage) Object.assign(env, { TASK_ID: spec.stage.taskId ?? "", TASK_PROMPT: spec.prompt });
    try {
      live.proc = spawnProgram([spec.program], spec.cwd, env, (stream, line) => this.onLine(live, stream, line), stdin);
    } catch (error) {
      this.finish(live, "failed", `cannot start ${spec.program}: ${(error as Error).message}`, null);
      return live;
    }
    const proc = live.proc;
    void proc.exited.then(({ code, signal }) => {
      // Reap whatever the program left behind in its process group.
      killGroup(proc.pid, "SIGKILL");
      if (live.run.status !== "running") return;
      const result = live.run.result ?? live.stdout.join("\n").slice(0, MAX_RESULT_CHARS);
      if (code === 0) this.finish(live, "completed", null, result, code);
      else this.finish(live, "failed", code === null ? `killed by ${signal}` : `exit code ${code}`, result, code);
    });
    return live;
  }

  private onLine(live: Live, stream: "stdout" | "stderr", line: string): void {
    if (stream === "stdout") {
      const trimmed = line.trim();
      if (trimmed.startsWith("{")) {
        try {
          const value = JSON.parse(trimmed) as Record<string, unknown>;
          if (
            value &&
            typeof value === "object" &&
            typeof value.type === "string" &&
            /^[a-z][a-z0-9_.-]{0,63}$/.test(value.type)
          ) {
            if (value.type === "result") live.run.result = value.result ?? null;
            else if (!["started", "finished", "output"].includes(value.type)) {
              const { type, ...data } = value;
              this.emit(live, type as string, data);
              return;
            }
            if (value.type === "result") return;
          }
        } catch {
          // plain output
        }
      }
      if (live.stdout.length < 10_000) live.stdout.push(line);
    } else if (live.stderr.length < 10_000) live.stderr.push(line);
    this.emit(live, "output", { stream, line });
  }

  private emit(live: Live, type: string, data: Record<string, unknown>): void {
    const event: RunEvent = { seq: live.run.events.length + 1, type, at: new Date().toISOString(), data };
    if (live.run.events.length < MAX_EVENTS || type === "finished") live.run.events.push(event);
    for (const listener of live.listeners) {
      try {
        listener(event);
      } catch {
        // a broken subscriber never disturbs the run
      }
    }
  }

  private finish(
    live: Live,
    status: RunStatus,
    error: string | null,
    result: unknown,
    exitCode: number | null = null,
  ): void {
    live.run.status = status;
    live.run.error = error;
    live.run.result = result;
    live.run.finishedAt = new Date().toISOString();
    this.emit(live, "finished", { status, result, error, exitCode });
    live.listeners.clear();
    const r = live.run;
    this.opts.db
      .query(
        `INSERT INTO agent_runs (id, workspace_id, agent_type, prompt, status, result, error, events, created_at, finished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
      )
      .run(
        r.id,
        r.workspaceId,
        r.agentType,
        r.prompt,
        r.status,
        JSON.stringify(r.result),
        r.error,
        JSON.stringify(r.events),
        Date.parse(r.createdAt),
        Date.now(),
      );
    this.live.delete(r.id);
    live.resolveDone();
  }

  /** Subscribes to a run's events: those so far are replayed first. Returns undefined when it has finished. */
  subscribe(id: string, listener: (event: RunEvent) => void): (() => void) | undefined {
    const live = this.live.get(id);
    if (!live) return undefined;
    for (const event of live.run.events) listener(event);
    live.listeners.add(listener);
    return () => live.listeners.delete(listener);
  }

  get(id: string): AgentRun {
    const live = this.live.get(id);
    if (live) return live.run;
    const row = this.opts.db.query("SELECT * FROM agent_runs WHERE id = ?1").get(id) as Record<string, unknown> | null;
    if (!row) throw notFound(`agent run ${id} not found`);
    return fromRow(row);
  }

  list(limit = 100): AgentRun[] {
    const rows = this.opts.db.query("SELECT * FROM agent_runs ORDER BY created_at DESC LIMIT ?1").all(limit) as Record<
      string,
      unknown
    >[];
    const live = [...this.live.values()].map((l) => l.run);
    return [...live, ...rows.map(fromRow)].map((run) => ({ ...run, events: [] }));
  }

  cancel(id: string, reason = "cancelled"): AgentRun {
    const live = this.live.get(id);
    if (!live) {
      this.get(id);
      throw conflict(`agent run ${id} has already finished`);
    }
    const proc = live.proc;
    this.finish(live, "cancelled", reason, live.run.result);
    if (proc) {
      killGroup(proc.pid, "SIGTERM");
      setTimeout(() => killGroup(proc.pid, "SIGKILL"), KILL_GRACE_MS).unref?.();
    }
    return live.run;
  }

  /** Agent shutdown or emergency stop: every running run is cancelled. */
  cancelAll(reason: string): void {
    for (const id of [...this.live.keys()]) this.cancel(id, reason);
  }
}

function fromRow(row: Record<string, unknown>): AgentRun {
  return {
    id: row.id as string,
    workspaceId: (row.workspace_id as string | null) ?? null,
    agentType: row.agent_type as string,
    prompt: row.prompt as string,
    status: row.status as RunStatus,
    result: row.result === null ? null : JSON.parse(row.result as string),
    error: (row.error as string | null) ?? null,
    createdAt: new Date(row.created_at as number).toISOString(),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at as number).toISOString(),
    events: JSON.parse(row.events as string) as RunEvent[],
  };
}
