/** The workspace runtime: workspaces, apps and agent runs of one agent, composed (the API is in api.ts). */
import type { Database } from "bun:sqlite";
import { join } from "node:path";
import type { ActorSystem } from "../actors/index.ts";
import type { Logger } from "@edge/proto/log";
import { AGENT_VERSION } from "../version.ts";
import type { RuntimeConfig } from "./api.ts";
import type { Admission } from "./app-actor.ts";
import { Apps } from "./apps.ts";
import type { LogLine } from "./log-ring.ts";
import { PortAllocator, type PortRange } from "./ports.ts";
import { limitSupport } from "./process.ts";
import { AgentRuns } from "./runs.ts";
import { Workspaces } from "./workspaces.ts";

export interface RuntimeOptions {
  db: Database;
  stateDir: string;
  templatesDir?: string;
  system: ActorSystem;
  portRange: PortRange;
  agentTypes: Readonly<Record<string, string>>;
  /** The safety policy's decision (kinds `app.start` and `agent`). */
  admit(request: { kind: string; params: Record<string, unknown> }): Promise<Admission>;
  startBlocked?(): string | undefined;
  log: Logger;
  onAppLogLine?(appId: string, line: LogLine): void;
  runTimeoutMs?: number;
}

const CONFIG_KEY = "runtime_config";

export class Runtime {
  readonly workspaces: Workspaces;
  readonly apps: Apps;
  readonly runs: AgentRuns;
  readonly log: Logger;
  private readonly startedAt = Date.now();

  constructor(private readonly opts: RuntimeOptions) {
    this.log = opts.log;
    this.workspaces = new Workspaces({
      db: opts.db,
      root: join(opts.stateDir, "workspaces"),
      snapshotsDir: join(opts.stateDir, "snapshots"),
      templatesDir: opts.templatesDir ?? join(opts.stateDir, "templates"),
    });
    this.apps = new Apps({
      db: opts.db,
      system: opts.system,
      workspaces: this.workspaces,
      ports: new PortAllocator(opts.db, opts.portRange),
      admit: opts.admit,
      startBlocked: opts.startBlocked,
      log: opts.log,
      onLogLine: opts.onAppLogLine,
    });
    this.runs = new AgentRuns({
      db: opts.db,
      workspaces: this.workspaces,
      agentTypes: () => opts.agentTypes,
      defaultAgentType: () => this.config().defaultAgentType ?? Object.keys(opts.agentTypes)[0],
      admit: opts.admit,
      startBlocked: opts.startBlocked,
      timeoutMs: opts.runTimeoutMs,
    });
  }

  config(): RuntimeConfig {
    const row = this.opts.db.query("SELECT value FROM runtime_state WHERE name = ?1").get(CONFIG_KEY) as {
      value: string;
    } | null;
    return row ? (JSON.parse(row.value) as RuntimeConfig) : {};
  }

  setConfig(config: RuntimeConfig): RuntimeConfig {
    this.opts.db
      .query(
        `INSERT INTO runtime_state (name, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET value = ?2, updated_at = ?3`,
      )
      .run(CONFIG_KEY, JSON.stringify(config), Date.now());
    return this.config();
  }

  async status() {
    const apps = await this.apps.list();
    const blocked = this.opts.startBlocked?.() ?? null;
    return {
      status: blocked ? "blocked" : "ok",
      blocked,
      version: AGENT_VERSION,
      uptimeSeconds: Math.floor((Date.now() - this.startedAt) / 1000),
      workspaces: this.workspaces.list().length,
      agentTypes: Object.keys(this.opts.agentTypes),
      apps: apps.map((a) => ({ appId: a.appId, phase: a.phase, desired: a.desired, restarts: a.restarts })),
      // Which resource caps (manifest `limits`) this machine enforces, and how; an unenforceable cap refuses a start.
      limits: limitSupport(),
    };
  }

  async deleteWorkspace(id: string): Promise<void> {
    this.workspaces.get(id);
    await this.apps.stopWorkspace(id, true);
    this.workspaces.delete(id);
  }

  async restoreSnapshot(id: string, snapshotId: string) {
    return this.workspaces.restore(id, snapshotId);
  }

  /** Agent start: apps that should run are started again. */
  recover(): Promise<void> {
    return this.apps.recover();
  }

  /** Machine stopped or emergency stop: every app stops and every run is cancelled. */
  async stopEverything(reason: string): Promise<void> {
    this.runs.cancelAll(reason);
    await this.apps.stopAll(reason);
  }

  /** Agent shutdown: runs are cancelled; apps are stopped by their actors (desired state kept for the next start). */
  shutdown(): void {
    this.runs.cancelAll("agent shutting down");
  }
}
