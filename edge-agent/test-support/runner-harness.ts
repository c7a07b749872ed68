/** Policy gate + command runner actors on a given database, with helpers to feed commands and read reports. */
import { afterEach, beforeEach } from "bun:test";
import type { Database } from "bun:sqlite";
import { Type } from "@sinclair/typebox";
import { ActorSystem } from "../src/actors/index.ts";
import { CommandReports } from "../src/agent/command-reports.ts";
import { commandRunner, type CommandRunnerMsg } from "../src/agent/command-runner.ts";
import type { EmergencyStopLatch } from "../src/agent/estop.ts";
import { InflightCommands } from "../src/agent/inflight.ts";
import { policyGate, type PolicyGateMsg } from "../src/agent/policy-gate.ts";
import { recoverCommandLog } from "../src/agent/recovery.ts";
import { defineCommand } from "../src/commands/kind.ts";
import { BUILT_IN_COMMANDS, CommandRegistry } from "../src/commands/registry.ts";
import { runtimeControlCommands } from "../src/commands/runtime-control.ts";
import { runtimeUpdateCommand, type RunUpdate } from "../src/commands/runtime-update.ts";
import { silentLogger } from "@edge/proto/log";
import type { PolicyRules } from "../src/policy/index.ts";
import { CommandStore } from "../src/store/command-store.ts";
import { Outbox } from "../src/store/outbox.ts";
import { openAgentDatabase } from "../src/store/database.ts";
import { PolicyStore } from "../src/store/policy-store.ts";
import type { MachineStateStore } from "../src/store/runtime-state.ts";
import { CommandStatus, codecs, type Command, type CommandCancel, type CommandUpdate } from "@edge/proto/wire";
import { tempDir } from "./helpers.ts";

export const ACK_TOPIC = "edge/tenant_1/host_1/ack";

/** Built-ins plus `count`, which records every execution (to prove nothing runs twice). */
export function countingRegistry(executions: string[]): CommandRegistry {
  const count = defineCommand({
    kind: "count",
    params: Type.Object({ label: Type.String() }),
    run: async ({ label }) => {
      executions.push(label);
      return { ok: true, result: { label } };
    },
  });
  return new CommandRegistry([...BUILT_IN_COMMANDS, count]);
}

export interface PolicyInput {
  id?: string;
  name?: string;
  enabled?: boolean;
  rules?: PolicyRules;
  rulesJson?: string;
}

export function policySetPayload(policies: PolicyInput[]): Uint8Array {
  return codecs.policySet.encode({
    policies: policies.map((p, i) => ({
      id: p.id ?? `pol_${i + 1}`,
      name: p.name ?? `policy-${i + 1}`,
      enabled: p.enabled ?? true,
      rulesJson: p.rulesJson ?? JSON.stringify(p.rules ?? {}),
      version: 1,
    })),
    issuedAtMs: Date.now(),
  });
}

/** A Command as the agent receives it (decoded). */
export function wireCommand(id: string, kind: string, params: unknown = {}, timeoutMs = 0, notAfterMs = 0): Command {
  return {
    id,
    kind,
    paramsJson: JSON.stringify(params),
    timeoutMs,
    createdAtMs: Date.now(),
    alreadyStarted: false,
    notAfterMs,
  };
}

/** The same, encoded as the broker carries it. */
export const commandPayload = (...args: Parameters<typeof wireCommand>): Uint8Array =>
  codecs.command.encode(wireCommand(...args));

export const wireCancel = (commandId: string, reason = "operator request"): CommandCancel => ({
  commandId,
  reason,
  atMs: Date.now(),
});

export const STATUS_NAME: Record<number, string> = {
  [CommandStatus.COMMAND_STATUS_RUNNING]: "RUNNING",
  [CommandStatus.COMMAND_STATUS_COMPLETED]: "COMPLETED",
  [CommandStatus.COMMAND_STATUS_FAILED]: "FAILED",
  [CommandStatus.COMMAND_STATUS_EXPIRED]: "EXPIRED",
};

export interface RunnerOptions {
  policyWaitMs?: number;
  executions?: string[];
  /** Enables runtime.stop/start (and machine state enforcement). */
  machine?: MachineStateStore;
  /** Enables runtime.update with this stand-in for the updater actor. */
  runUpdate?: RunUpdate;
  /** The emergency stop latch the runner checks. */
  estop?: EmergencyStopLatch;
}

export function startRunner(db: Database, options: RunnerOptions = {}) {
  const executions = options.executions ?? [];
  const registry = countingRegistry(executions);
  if (options.machine) for (const kind of runtimeControlCommands(options.machine)) registry.register(kind);
  if (options.runUpdate) registry.register(runtimeUpdateCommand(options.runUpdate));
  const outbox = new Outbox(db);
  const commands = new CommandStore(db);
  const reports = new CommandReports(db, commands, outbox, ACK_TOPIC);
  const inflight = new InflightCommands();
  recoverCommandLog(commands, reports, silentLogger);
  const system = new ActorSystem({ supervision: { initialDelayMs: 1, maxDelayMs: 5, maxRestarts: 3 } });
  const policyWaitMs = options.policyWaitMs ?? 5_000;
  const policy = system.spawn<PolicyGateMsg>(
    "policy",
    policyGate({ policyStore: new PolicyStore(db), commands, policyWaitMs, log: silentLogger }),
  );
  const runner = system.spawn<CommandRunnerMsg>(
    "commands",
    commandRunner({
      commands,
      reports,
      registry,
      policy,
      inflight,
      policyWaitMs,
      log: silentLogger,
      machine: options.machine,
      estop: options.estop,
    }),
  );
  return {
    system,
    runner,
    policy,
    commands,
    outbox,
    inflight,
    executions,
    /** Delivers a command as the broker would; resolves when it would be PUBACKed. */
    send: (command: Command) => runner.ask<void>((replyTo) => ({ type: "command", command, replyTo })),
    /** Delivers a CommandCancel; resolves when it would be PUBACKed. */
    cancel: (commandId: string, reason?: string) =>
      runner.ask<void>((replyTo) => ({ type: "cancel", cancel: wireCancel(commandId, reason), replyTo })),
    setPolicies: (policies: PolicyInput[]) =>
      policy.ask<void>((replyTo) => ({ type: "policySet", payload: policySetPayload(policies), replyTo })),
    /** Every CommandUpdate in the outbox, oldest first. */
    updates(): (CommandUpdate & { statusName: string })[] {
      return outbox
        .after(0, 10_000)
        .filter((row) => row.topic === ACK_TOPIC)
        .map((row) => codecs.commandUpdate.decode(row.payload))
        .map((u) => ({ ...u, statusName: STATUS_NAME[u.status] ?? String(u.status) }));
    },
    updatesOf(commandId: string) {
      return this.updates().filter((u) => u.commandId === commandId);
    },
    stop: () => system.stop(),
  };
}

/**
 * Per test: a fresh agent state dir and its database, and the runner started on it (`start`), restarted as an agent
 * restart would (`restart`), stopped and removed after the test. Call once at a test file's top level.
 */
export function runnerFixture() {
  const fixture = {
    dir: undefined as unknown as ReturnType<typeof tempDir>,
    db: undefined as unknown as Database,
    harness: undefined as ReturnType<typeof startRunner> | undefined,
    start(options?: RunnerOptions) {
      fixture.harness = startRunner(fixture.db, options);
      return fixture.harness;
    },
    /** Stops the actors and reopens the state dir: an agent restart. */
    async restart(options?: RunnerOptions) {
      await fixture.harness?.stop();
      fixture.db.close();
      fixture.db = openAgentDatabase(fixture.dir.path);
      return fixture.start(options);
    },
  };
  beforeEach(() => {
    fixture.dir = tempDir();
    fixture.db = openAgentDatabase(fixture.dir.path);
  });
  afterEach(async () => {
    await fixture.harness?.stop();
    fixture.harness = undefined;
    fixture.db.close();
    fixture.dir.remove();
  });
  return fixture;
}
