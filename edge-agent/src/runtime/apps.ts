/**
 * The apps of every workspace: resolves `app.runtime.yaml` (validated, ports assigned), spawns one supervising
 * actor per app (app-actor.ts) and drives them: start (its dependencies first, each healthy before the next),
 * stop, setup, ensure-running. Starting goes through the safety policy (`admit`); a stopped machine starts nothing.
 * On agent start, apps that should run are started again, after killing any process a previous agent left behind.
 */
import type { Database } from "bun:sqlite";
import { existsSync, readFileSync } from "node:fs";
import type { ActorRef, ActorSystem } from "../actors/index.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import { MANIFEST_FILE, type Manifest, validateManifest } from "@edge/proto/runtime/manifest";
import {
  type Admission,
  type AppMsg,
  type AppPersistence,
  type AppRecord,
  type AppStatus,
  AppFailedError,
  appActor,
  type ResolvedApp,
} from "./app-actor.ts";
import { conflict, forbidden, notFound, RuntimeError } from "./errors.ts";
import { NO_POLICY_ERROR, REFUSAL_PREFIX } from "../agent/policy-gate.ts";
import { LogRing, type LogLine } from "./log-ring.ts";
import { checkRelativePath, resolveInside } from "./paths.ts";
import type { PortAllocator } from "./ports.ts";
import { isAlive, killGroup, unenforceable } from "./process.ts";
import type { Workspaces } from "./workspaces.ts";

/** yaml is loaded on the first manifest read, not at start: most agents never read one (README, agent footprint). */
const parseYaml = (text: string, options: { maxAliasCount: number }): unknown =>
  (require("yaml") as typeof import("yaml")).parse(text, options);

/** How long a start waits for each dependency to become healthy. */
const DEPENDENCY_WAIT_MS = 120_000;
const LONG_ASK_MS = 3_600_000;
const MAX_MANIFEST_BYTES = 256 * 1024;
/** Prefix of the refusal when the machine refuses every start (stopped, emergency stop). */
export const BLOCKED_PREFIX = "blocked: ";

export interface AppsOptions {
  db: Database;
  system: ActorSystem;
  workspaces: Workspaces;
  ports: PortAllocator;
  /** Safety policy decision for an app start (kind `app.start`). */
  admit(request: { kind: string; params: Record<string, unknown> }): Promise<Admission>;
  /** Why nothing may start now (machine stopped, emergency stop), or undefined. */
  startBlocked?(): string | undefined;
  log: Logger;
  /** Every log line of every app (e.g. to stream them to the control plane). */
  onLogLine?(appId: string, line: LogLine): void;
}

export interface AppPorts {
  appId: string;
  workspaceId: string;
  app: string;
  ports: Record<string, number>;
}

class AppStore implements AppPersistence {
  constructor(private readonly db: Database) {}
  load(appId: string): AppRecord | undefined {
    const row = this.db.query("SELECT desired, built_hash FROM apps WHERE id = ?1").get(appId) as {
      desired: "running" | "stopped";
      built_hash: string | null;
    } | null;
    return row ? { desired: row.desired, builtHash: row.built_hash } : undefined;
  }
  saveDesired(appId: string, workspaceId: string, desired: "running" | "stopped"): void {
    this.db
      .query(
        `INSERT INTO apps (id, workspace_id, desired, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET desired = ?3, updated_at = ?4`,
      )
      .run(appId, workspaceId, desired, Date.now());
  }
  saveProcess(appId: string, pid: number | null, instance: string | null): void {
    this.db
      .query("UPDATE apps SET pid = ?2, instance = ?3, updated_at = ?4 WHERE id = ?1")
      .run(appId, pid, instance, Date.now());
  }
  saveBuilt(appId: string, hash: string | null): void {
    this.db.query("UPDATE apps SET built_hash = ?2, updated_at = ?3 WHERE id = ?1").run(appId, hash, Date.now());
  }
  running(): { id: string; workspace_id: string }[] {
    return this.db.query("SELECT id, workspace_id FROM apps WHERE desired = 'running' ORDER BY id").all() as {
      id: string;
      workspace_id: string;
    }[];
  }
  /** Apps that should be running, other than `except`. */
  runningCount(except: string): number {
    const row = this.db.query("SELECT count(*) AS n FROM apps WHERE desired = 'running' AND id != ?1").get(except) as {
      n: number;
    };
    return row.n;
  }
  leftovers(): { id: string; pid: number; instance: string }[] {
    return this.db.query("SELECT id, pid, instance FROM apps WHERE pid IS NOT NULL").all() as {
      id: string;
      pid: number;
      instance: string;
    }[];
  }
  forget(workspaceId: string): void {
    this.db.query("DELETE FROM apps WHERE workspace_id = ?1").run(workspaceId);
  }
}

export function appIdOf(workspaceId: string, name: string): string {
  return `${workspaceId}.${name}`;
}

function envKey(name: string): string {
  return name.toUpperCase().replace(/-/g, "_");
}

export class Apps {
  private readonly store: AppStore;
  private readonly actors = new Map<string, ActorRef<AppMsg>>();
  private readonly logs = new Map<string, LogRing>();

  constructor(private readonly opts: AppsOptions) {
    this.store = new AppStore(opts.db);
  }

  /** Reads and validates a workspace's manifest; undefined when it has none. */
  manifest(workspaceId: string): Manifest | undefined {
    const root = this.opts.workspaces.dir(workspaceId);
    this.opts.workspaces.get(workspaceId);
    const { absolute } = resolveInside(root, [MANIFEST_FILE]);
    if (!existsSync(absolute)) return undefined;
    const text = readFileSync(absolute, "utf8");
    if (text.length > MAX_MANIFEST_BYTES)
      throw new RuntimeError("unprocessable", `${MANIFEST_FILE}: larger than ${MAX_MANIFEST_BYTES} bytes`);
    let parsed: unknown;
    try {
      parsed = parseYaml(text, { maxAliasCount: 100 });
    } catch (error) {
      throw new RuntimeError("unprocessable", `${MANIFEST_FILE}: not valid YAML: ${errorMessage(error)}`);
    }
    const problem = validateManifest(parsed);
    if (problem) throw new RuntimeError("unprocessable", `${MANIFEST_FILE}: ${problem}`);
    return parsed as Manifest;
  }

  /** Every app of the workspace's manifest, ports assigned (persisted), in dependency order. */
  resolve(workspaceId: string): ResolvedApp[] {
    const manifest = this.manifest(workspaceId);
    if (!manifest) throw notFound(`workspace ${workspaceId} has no ${MANIFEST_FILE}`);
    const root = this.opts.workspaces.dir(workspaceId);
    const ports: Record<string, Record<string, number>> = {};
    for (const [name, spec] of Object.entries(manifest.apps)) {
      ports[name] = {};
      for (const [portName, port] of Object.entries(spec.ports ?? {}))
        ports[name]![portName] = port.port ?? this.opts.ports.assign(workspaceId, name, portName);
    }
    // Every app sees every app's ports: APP_<APP>_PORT_<NAME>.
    const shared: Record<string, string> = {};
    for (const [name, named] of Object.entries(ports))
      for (const [portName, port] of Object.entries(named))
        shared[`APP_${envKey(name)}_PORT_${envKey(portName)}`] = String(port);
    const apps: ResolvedApp[] = [];
    for (const [name, spec] of Object.entries(manifest.apps)) {
      const env: Record<string, string> = { ...shared };
      let first = true;
      for (const [portName, port] of Object.entries(spec.ports ?? {})) {
        const value = String(ports[name]![portName]);
        env[port.env ?? `PORT_${envKey(portName)}`] = value;
        if (first && !env.PORT) env.PORT = value;
        first = false;
      }
      Object.assign(env, spec.env ?? {}, {
        WORKSPACE_ID: workspaceId,
        WORKSPACE_DIR: root,
        APP_ID: appIdOf(workspaceId, name),
        APP_NAME: name,
      });
      let cwd = root;
      if (spec.cwd !== undefined) {
        try {
          cwd = resolveInside(root, checkRelativePath(spec.cwd)).absolute;
        } catch (error) {
          throw new RuntimeError("unprocessable", `${MANIFEST_FILE}: apps.${name}.cwd: ${errorMessage(error)}`);
        }
      }
      const hash = new Bun.CryptoHasher("sha256").update(JSON.stringify(spec)).digest("hex").slice(0, 16);
      apps.push({ id: appIdOf(workspaceId, name), workspaceId, name, cwd, spec, ports: ports[name]!, env, hash });
    }
    return order(apps);
  }

  resolveApp(appId: string): { app: ResolvedApp; all: ResolvedApp[] } {
    const dot = appId.indexOf(".");
    if (dot <= 0) throw notFound(`app ${appId} not found (app ids are <workspaceId>.<app>)`);
    const workspaceId = appId.slice(0, dot);
    let all: ResolvedApp[];
    try {
      all = this.resolve(workspaceId);
    } catch (error) {
      if (error instanceof RuntimeError && error.code === "not_found") throw notFound(`app ${appId} not found`);
      throw error;
    }
    const app = all.find((a) => a.id === appId);
    if (!app) throw notFound(`app ${appId} not found`);
    return { app, all };
  }

  private actor(app: { id: string; workspaceId: string; name: string }): ActorRef<AppMsg> {
    const existing = this.actors.get(app.id);
    if (existing?.alive) return existing;
    const ring = this.ring(app.id);
    const ref = this.opts.system.spawn(
      `app:${app.id}`,
      appActor({
        appId: app.id,
        workspaceId: app.workspaceId,
        name: app.name,
        store: this.store,
        logs: ring,
        admit: (resolved) => this.admit(resolved),
        log: this.opts.log,
      }),
      { askTimeoutMs: 10_000 },
    );
    this.actors.set(app.id, ref);
    return ref;
  }

  private ring(appId: string): LogRing {
    let ring = this.logs.get(appId);
    if (!ring) {
      ring = new LogRing(1_000, (line) => this.opts.onLogLine?.(appId, line));
      this.logs.set(appId, ring);
    }
    return ring;
  }

  private async admit(app: ResolvedApp): Promise<Admission> {
    const blocked = this.opts.startBlocked?.();
    if (blocked) return { allowed: false, error: BLOCKED_PREFIX + blocked };
    const cannot = unenforceable(app.spec.limits);
    if (cannot) return { allowed: false, error: cannot };
    // appCount: the apps that would be running with this one, so `paramBounds: {appCount: {max: N}}` caps them.
    return this.opts.admit({
      kind: "app.start",
      params: {
        workspaceId: app.workspaceId,
        app: app.name,
        appId: app.id,
        command: app.spec.start,
        appCount: this.store.runningCount(app.id) + 1,
        // The app's caps (0 = none), so `paramBounds: {memoryMb: {min: 1, max: 512}}` demands a memory cap.
        memoryMb: app.spec.limits?.memoryMb ?? 0,
        nice: app.spec.limits?.nice ?? 0,
      },
    });
  }

  /** Starts the app after its dependencies (each healthy first); resolves once it is healthy when `wait`. */
  async start(appId: string, { wait = true } = {}): Promise<AppStatus> {
    const blocked = this.opts.startBlocked?.();
    if (blocked) throw conflict(`cannot start apps: ${blocked}`);
    const { app, all } = this.resolveApp(appId);
    const byName = new Map(all.map((a) => [a.name, a]));
    const needed = new Set<string>();
    const collect = (name: string) => {
      for (const dep of byName.get(name)!.spec.dependsOn ?? []) {
        if (needed.has(dep)) continue;
        needed.add(dep);
        collect(dep);
      }
    };
    collect(app.name);
    for (const dep of all.filter((a) => needed.has(a.name))) {
      await this.actor(dep).ask<AppStatus>((replyTo) => ({ type: "start", app: dep, replyTo }));
      await this.waitHealthy(dep.id, `dependency ${dep.name}`);
    }
    const ref = this.actor(app);
    const started = await ref.ask<AppStatus>((replyTo) => ({ type: "start", app, replyTo }));
    if (!wait) return started;
    return this.waitHealthy(app.id, app.name);
  }

  private async waitHealthy(appId: string, label: string): Promise<AppStatus> {
    try {
      return await this.actors
        .get(appId)!
        .ask<AppStatus>((replyTo) => ({ type: "waitHealthy", replyTo }), DEPENDENCY_WAIT_MS);
    } catch (error) {
      if (error instanceof AppFailedError && isRefusal(error.message)) throw forbidden(`${label}: ${error.message}`);
      if (error instanceof AppFailedError)
        throw new RuntimeError("unprocessable", `${label} did not become healthy: ${error.message}`);
      throw new RuntimeError("unprocessable", `${label} did not become healthy: ${errorMessage(error)}`);
    }
  }

  /** Idempotent: an app already starting, healthy or restarting is left alone. */
  async ensureRunning(appId: string): Promise<AppStatus> {
    const current = await this.status(appId);
    if (
      current.desired === "running" &&
      ["starting", "healthy", "backoff", "setting_up", "building"].includes(current.phase)
    )
      return this.waitHealthy(appId, current.name);
    return this.start(appId);
  }

  async stop(appId: string): Promise<AppStatus> {
    const { app } = this.resolveApp(appId);
    return this.actor(app).ask<AppStatus>((replyTo) => ({ type: "stop", replyTo }), LONG_ASK_MS);
  }

  /** Runs setup and build again (the app keeps running, if it runs). */
  async setup(appId: string): Promise<AppStatus> {
    const { app } = this.resolveApp(appId);
    try {
      return await this.actor(app).ask<AppStatus>((replyTo) => ({ type: "setup", app, replyTo }), LONG_ASK_MS);
    } catch (error) {
      if (error instanceof AppFailedError) throw new RuntimeError("unprocessable", error.message);
      throw error;
    }
  }

  async status(appId: string): Promise<AppStatus> {
    const { app } = this.resolveApp(appId);
    return this.actor(app).ask<AppStatus>((replyTo) => ({ type: "status", replyTo }));
  }

  logsOf(appId: string, limit?: number): LogLine[] {
    this.resolveApp(appId);
    return this.ring(appId).recent(limit);
  }

  /** Every app of every workspace with a manifest (ports assigned on the way). */
  async list(): Promise<AppStatus[]> {
    const out: AppStatus[] = [];
    for (const workspace of this.opts.workspaces.list()) {
      let apps: ResolvedApp[];
      try {
        if (!this.manifest(workspace.id)) continue;
        apps = this.resolve(workspace.id);
      } catch {
        continue; // a broken manifest: its apps are not listed (start reports why)
      }
      for (const app of apps)
        out.push(await this.actor(app).ask<AppStatus>((replyTo) => ({ type: "status", replyTo })));
    }
    return out;
  }

  ports(workspaceId?: string): AppPorts[] {
    const out: AppPorts[] = [];
    const workspaces = workspaceId ? [this.opts.workspaces.get(workspaceId)] : this.opts.workspaces.list();
    for (const workspace of workspaces) {
      let apps: ResolvedApp[];
      try {
        if (!this.manifest(workspace.id)) continue;
        apps = this.resolve(workspace.id);
      } catch (error) {
        if (workspaceId) throw error;
        continue;
      }
      for (const app of apps) out.push({ appId: app.id, workspaceId: workspace.id, app: app.name, ports: app.ports });
    }
    return out;
  }

  /** Starts every app of the workspace in dependency order. */
  async startResolved(workspaceId: string): Promise<AppStatus[]> {
    const blocked = this.opts.startBlocked?.();
    if (blocked) throw conflict(`cannot start apps: ${blocked}`);
    const out: AppStatus[] = [];
    for (const app of this.resolve(workspaceId)) out.push(await this.start(app.id));
    return out;
  }

  /** Stops every app of the workspace (it is being deleted or restored). */
  async stopWorkspace(workspaceId: string, forget = false): Promise<void> {
    for (const [id, ref] of this.actors) {
      if (!id.startsWith(`${workspaceId}.`)) continue;
      await ref.ask<AppStatus>((replyTo) => ({ type: "stop", replyTo }), LONG_ASK_MS).catch(() => {});
      if (forget) {
        await this.opts.system.stopActor(ref.name);
        this.actors.delete(id);
        this.logs.delete(id);
      }
    }
    if (forget) {
      this.store.forget(workspaceId);
      this.opts.ports.release(workspaceId);
    }
  }

  /** Stops every app (machine stopped, emergency stop); they stay stopped until started again. */
  async stopAll(reason: string): Promise<number> {
    let stopped = 0;
    for (const ref of this.actors.values()) {
      const status = await ref
        .ask<AppStatus>((replyTo) => ({ type: "stop", replyTo }), LONG_ASK_MS)
        .catch(() => undefined);
      if (status) stopped++;
    }
    if (stopped) this.opts.log.warn(`${reason}: ${stopped} app(s) stopped`);
    return stopped;
  }

  /**
   * Agent start: kills what a previous agent left running (only processes carrying our instance marker), then
   * starts again every app that should run. Never two copies of one app.
   */
  async recover(): Promise<void> {
    for (const left of this.store.leftovers()) {
      if (isAlive(left.pid) && ownsProcess(left.pid, left.instance)) {
        this.opts.log.info(`app ${left.id}: stopping process ${left.pid} left by the previous agent`);
        killGroup(left.pid, "SIGTERM");
        for (let i = 0; i < 30 && isAlive(left.pid); i++) await Bun.sleep(100);
        if (isAlive(left.pid)) killGroup(left.pid, "SIGKILL");
      }
      this.store.saveProcess(left.id, null, null);
    }
    const blocked = this.opts.startBlocked?.();
    for (const row of this.store.running()) {
      if (blocked) {
        this.opts.log.warn(`app ${row.id} not restarted: ${blocked}`);
        continue;
      }
      this.start(row.id, { wait: false }).catch((error) =>
        this.opts.log.warn(`app ${row.id} could not be restarted: ${errorMessage(error)}`),
      );
    }
  }
}

/** Whether `pid` is a process we started (its environment carries our instance marker); Linux /proc only. */
function ownsProcess(pid: number, instance: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").includes(`EDGE_APP_INSTANCE=${instance}`);
  } catch {
    return false;
  }
}

function isRefusal(message: string): boolean {
  return (
    message.startsWith(REFUSAL_PREFIX) || message.startsWith(NO_POLICY_ERROR) || message.startsWith(BLOCKED_PREFIX)
  );
}

/** Dependency order (the manifest is validated acyclic). */
function order(apps: ResolvedApp[]): ResolvedApp[] {
  const byName = new Map(apps.map((a) => [a.name, a]));
  const out: ResolvedApp[] = [];
  const seen = new Set<string>();
  const visit = (app: ResolvedApp) => {
    if (seen.has(app.name)) return;
    seen.add(app.name);
    for (const dep of app.spec.dependsOn ?? []) visit(byName.get(dep)!);
    out.push(app);
  };
  for (const app of apps) visit(app);
  return out;
}
