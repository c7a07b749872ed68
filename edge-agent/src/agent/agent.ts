/** Wires the agent's actors under one supervisor, and shuts them down in order. */
import type { Database } from "bun:sqlite";
import { ActorSystem, type ActorEvent, type ActorRef, type SupervisionOptions } from "../actors/index.ts";
import type { AuthApi } from "../auth/control-plane-client.ts";
import type { RecoverySecretSource } from "../auth/recovery-secret.ts";
import { tokenRefresher } from "../auth/token-refresher.ts";
import type { BackoffRange } from "../backoff.ts";
import { CommandRegistry } from "../commands/registry.ts";
import { runtimeControlCommands } from "../commands/runtime-control.ts";
import { agentRunCommand } from "../commands/agent-run.ts";
import { appDeployCommand } from "../commands/app-deploy.ts";
import { runtimeUpdateCommand, type RunUpdate } from "../commands/runtime-update.ts";
import type { AgentConfig } from "../config.ts";
import { ExitCode } from "../exit-codes.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import { CommandStore } from "../store/command-store.ts";
import type { IdentitySource, RuntimeIdentity } from "../store/identity-store.ts";
import { Outbox } from "../store/outbox.ts";
import { PolicyStore } from "../store/policy-store.ts";
import { MachineStateStore, RuntimeVersionStore } from "../store/runtime-state.ts";
import { Sequence } from "../store/sequence.ts";
import { prepareInstallDir } from "../update/install.ts";
import type { UpdateOutcome } from "../update/types.ts";
import { HttpUpdateApi, type UpdateApi } from "../update/update-client.ts";
import { AGENT_VERSION } from "../version.ts";
import type { AgentSafetyState, Command, CommandCancel, EmergencyStop, RuntimeRequest } from "@edge/proto/wire";
import { topic } from "@edge/proto/wire";
import { CommandLogs } from "./command-logs.ts";
import { CommandReports } from "./command-reports.ts";
import { commandRunner, type CommandRunnerMsg } from "./command-runner.ts";
import { connection, type ConnectionMsg, type MqttConnect, type RuntimeResponsePart } from "./connection.ts";
import { EmergencyStopLatch } from "./estop.ts";
import { InflightCommands } from "./inflight.ts";
import { LiveLog } from "./live-log.ts";
import { ptyHost, type PtyMsg, type PtyReply } from "./pty.ts";
import { TaskChannels } from "./task-channels.ts";
import { join } from "node:path";
import type { PtyInput } from "@edge/proto/grpc";
import { policyGate, type PolicyGateMsg } from "./policy-gate.ts";
import { recoverCommandLog } from "./recovery.ts";
import type { SessionMsg } from "./session.ts";
import { status } from "./status.ts";
import { telemetry } from "./telemetry.ts";
import { updater, type UpdaterMsg } from "./updater.ts";
import { startTelemetryServer, type TelemetryServer } from "./telemetry-http.ts";
import { mkdirSync } from "node:fs";
import { releaseStartupPages } from "./startup-pages.ts";
import type { Runtime } from "../runtime/runtime.ts";
import type { RuntimeApi, RuntimeApiServer } from "../runtime/api.ts";
import type { Admission as RuntimeAdmission } from "../runtime/app-actor.ts";
import type { AgentRuns } from "../runtime/runs.ts";

export type AgentSettings = Pick<
  AgentConfig,
  | "mqttUrl"
  | "grpcUrl"
  | "runtimeId"
  | "statusIntervalMs"
  | "keepaliveSeconds"
  | "reconnectMinMs"
  | "reconnectMaxMs"
  | "policyWaitMs"
  | "telemetryPort"
> &
  Partial<Pick<AgentConfig, "receiptTimeoutMs" | "apiUrl">> & { agentTypes?: Record<string, string> };

/** The workspace runtime (see runtime/): where it keeps workspaces, and its local API. */
export interface RuntimeSettings {
  stateDir: string;
  templatesDir?: string;
  portRange: { from: number; to: number };
  /** Serve the local runtime API here; undefined = not served. */
  api?: { host: string; port: number };
}

/** Runtime self-update settings (see config.ts). */
export interface UpdateSettings {
  apiUrl: string;
  stateDir: string;
  installDir: string;
  publicKey?: string;
  channel: string;
  checkIntervalMs: number;
  scriptTimeoutMs: number;
  /** Injected in tests; default the control plane's REST API. */
  api?: UpdateApi;
}

export interface AgentOptions {
  settings: AgentSettings;
  db: Database;
  identity: RuntimeIdentity;
  /** Token pair storage (the refresher rotates it; the connection reads the access token). */
  tokens: IdentitySource;
  authApi: AuthApi;
  /** An enrolled worker's recovery secret: used when the refresh token is refused. */
  recoverySecret?: RecoverySecretSource;
  log: Logger;
  /** Injected in tests; default mqtt.connect. */
  mqttConnect?: MqttConnect;
  registry?: CommandRegistry;
  supervision?: Partial<SupervisionOptions>;
  /** Undefined = runtime.update commands fail with "runtime updates are not configured". */
  update?: UpdateSettings;
  onConnectionChange?(connected: boolean): void;
  /** Observes the gRPC session going up (welcomed) and down. */
  onSessionChange?(up: boolean): void;
  /** The local emergency stop file (`<state-dir>/ESTOP`); undefined = no local stop. */
  estopFile?: string;
  /** Undefined = no workspace runtime. */
  runtime?: RuntimeSettings;
  /**
   * Once settled after its first connection, drop the resident pages of the executable that only start-up used
   * (startup-pages.ts). For the agent process itself (main.ts), not for an agent embedded in another process.
   */
  releaseStartupPages?: boolean;
}

export interface Agent {
  /** Port of the local telemetry endpoint, when enabled. */
  telemetryPort?: number;
  /** Base URL of the local runtime API, when served. */
  runtimeApiUrl?: string;
  /** The workspace runtime, once loaded (at start when it has apps to recover or serves its API, else on first use). */
  readonly runtime?: Runtime;
  /** Resolves with the process exit code once the agent has stopped. */
  readonly exited: Promise<ExitCode>;
  /** Graceful stop: cancel commands, flush the outbox briefly, announce OFFLINE, disconnect. Idempotent. */
  stop(code?: ExitCode): Promise<ExitCode>;
  /** Engages the local emergency stop (creates the ESTOP file; SIGUSR1). */
  localStop(reason: string): void;
}

const DEFAULT_RECEIPT_TIMEOUT_MS = 10_000;
/** How long shutdown waits for cancelled commands to report, and for the outbox to drain. */
const COMMAND_STOP_TIMEOUT_MS = 3_000;
const DRAIN_TIMEOUT_MS = 2_000;
const ACTOR_STOP_TIMEOUT_MS = 2_000;
/** A runtime.update command waits this long for the updater (scripts have their own timeouts). */
const UPDATE_ASK_TIMEOUT_MS = 3_600_000;
/** How often the local ESTOP file is checked. */
const ESTOP_FILE_POLL_MS = 200;
/** How long an emergency stop waits for killed commands to be gone before acknowledging (SIGKILL comes after 1 s). */
const ESTOP_SETTLE_MS = 5_000;
/** After the first connection, start-up's pages are released this much later (presence, status, update check done). */
const STARTUP_SETTLE_MS = 2_000;
/** An interactive terminal with no input and no output for this long is hung up. */
const PTY_IDLE_TIMEOUT_MS = 15 * 60_000;

export async function startAgent(opts: AgentOptions): Promise<Agent> {
  const { settings, db, identity, log } = opts;
  const channel = (name: "ack" | "log" | "status" | "telemetry") => topic(identity.tenantId, identity.hostId, name);
  const backoff: BackoffRange = { minMs: settings.reconnectMinMs, maxMs: settings.reconnectMaxMs };

  const outbox = new Outbox(db);
  const commandStore = new CommandStore(db);
  const reports = new CommandReports(db, commandStore, outbox, channel("ack"));
  const inflight = new InflightCommands();
  const liveLog = new LiveLog();
  recoverCommandLog(commandStore, reports, log);
  const runtimeVersion = new RuntimeVersionStore(db, AGENT_VERSION);
  const agentVersion = () => runtimeVersion.get();
  const machine = new MachineStateStore(db);
  const estop = new EmergencyStopLatch(db, opts.estopFile);
  if (estop.isEngaged()) log.warn(`${estop.describe()} is latched: every command is refused until it is released`);
  let enforcedPolicyVersion = 0;
  /** Commands the latest stop killed (0 after a release). */
  let lastKilled = 0;
  const safetyState = (): AgentSafetyState => ({
    ...estop.state(),
    killed: lastKilled,
    policyVersion: enforcedPolicyVersion,
    atMs: Date.now(),
  });
  if (machine.isStopped())
    log.warn("machine is stopped (runtime.stop): only runtime.start, runtime.stop and runtime.update commands run");
  if (opts.update) {
    try {
      prepareInstallDir(opts.update.stateDir, opts.update.installDir, log);
    } catch (error) {
      throw new Error(`cannot prepare install dir ${opts.update.installDir}: ${errorMessage(error)}`);
    }
  }

  let stopping: Promise<ExitCode> | undefined;
  let resolveExited!: (code: ExitCode) => void;
  const exited = new Promise<ExitCode>((resolve) => (resolveExited = resolve));

  const system = new ActorSystem({
    supervision: opts.supervision,
    onEvent: (event) => logActorEvent(log, event),
    onEscalate: (actor, error) => {
      log.error(`actor ${actor} keeps failing (${errorMessage(error)}); shutting down`);
      void stop(ExitCode.failure);
    },
  });

  const telemetryRef = system.spawn(
    "telemetry",
    telemetry({ db, outbox, sequence: new Sequence(db, "telemetry_seq"), topic: channel("telemetry"), log }),
  );
  let server: TelemetryServer | undefined;
  if (settings.telemetryPort !== undefined) {
    try {
      server = startTelemetryServer(settings.telemetryPort, telemetryRef, log);
    } catch (error) {
      await system.stop();
      throw new Error(`cannot listen on 127.0.0.1:${settings.telemetryPort} for telemetry: ${errorMessage(error)}`);
    }
  }
  system.spawn(
    "status",
    status({
      outbox,
      topic: channel("status"),
      commands: commandStore,
      telemetry: telemetryRef,
      intervalMs: settings.statusIntervalMs,
      agentVersion,
    }),
  );
  const policy: ActorRef<PolicyGateMsg> = system.spawn(
    "policy",
    policyGate({
      policyStore: new PolicyStore(db),
      commands: commandStore,
      policyWaitMs: settings.policyWaitMs,
      log,
      onEnforced: (version, source) => {
        enforcedPolicyVersion = version;
        if (source === "broker") reportSafety();
      },
    }),
  );
  // The workspace runtime's modules are a quarter of the agent's idle memory: they are loaded at start only when
  // there is something to recover (apps that should run, processes left behind) or its local API is served, else on
  // first use (a runtime command, a forwarded runtime request, a task workspace). Nothing runs before it is loaded.
  let runtime: Runtime | undefined;
  let runtimeApi: RuntimeApi | undefined;
  let runtimeServer: RuntimeApiServer | undefined;
  let serveForwarded: typeof import("../runtime/forwarded.ts").serveForwarded | undefined;
  let runtimeLoading: Promise<Runtime> | undefined;
  const admitRuntime = (request: { kind: string; params: Record<string, unknown> }) =>
    policy.ask<RuntimeAdmission>((replyTo) => ({ type: "check", request, replyTo }), settings.policyWaitMs + 5_000);
  const loadRuntime = (rs: RuntimeSettings): Promise<Runtime> => {
    runtimeLoading ??= Promise.all([
      import("../runtime/runtime.ts"),
      import("../runtime/api.ts"),
      import("../runtime/forwarded.ts"),
    ]).then(([{ Runtime }, { RuntimeApi }, forwarded]) => {
      serveForwarded = forwarded.serveForwarded;
      runtime = new Runtime({
        db,
        stateDir: rs.stateDir,
        templatesDir: rs.templatesDir,
        system,
        portRange: rs.portRange,
        agentTypes: settings.agentTypes ?? {},
        admit: admitRuntime,
        startBlocked: () => {
          if (estop.isEngaged()) return `${estop.describe()} is engaged`;
          if (machine.isStopped()) return "machine stopped (runtime.stop)";
          return undefined;
        },
        log,
        // App output goes live to the control plane like command output (gRPC session, best effort), as "app:<appId>".
        onAppLogLine: (appId, line) =>
          liveLog.send(
            `app:${appId}`,
            line.stream === "stderr" ? "stderr" : "stdout",
            line.stream === "runtime" ? `[runtime] ${line.line}` : line.line,
          ),
      });
      runtimeApi = new RuntimeApi(runtime);
      return runtime;
    });
    return runtimeLoading;
  };
  /** The runtime's agent runs, or (without a runtime) a standalone runner for task `agent` stages. */
  let standaloneRuns: Promise<AgentRuns> | undefined;
  const agentRuns = (): Promise<AgentRuns> => {
    if (opts.runtime) return loadRuntime(opts.runtime).then((rt) => rt.runs);
    standaloneRuns ??= import("../runtime/runs.ts").then(
      ({ AgentRuns }) =>
        new AgentRuns({
          db,
          agentTypes: () => settings.agentTypes ?? {},
          defaultAgentType: () => undefined,
          admit: admitRuntime,
        }),
    );
    return standaloneRuns;
  };
  if (opts.runtime) {
    const rs = opts.runtime;
    // The directories the runtime creates, at start as before (a state directory it cannot write fails the start).
    mkdirSync(join(rs.stateDir, "workspaces"), { recursive: true, mode: 0o700 });
    mkdirSync(join(rs.stateDir, "snapshots"), { recursive: true, mode: 0o700 });
    const toRecover = db.query("SELECT 1 FROM apps WHERE desired = 'running' OR pid IS NOT NULL LIMIT 1").get();
    if (toRecover || rs.api) await loadRuntime(rs);
    if (rs.api) {
      try {
        const { loadOrCreateToken, serveRuntimeApi } = await import("../runtime/api.ts");
        runtimeServer = serveRuntimeApi(runtimeApi!, {
          host: rs.api.host,
          port: rs.api.port,
          token: loadOrCreateToken(rs.stateDir),
          log,
        });
      } catch (error) {
        await server?.stop();
        await system.stop();
        throw new Error(`cannot serve the runtime API on ${rs.api.host}:${rs.api.port}: ${errorMessage(error)}`);
      }
    }
  }
  /** runtime.stop also stops every app and agent run. */
  const machineControl = {
    set(state: "running" | "stopped") {
      machine.set(state);
      if (state === "stopped") void runtime?.stopEverything("machine stopped (runtime.stop)");
    },
  };
  const commands: ActorRef<CommandRunnerMsg> = system.spawn(
    "commands",
    commandRunner({
      commands: commandStore,
      reports,
      registry: withRuntimeCommands(
        opts.registry ?? new CommandRegistry(),
        machineControl,
        (request) => runUpdate(request),
        // Task `agent` stages and the runtime's agent runs share one runner (a standalone one without a runtime).
        agentRuns,
        opts.runtime ? () => loadRuntime(opts.runtime!) : () => Promise.resolve(undefined),
      ),
      policy,
      machine,
      estop,
      inflight,
      policyWaitMs: settings.policyWaitMs,
      log,
      liveLog,
      commandLogs: new CommandLogs(outbox, channel("log")),
    }),
  );
  const terminals: ActorRef<PtyMsg> = system.spawn(
    "pty",
    ptyHost({
      admit: (request) =>
        policy.ask<RuntimeAdmission>((replyTo) => ({ type: "check", request, replyTo }), settings.policyWaitMs + 5_000),
      startBlocked: () => {
        if (estop.isEngaged()) return `${estop.describe()} is engaged`;
        if (machine.isStopped()) return "machine stopped (runtime.stop)";
        return undefined;
      },
      idleTimeoutMs: PTY_IDLE_TIMEOUT_MS,
      log,
    }),
  );
  const apiUrl = settings.apiUrl ?? opts.update?.apiUrl;
  // Task terminals and tunnels: the agent dials the control plane's worker websocket when asked (any link).
  const taskChannels = apiUrl
    ? new TaskChannels({
        apiUrl,
        accessToken: () => opts.tokens.load()?.accessToken ?? "",
        admit: (request) =>
          policy.ask<RuntimeAdmission>(
            (replyTo) => ({ type: "check", request, replyTo }),
            settings.policyWaitMs + 5_000,
          ),
        startBlocked: () => {
          if (estop.isEngaged()) return `${estop.describe()} is engaged`;
          if (machine.isStopped()) return "machine stopped (runtime.stop)";
          return undefined;
        },
        terminals,
        // Read when a request is served: the runtime is loaded first (runtimeRequest below).
        get workspaces() {
          return runtime?.workspaces;
        },
        fallbackDir: opts.update ? join(opts.update.stateDir, "task-workspaces") : undefined,
        log,
      })
    : undefined;
  function serveRuntimeRequest(request: RuntimeRequest, reply: (part: RuntimeResponsePart) => void): void {
    if (opts.runtime && !runtimeApi) {
      loadRuntime(opts.runtime).then(
        () => serveRuntimeRequest(request, reply),
        (error) => {
          const body = JSON.stringify({ error: `the workspace runtime could not be loaded: ${errorMessage(error)}` });
          const chunk = new TextEncoder().encode(body);
          reply({ id: request.id, part: 0, status: 503, contentType: "application/json", chunk, end: true });
        },
      );
      return;
    }
    if (taskChannels?.handle(request, reply)) return;
    if (runtimeApi && serveForwarded) return void serveForwarded(runtimeApi, request, reply, log);
    const chunk = new TextEncoder().encode(JSON.stringify({ error: "this agent has no workspace runtime" }));
    reply({ id: request.id, part: 0, status: 501, contentType: "application/json", chunk, end: true });
  }
  const inbound = {
    pty: (input: PtyInput, reply: PtyReply) => void terminals.tell({ type: "input", input, reply }),
    ptySessionLost: () => void terminals.tell({ type: "closeAll", reason: "session lost" }),
    command: (command: Command) => commands.ask<void>((replyTo) => ({ type: "command", command, replyTo })),
    cancel: (cancel: CommandCancel) => commands.ask<void>((replyTo) => ({ type: "cancel", cancel, replyTo })),
    estop: onEmergencyStop,
    runtimeRequest: opts.runtime || taskChannels ? serveRuntimeRequest : undefined,
  };
  let link: ActorRef<ConnectionMsg> | undefined;
  let startupPages: ReturnType<typeof setTimeout> | "done" | undefined;
  let session: ActorRef<SessionMsg> | undefined;

  /** Sends the safety state on every live path at once, ahead of the outbox. */
  function reportSafety(): void {
    const state = safetyState();
    link?.tell({ type: "publishSafety", state });
    session?.tell({ type: "safety", state });
  }

  /** Kills everything running now (SIGTERM, SIGKILL 1 s later), refuses what waits, then acknowledges. */
  async function halt(): Promise<void> {
    const killed = inflight.size;
    const reason = estop.describe();
    log.warn(`${reason}: killing ${killed} command(s)`);
    inflight.cancelAll(reason);
    terminals.tell({ type: "closeAll", reason });
    taskChannels?.closeAll(reason);
    commands.tell({ type: "emergencyStop" });
    void runtime?.stopEverything(reason);
    if (!(await inflight.whenIdle(ESTOP_SETTLE_MS)))
      log.error(`${inflight.size} command(s) still settling after the emergency stop`);
    lastKilled = killed;
    reportSafety();
  }

  /** An EmergencyStop from the control plane (MQTT or session); resolves once latched durably. */
  async function onEmergencyStop(message: EmergencyStop): Promise<void> {
    // Stale or repeated (both transports, retained redelivery): acknowledge again, the control plane may have missed it.
    if (estop.applyRemote(message) === "stale") return reportSafety();
    if (message.engaged) return void halt();
    log.warn(`remote emergency stop released (generation ${message.generation}): ${message.reason}`);
    if (estop.isEngaged()) log.warn(`${estop.describe()} still holds`);
    lastKilled = 0;
    reportSafety();
  }

  function pollLocalStop(): void {
    if (!estop.pollLocal()) return;
    if (estop.state().localEngaged) return void halt();
    log.warn("local emergency stop released (ESTOP file removed)");
    lastKilled = 0;
    reportSafety();
  }
  const localStopTimer = opts.estopFile ? setInterval(pollLocalStop, ESTOP_FILE_POLL_MS) : undefined;
  const auth = system.spawn(
    "auth",
    tokenRefresher({
      store: opts.tokens,
      api: opts.authApi,
      recovery: opts.recoverySecret,
      backoff,
      state: { inFlight: false },
      log,
      onRenewed: () => {
        link?.tell({ type: "credentialsRenewed" });
        session?.tell({ type: "credentialsRenewed" });
      },
      onRejected: (message) => {
        log.error(
          `${message}. The runtime identity was revoked or its token is invalid; exiting without publishing anything more`,
        );
        void stop(ExitCode.rejected);
      },
    }),
  );
  let updates: ActorRef<UpdaterMsg> | undefined;
  if (opts.update) {
    const update = opts.update;
    updates = system.spawn(
      "updater",
      updater({
        api: update.api ?? new HttpUpdateApi(update.apiUrl, () => opts.tokens.load()?.accessToken ?? ""),
        version: runtimeVersion,
        publicKey: update.publicKey,
        channel: update.channel,
        stateDir: update.stateDir,
        installDir: update.installDir,
        scriptTimeoutMs: update.scriptTimeoutMs,
        checkIntervalMs: update.checkIntervalMs,
        backoff,
        log,
      }),
    );
  }
  const runUpdate: RunUpdate = (request) => {
    if (updates)
      return updates.ask<UpdateOutcome>((replyTo) => ({ type: "apply", request, replyTo }), UPDATE_ASK_TIMEOUT_MS);
    const version = runtimeVersion.get();
    return Promise.resolve({
      ok: false,
      status: "rejected",
      reason: "runtime updates are not configured",
      fromVersion: version,
      toVersion: request.targetVersion ?? "unknown",
    });
  };
  link = system.spawn(
    "connection",
    connection({
      mqttUrl: settings.mqttUrl,
      runtimeId: settings.runtimeId,
      keepaliveSeconds: settings.keepaliveSeconds,
      receiptTimeoutMs: settings.receiptTimeoutMs ?? DEFAULT_RECEIPT_TIMEOUT_MS,
      backoff,
      identity,
      accessToken: () => opts.tokens.load()?.accessToken ?? "",
      agentVersion,
      outbox,
      auth,
      inbound: {
        ...inbound,
        policySet: (payload) => policy.ask<void>((replyTo) => ({ type: "policySet", payload, replyTo })),
      },
      safetyState,
      log,
      connect: opts.mqttConnect,
      onStateChange: (connected) => {
        if (connected) updates?.tell({ type: "connected" });
        if (connected && opts.releaseStartupPages && startupPages === undefined)
          startupPages = setTimeout(() => {
            startupPages = "done";
            void releaseStartupPages().then((bytes) =>
              log.debug(`start-up pages released (${(bytes / 1048576).toFixed(0)} MiB of the executable advised)`),
            );
          }, STARTUP_SETTLE_MS);
        opts.onConnectionChange?.(connected);
      },
    }),
  );
  if (settings.grpcUrl) {
    // Loaded only when a session is configured: gRPC and its protobuf loader are a third of the agent's memory.
    const { agentSession } = await import("./session.ts");
    session = system.spawn(
      "session",
      agentSession({
        grpcUrl: settings.grpcUrl,
        keepaliveSeconds: settings.keepaliveSeconds,
        backoff,
        accessToken: () => opts.tokens.load()?.accessToken ?? "",
        agentVersion,
        outbox,
        link,
        auth,
        inbound,
        liveLog,
        log,
        onStateChange: opts.onSessionChange,
        safetyState,
      }),
    );
  }
  outbox.onAppend(() => link?.tell({ type: "kick" }));
  log.info(
    `edge agent ${AGENT_VERSION} (runtime version ${runtimeVersion.get()}) started for runtime ${settings.runtimeId} (tenant ${identity.tenantId}, host ${identity.hostId})`,
  );

  function stop(code: ExitCode = ExitCode.ok): Promise<ExitCode> {
    stopping ??= shutdown(code).then(
      () => code,
      (error) => {
        log.error("shutdown failed", error);
        return code === ExitCode.ok ? ExitCode.failure : code;
      },
    );
    void stopping.then(resolveExited);
    return stopping;
  }

  async function shutdown(code: ExitCode): Promise<void> {
    const announce = code !== ExitCode.rejected;
    log.info(announce ? "shutting down" : "stopping: identity rejected");
    clearInterval(localStopTimer);
    if (startupPages !== "done") clearTimeout(startupPages);
    startupPages = "done";
    const quietly = (promise: Promise<unknown>) =>
      promise.catch((error) => log.debug(`shutdown step: ${errorMessage(error)}`));
    const closeSession = () =>
      session ? quietly(session.ask<void>((replyTo) => ({ type: "close", replyTo }), 5_000)) : undefined;
    // A rejected identity must not publish anything more: drop the connections first.
    if (!announce) {
      await closeSession();
      await quietly(link!.ask<void>((replyTo) => ({ type: "close", announceOffline: false, replyTo })));
    }
    await quietly(policy.ask<void>((replyTo) => ({ type: "close", replyTo })));
    await quietly(commands.ask<void>((replyTo) => ({ type: "close", replyTo })));
    runtime?.shutdown();
    taskChannels?.closeAll("the agent is stopping");
    await runtimeServer?.stop();
    if (!(await inflight.whenIdle(COMMAND_STOP_TIMEOUT_MS)))
      log.warn(`${inflight.size} command(s) did not stop in time`);
    if (announce) {
      const drained = await link!
        .ask<boolean>((replyTo) => ({ type: "drain", timeoutMs: DRAIN_TIMEOUT_MS, replyTo }), DRAIN_TIMEOUT_MS + 1_000)
        .catch(() => false);
      if (!drained) log.info(`${outbox.size()} outbox message(s) kept for the next start`);
      await closeSession();
      await quietly(link!.ask<void>((replyTo) => ({ type: "close", announceOffline: true, replyTo }), 10_000));
    }
    await system.stop({ timeoutMs: ACTOR_STOP_TIMEOUT_MS });
    await server?.stop();
    log.info("stopped");
  }

  function localStop(reason: string): void {
    estop.engageLocal(reason);
    pollLocalStop();
  }

  if (runtime) {
    const recovering = runtime;
    void recovering.recover().catch((error) => log.error("apps could not be recovered", error));
  }
  return {
    telemetryPort: server?.port,
    runtimeApiUrl: runtimeServer?.url,
    get runtime() {
      return runtime;
    },
    exited,
    stop,
    localStop,
  };
}

/** Adds the runtime control kinds (stop/start/update) to the registry, unless it already has them. */
function withRuntimeCommands(
  registry: CommandRegistry,
  machine: { set(state: "running" | "stopped"): void },
  runUpdate: RunUpdate,
  agentRuns: () => Promise<AgentRuns>,
  runtime: () => Promise<Runtime | undefined>,
): CommandRegistry {
  for (const kind of [
    ...runtimeControlCommands(machine),
    runtimeUpdateCommand(runUpdate),
    agentRunCommand(agentRuns),
    appDeployCommand(runtime),
  ]) {
    if (!registry.get(kind.kind)) registry.register(kind);
  }
  return registry;
}

function logActorEvent(log: Logger, event: ActorEvent): void {
  switch (event.type) {
    case "crashed":
      return log.error(`actor ${event.actor} crashed in ${event.phase}:`, event.error);
    case "restarted":
      return log.warn(`actor ${event.actor} restarted (attempt ${event.attempt}, after ${event.delayMs}ms)`);
    case "escalated":
      return log.error(`actor ${event.actor} gave up after ${event.failures} failures`);
    case "postStopFailed":
      return log.warn(`actor ${event.actor} failed to clean up: ${errorMessage(event.error)}`);
    case "deadLetter":
      return log.debug(`message to ${event.actor} dropped (${event.reason})`);
    default:
      return log.debug(`actor ${event.actor} ${event.type}`);
  }
}
