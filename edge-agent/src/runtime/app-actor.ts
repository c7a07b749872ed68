/**
 * One actor per app: setup → build → start → healthy; a crash restarts it with exponential backoff per its restart
 * policy; stop is graceful (SIGTERM to its process group, SIGKILL after stopTimeoutMs). Long steps never block the
 * mailbox: processes and health checks report back as messages, tagged with a generation so stale ones are ignored.
 */
import type { ActorContext, Behavior, ReplyTo } from "../actors/index.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { ManifestApp } from "@edge/proto/runtime/manifest";
import { randomHex } from "./random.ts";
import type { LogRing } from "./log-ring.ts";
import { killGroup, type Spawned, spawnShell } from "./process.ts";

export type AppPhase =
  | "idle"
  | "setting_up"
  | "building"
  | "built"
  | "starting"
  | "healthy"
  | "backoff"
  | "stopping"
  | "stopped"
  | "exited"
  | "failed";

/** An app of a workspace's manifest, with its ports assigned and its environment computed. */
export interface ResolvedApp {
  id: string;
  workspaceId: string;
  name: string;
  cwd: string;
  spec: ManifestApp;
  ports: Record<string, number>;
  env: Record<string, string>;
  /** Hash of the spec: a changed manifest is set up and built again. */
  hash: string;
}

export interface AppStatus {
  appId: string;
  workspaceId: string;
  name: string;
  phase: AppPhase;
  desired: "running" | "stopped";
  pid: number | null;
  restarts: number;
  lastExitCode: number | null;
  lastError: string | null;
  ports: Record<string, number>;
  startedAt: string | null;
  builtAt: string | null;
}

export type Admission = { allowed: true } | { allowed: false; error: string };

export interface AppRecord {
  desired: "running" | "stopped";
  builtHash: string | null;
}

/** What the actor persists (apps table). */
export interface AppPersistence {
  load(appId: string): AppRecord | undefined;
  saveDesired(appId: string, workspaceId: string, desired: "running" | "stopped"): void;
  saveProcess(appId: string, pid: number | null, instance: string | null): void;
  saveBuilt(appId: string, hash: string | null): void;
}

export interface AppActorDeps {
  appId: string;
  workspaceId: string;
  name: string;
  store: AppPersistence;
  logs: LogRing;
  /** The safety policy's decision on starting this app. */
  admit(app: ResolvedApp): Promise<Admission>;
  log: Logger;
}

type Step = "setup" | "build";

export type AppMsg =
  | { type: "start"; app: ResolvedApp; replyTo?: ReplyTo<AppStatus> }
  | { type: "setup"; app: ResolvedApp; replyTo: ReplyTo<AppStatus> }
  | { type: "stop"; replyTo?: ReplyTo<AppStatus> }
  | { type: "status"; replyTo: ReplyTo<AppStatus> }
  | { type: "waitHealthy"; replyTo: ReplyTo<AppStatus> }
  | { type: "stepDone"; gen: number; step: Step; code: number | null }
  | { type: "admitted"; gen: number; decision: Admission }
  | { type: "exited"; pid: number; code: number | null; signal: string | null }
  | { type: "healthTick"; gen: number }
  | { type: "healthResult"; gen: number; ok: boolean; error?: string }
  | { type: "startTimeout"; gen: number }
  | { type: "stable"; gen: number }
  | { type: "relaunch"; gen: number }
  | { type: "forceKill"; gen: number };

const DEFAULTS = {
  policy: "on-failure" as const,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  maxRestarts: 10,
  resetAfterMs: 30_000,
  stopTimeoutMs: 5_000,
  healthIntervalMs: 1_000,
  healthTimeoutMs: 2_000,
  startTimeoutMs: 60_000,
};
/** Consecutive failed health checks of a healthy app before it is restarted. */
const HEALTH_FAILURES_TO_RESTART = 3;
/** On agent shutdown an app gets at most this long between SIGTERM and SIGKILL. */
const SHUTDOWN_KILL_MS = 3_000;

export function restartDelayMs(spec: ManifestApp, attempt: number): number {
  const r = spec.restart ?? {};
  const initial = r.initialDelayMs ?? DEFAULTS.initialDelayMs;
  const max = Math.max(initial, r.maxDelayMs ?? DEFAULTS.maxDelayMs);
  return Math.min(max, initial * (r.factor ?? DEFAULTS.factor) ** Math.max(0, attempt - 1));
}

export function appActor(deps: AppActorDeps) {
  return ({ self, timers }: ActorContext<AppMsg>): Behavior<AppMsg> => {
    const record = deps.store.load(deps.appId);
    let app: ResolvedApp | undefined;
    let phase: AppPhase = "idle";
    let desired: "running" | "stopped" = record?.desired ?? "stopped";
    let builtHash = record?.builtHash ?? null;
    let builtAt: number | null = null;
    let gen = 0;
    /** Generation of the app process: its health checks and timers carry it. */
    let procGen = 0;
    let proc: Spawned | undefined;
    let stepProc: Spawned | undefined;
    let setupOnly = false;
    let restarts = 0;
    let lastExitCode: number | null = null;
    let lastError: string | null = null;
    let startedAt: number | null = null;
    let healthFailures = 0;
    let checking = false;
    const healthyWaiters: ReplyTo<AppStatus>[] = [];
    const setupWaiters: ReplyTo<AppStatus>[] = [];
    const stopWaiters: ReplyTo<AppStatus>[] = [];

    const status = (): AppStatus => ({
      appId: deps.appId,
      workspaceId: deps.workspaceId,
      name: deps.name,
      phase,
      desired,
      pid: proc?.pid ?? null,
      restarts,
      lastExitCode,
      lastError,
      ports: app?.ports ?? {},
      startedAt: startedAt === null ? null : new Date(startedAt).toISOString(),
      builtAt: builtAt === null ? null : new Date(builtAt).toISOString(),
    });
    const settle = (waiters: ReplyTo<AppStatus>[], error?: string) => {
      for (const waiter of waiters.splice(0)) {
        if (error === undefined) waiter(status());
        else waiter.fail(new AppFailedError(error, status()));
      }
    };
    const sink = (stream: "stdout" | "stderr", line: string) => deps.logs.push(stream, line);
    const note = (line: string) => deps.logs.push("runtime", line);

    function fail(error: string): void {
      phase = "failed";
      lastError = error;
      note(error);
      deps.log.warn(`app ${deps.appId}: ${error}`);
      settle(healthyWaiters, error);
      settle(setupWaiters, error);
    }

    function begin(forceBuild: boolean): void {
      gen++;
      if (forceBuild || builtHash !== app!.hash) return runStep("setup");
      if (setupOnly) return finishSetup();
      launch();
    }

    function runStep(step: Step): void {
      const command = app!.spec[step];
      phase = step === "setup" ? "setting_up" : "building";
      if (!command) return void self.tell({ type: "stepDone", gen, step, code: 0 });
      note(`${step}: ${command}`);
      const myGen = gen;
      try {
        stepProc = spawnShell(command, app!.cwd, app!.env, sink);
      } catch (error) {
        return fail(`${step} could not start: ${errorMessage(error)}`);
      }
      void stepProc.exited.then(({ code }) => self.tell({ type: "stepDone", gen: myGen, step, code }));
    }

    function finishSetup(): void {
      setupOnly = false;
      phase = "built";
      settle(setupWaiters);
    }

    function launch(): void {
      phase = "starting";
      const myGen = gen;
      const current = app!;
      deps.admit(current).then(
        (decision) => self.tell({ type: "admitted", gen: myGen, decision }),
        (error) =>
          self.tell({ type: "admitted", gen: myGen, decision: { allowed: false, error: errorMessage(error) } }),
      );
    }

    function spawnApp(): void {
      const current = app!;
      const instance = randomHex(8);
      note(`start: ${current.spec.start}`);
      try {
        proc = spawnShell(
          current.spec.start,
          current.cwd,
          { ...current.env, EDGE_APP_INSTANCE: instance },
          sink,
          undefined,
          current.spec.limits,
        );
      } catch (error) {
        return fail(`start could not run: ${errorMessage(error)}`);
      }
      startedAt = Date.now();
      healthFailures = 0;
      deps.store.saveProcess(deps.appId, proc.pid, instance);
      const myGen = ++procGen;
      const pid = proc.pid;
      void proc.exited.then(({ code, signal }) => self.tell({ type: "exited", pid, code, signal }));
      const health = current.spec.health;
      const reset = current.spec.restart?.resetAfterMs ?? DEFAULTS.resetAfterMs;
      timers.startSingleTimer("stable", { type: "stable", gen: myGen }, reset);
      if (!health) {
        phase = "healthy";
        settle(healthyWaiters);
        return;
      }
      timers.startPeriodicTimer(
        "health",
        { type: "healthTick", gen: myGen },
        health.intervalMs ?? DEFAULTS.healthIntervalMs,
      );
      timers.startSingleTimer(
        "startTimeout",
        { type: "startTimeout", gen: myGen },
        health.startTimeoutMs ?? DEFAULTS.startTimeoutMs,
      );
      self.tell({ type: "healthTick", gen: myGen });
    }

    function terminate(): void {
      if (!proc) return;
      killGroup(proc.pid, "SIGTERM");
      const grace = app?.spec.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs;
      timers.startSingleTimer("forceKill", { type: "forceKill", gen: procGen }, grace);
    }

    function onExit(code: number | null, signal: string | null): void {
      proc = undefined;
      deps.store.saveProcess(deps.appId, null, null);
      timers.cancel("health");
      timers.cancel("startTimeout");
      timers.cancel("stable");
      timers.cancel("forceKill");
      lastExitCode = code;
      const how = code === null ? `killed by ${signal ?? "a signal"}` : `exited with code ${code}`;
      note(`process ${how}`);
      if (phase === "stopping" || desired === "stopped") {
        phase = "stopped";
        settle(healthyWaiters, "stopped");
        settle(stopWaiters);
        // Started again while it was stopping.
        if (desired === "running" && app) begin(false);
        return;
      }
      const spec = app!.spec;
      const policy = spec.restart?.policy ?? DEFAULTS.policy;
      const crashed = code !== 0 || lastError?.startsWith("health") === true;
      if (policy === "never" || (policy === "on-failure" && !crashed)) {
        phase = crashed ? "failed" : "exited";
        if (crashed) lastError = `process ${how}`;
        settle(healthyWaiters, `process ${how}`);
        return;
      }
      if (crashed) lastError = lastError?.startsWith("health") ? lastError : `process ${how}`;
      restarts++;
      const max = spec.restart?.maxRestarts ?? DEFAULTS.maxRestarts;
      if (restarts > max) return fail(`process ${how}; gave up after ${max} restart(s)`);
      const delay = restartDelayMs(spec, restarts);
      phase = "backoff";
      note(`restarting in ${delay}ms (restart ${restarts})`);
      gen++;
      timers.startSingleTimer("relaunch", { type: "relaunch", gen }, delay);
    }

    function check(current: ResolvedApp): Promise<void> {
      const health = current.spec.health!;
      const timeoutMs = health.timeoutMs ?? DEFAULTS.healthTimeoutMs;
      if (health.http) {
        const port = current.ports[health.http.port];
        return fetch(`http://127.0.0.1:${port}${health.http.path ?? "/"}`, {
          signal: AbortSignal.timeout(timeoutMs),
        }).then(async (response) => {
          await response.arrayBuffer().catch(() => {});
          if (!response.ok) throw new Error(`health: HTTP ${response.status}`);
        });
      }
      if (health.tcp) {
        const port = current.ports[health.tcp.port]!;
        return new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error("health: tcp connect timed out")), timeoutMs);
          Bun.connect({
            hostname: "127.0.0.1",
            port,
            socket: {
              open(socket) {
                clearTimeout(timer);
                socket.end();
                resolve();
              },
              data() {},
              connectError(_socket, error) {
                clearTimeout(timer);
                reject(error);
              },
            },
          }).catch((error) => {
            clearTimeout(timer);
            reject(error);
          });
        });
      }
      const spawned = spawnShell(health.command!, current.cwd, current.env, () => {});
      const timer = setTimeout(() => spawned.kill(), timeoutMs);
      return spawned.exited.then(({ code }) => {
        clearTimeout(timer);
        if (code !== 0) throw new Error(`health: command exited with ${code}`);
      });
    }

    return {
      preStart() {
        // Re-adoption after an actor restart: what the previous incarnation ran is gone (its postStop killed it).
        if (desired === "running") note("actor (re)started; waiting for start");
      },

      receive(msg) {
        switch (msg.type) {
          case "start": {
            app = msg.app;
            if (desired !== "running") {
              desired = "running";
              deps.store.saveDesired(deps.appId, deps.workspaceId, "running");
            }
            if (["starting", "healthy", "backoff", "setting_up", "building"].includes(phase)) {
              if (phase === "backoff") {
                // An explicit start skips the rest of the backoff.
                gen++;
                timers.cancel("relaunch");
                launch();
              }
              return msg.replyTo?.(status());
            }
            if (phase === "stopping") return msg.replyTo?.(status()); // started again once it has exited
            restarts = phase === "failed" ? 0 : restarts;
            lastError = null;
            begin(false);
            return msg.replyTo?.(status());
          }
          case "setup": {
            app = msg.app;
            setupWaiters.push(msg.replyTo);
            if (phase === "setting_up" || phase === "building") return;
            if (proc) {
              // Rebuild while it runs: the next (re)start uses the new build.
              setupOnly = true;
              gen++;
              return runStep("setup");
            }
            setupOnly = true;
            lastError = null;
            return begin(true);
          }
          case "stop": {
            if (desired !== "stopped") {
              desired = "stopped";
              deps.store.saveDesired(deps.appId, deps.workspaceId, "stopped");
            }
            timers.cancel("relaunch");
            timers.cancel("health");
            timers.cancel("startTimeout");
            if (stepProc) {
              stepProc.kill();
              stepProc = undefined;
            }
            settle(setupWaiters, "stopped");
            if (proc) {
              if (msg.replyTo) stopWaiters.push(msg.replyTo);
              if (phase !== "stopping") {
                phase = "stopping";
                terminate();
              }
              return;
            }
            gen++;
            if (phase !== "idle" && phase !== "built") phase = "stopped";
            settle(healthyWaiters, "stopped");
            return msg.replyTo?.(status());
          }
          case "status":
            return msg.replyTo(status());
          case "waitHealthy":
            if (phase === "healthy") return msg.replyTo(status());
            if (["failed", "stopped", "exited", "idle", "built"].includes(phase))
              return msg.replyTo.fail(new AppFailedError(lastError ?? `app is ${phase}`, status()));
            healthyWaiters.push(msg.replyTo);
            return;
          case "stepDone": {
            if (msg.gen !== gen) return;
            stepProc = undefined;
            if (msg.code !== 0) {
              builtHash = null;
              deps.store.saveBuilt(deps.appId, null);
              return fail(`${msg.step} failed: exit code ${msg.code}`);
            }
            if (msg.step === "setup") return runStep("build");
            builtHash = app!.hash;
            builtAt = Date.now();
            deps.store.saveBuilt(deps.appId, builtHash);
            if (setupOnly) {
              if (proc) {
                setupOnly = false;
                phase = lastError ? phase : "healthy";
                return settle(setupWaiters);
              }
              return finishSetup();
            }
            return launch();
          }
          case "admitted": {
            if (msg.gen !== gen || desired !== "running") return;
            if (!msg.decision.allowed) return fail(msg.decision.error);
            return spawnApp();
          }
          case "exited":
            if (proc?.pid !== msg.pid) return;
            return onExit(msg.code, msg.signal);
          case "healthTick": {
            if (msg.gen !== procGen || !proc || checking || !app) return;
            checking = true;
            const myGen = msg.gen;
            check(app).then(
              () => self.tell({ type: "healthResult", gen: myGen, ok: true }),
              (error) => self.tell({ type: "healthResult", gen: myGen, ok: false, error: errorMessage(error) }),
            );
            return;
          }
          case "healthResult": {
            checking = false;
            if (msg.gen !== procGen || !proc) return;
            if (msg.ok) {
              healthFailures = 0;
              if (phase === "starting") {
                phase = "healthy";
                lastError = null;
                timers.cancel("startTimeout");
                note("healthy");
                settle(healthyWaiters);
              }
              return;
            }
            if (phase !== "healthy") return;
            if (++healthFailures >= HEALTH_FAILURES_TO_RESTART) {
              lastError = `health check failed ${healthFailures} times: ${msg.error}`;
              note(lastError);
              killGroup(proc.pid, "SIGKILL");
            }
            return;
          }
          case "startTimeout": {
            if (msg.gen !== procGen || !proc || phase !== "starting") return;
            lastError = `health check: not healthy after ${app?.spec.health?.startTimeoutMs ?? DEFAULTS.startTimeoutMs}ms`;
            note(lastError);
            killGroup(proc.pid, "SIGKILL");
            return;
          }
          case "stable":
            if (msg.gen === procGen && proc) restarts = 0;
            return;
          case "relaunch":
            if (msg.gen !== gen || desired !== "running") return;
            return launch();
          case "forceKill":
            if (proc && msg.gen === procGen) killGroup(proc.pid, "SIGKILL");
            return;
        }
      },

      async postStop() {
        stepProc?.kill();
        const running = proc;
        if (!running) return;
        killGroup(running.pid, "SIGTERM");
        const grace = Math.min(app?.spec.stopTimeoutMs ?? DEFAULTS.stopTimeoutMs, SHUTDOWN_KILL_MS);
        const exited = await Promise.race([running.exited.then(() => true), Bun.sleep(grace).then(() => false)]);
        if (!exited) killGroup(running.pid, "SIGKILL");
        deps.store.saveProcess(deps.appId, null, null);
        settle(healthyWaiters, "app actor stopped");
        settle(stopWaiters);
      },
    };
  };
}

export class AppFailedError extends Error {
  constructor(
    message: string,
    readonly status: AppStatus,
  ) {
    super(message);
    this.name = "AppFailedError";
  }
}
