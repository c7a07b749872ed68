/**
 * Agent runs: the configured agent program (by agent type) runs in a workspace with a prompt, under the safety
 * policy (kind `agent`, like task stages), and emits events: `started`, `output` (a stdout/stderr line),
 * any `{"type": ...}` JSON object the program prints on stdout (tool calls, stages...), and `finished`.
 * The program gets `{runId, prompt, workspaceId, agentType}` as JSON on stdin (RUN_ID, RUN_PROMPT, WORKSPACE_DIR in
 * its environment); a `{"type":"result", "result": ...}` line sets the result, else its stdout is the result.
 */
import type { Database } from "bun:sqlite";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
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
  workspaces: Workspaces;
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
    const cwd = input.workspaceId
      ? (this.opts.workspaces.get(input.workspaceId), this.opts.workspaces.dir(input.workspaceId))
      : tmpdir();
    const blocked = this.opts.startBlocked?.();
    if (blocked) throw conflict(`cannot start agent runs: ${blocked}`);
    const decision = await this.opts.admit({ kind: "agent", params: { agentType, prompt: input.prompt } });
    if (!decision.allowed) throw forbidden(decision.error);

    const id = `run_${randomBytes(8).toString("hex")}`;
    const run: AgentRun = {
      id,
      workspaceId: input.workspaceId ?? null,
      agentType,
      prompt: input.prompt,
      status: "running",
      result: null,
      error: null,
      createdAt: new Date().toISOString(),
      finishedAt: null,
      events: [],
    };
    const live: Live = { run, listeners: new Set(), stdout: [] };
    this.live.set(id, live);
    this.emit(live, "started", { runId: id, agentType, workspaceId: run.workspaceId });
    const stdin = JSON.stringify({ runId: id, prompt: input.prompt, workspaceId: run.workspaceId, agentType });
    try {
      live.proc = spawnProgram(
        [program],
        cwd,
        { RUN_ID: id, RUN_PROMPT: input.prompt, WORKSPACE_DIR: input.workspaceId ? cwd : "" },
        (stream, line) => this.onLine(live, stream, line),
        stdin,
      );
    } catch (error) {
      this.finish(live, "failed", `cannot start ${program}: ${(error as Error).message}`, null);
      return run;
    }
    const timer = setTimeout(() => this.cancel(id, "timed out"), this.opts.timeoutMs ?? 3_600_000);
    void live.proc.exited.then(({ code, signal }) => {
      clearTimeout(timer);
      if (live.run.status !== "running") return;
      const result = live.run.result ?? live.stdout.join("\n").slice(0, MAX_RESULT_CHARS);
      if (code === 0) this.finish(live, "completed", null, result, code);
      else this.finish(live, "failed", code === null ? `killed by ${signal}` : `exit code ${code}`, result, code);
    });
    return run;
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
    }
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
