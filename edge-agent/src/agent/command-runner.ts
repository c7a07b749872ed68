/**
 * Command runner actor: dedupes incoming commands durably, asks the safety policy, runs admitted ones and
 * reports RUNNING then COMPLETED/FAILED through the outbox. Executions run concurrently; their results come
 * back to this actor as messages.
 */
import type { ActorContext, ActorRef, Behavior, ReplyTo } from "../actors/index.ts";
import type { CommandOutcome, OutputStream } from "../commands/kind.ts";
import { cancelledError } from "../commands/abort.ts";
import { MACHINE_STOPPED_ERROR, RUNTIME_CONTROL_KINDS } from "../commands/runtime-control.ts";
import { executeCommand } from "../commands/execute.ts";
import type { CommandRegistry } from "../commands/registry.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { CommandStore } from "../store/command-store.ts";
import type { Command, CommandCancel } from "@edge/proto/wire";
import type { CommandLogs } from "./command-logs.ts";
import type { CommandReports, FinalReport } from "./command-reports.ts";
import type { InflightCommands } from "./inflight.ts";
import type { LiveLog } from "./live-log.ts";
import type { Admission, PolicyGateMsg } from "./policy-gate.ts";
import { DEDUPE_RETENTION_MS, prepareCommand, type PreparedCommand } from "./prepare-command.ts";

export type CommandRunnerMsg =
  /** A Command from the broker or the gRPC session; replies once its id is durably recorded (then the broker may be acked). */
  | { type: "command"; command: Command; replyTo?: ReplyTo<void> }
  /** A CommandCancel (MQTT cancel topic or gRPC session); replies once the cancel is durably recorded. */
  | { type: "cancel"; cancel: CommandCancel; replyTo?: ReplyTo<void> }
  | { type: "admitted"; command: PreparedCommand; admission: Admission }
  | { type: "settled"; commandId: string; outcome: CommandOutcome }
  /** The emergency stop engaged: refuse the commands still waiting to start (running ones are aborted already). */
  | { type: "emergencyStop" }
  /** Periodic: forget finished commands older than the dedupe window. */
  | { type: "prune" }
  /** Stop accepting commands and cancel running ones (agent shutdown). */
  | { type: "close"; replyTo?: ReplyTo<void> };

export interface CommandRunnerDeps {
  commands: CommandStore;
  reports: CommandReports;
  registry: CommandRegistry;
  policy: ActorRef<PolicyGateMsg>;
  inflight: InflightCommands;
  policyWaitMs: number;
  log: Logger;
  /** Live output of running commands (exec lines), streamed while a gRPC session is up. */
  liveLog?: LiveLog;
  /** Durable output lines (outbox, any transport). */
  commandLogs?: CommandLogs;
  /** Durable machine state: while stopped, only the runtime control kinds run. */
  machine?: { isStopped(): boolean };
  /** The emergency stop latch: while engaged, every command is refused (see estop.ts). */
  estop?: { isEngaged(): boolean; describe(): string };
  now?: () => number;
}

export const UNKNOWN_STARTED_COMMAND =
  "the agent has no record of this already started command (its state was lost); not executed again";

/** Extra patience for the policy actor beyond the policy wait itself. */
const ADMISSION_MARGIN_MS = 10_000;
const PRUNE_EVERY_MS = 3_600_000;

export function commandRunner(deps: CommandRunnerDeps) {
  const now = deps.now ?? Date.now;
  const { log, inflight } = deps;
  return ({ self, timers }: ActorContext<CommandRunnerMsg>): Behavior<CommandRunnerMsg> => {
    let closed = false;

    function finish(commandId: string, report: FinalReport): void {
      try {
        deps.reports.finish(commandId, report);
        if (report.status === "completed") log.info(`command ${commandId} completed`);
        else log.info(`command ${commandId} ${report.status}: ${report.error}`);
      } finally {
        inflight.remove(commandId);
        deps.commandLogs?.finished(commandId);
      }
    }

    const refusedByMachineState = (kind: string) =>
      deps.machine?.isStopped() === true && !RUNTIME_CONTROL_KINDS.has(kind);
    /** Why this command must not start now (emergency stop, machine stopped), or undefined. */
    const refusal = (kind: string): string | undefined => {
      if (deps.estop?.isEngaged()) return `refused: ${deps.estop.describe()}`;
      if (refusedByMachineState(kind)) return MACHINE_STOPPED_ERROR;
      return undefined;
    };
    /** A command is never started after its deadline, by this agent's clock. */
    const expired = (notAfterMs: number) => notAfterMs > 0 && now() > notAfterMs;
    const expiredError = (notAfterMs: number) =>
      `expired: deadline ${new Date(notAfterMs).toISOString()} passed before it started`;

    function receiveCommand(command: Command, replyTo?: ReplyTo<void>): void {
      if (!command.id) {
        log.warn("dropping command without id");
        return replyTo?.();
      }
      // Not acked: the broker redelivers it to the next run of the agent.
      if (closed) return replyTo?.fail(new Error("agent is shutting down"));
      const claim = deps.commands.claim(command.id, command.kind, now());
      replyTo?.();
      if (claim.outcome === "finished") {
        log.debug(`command ${command.id} redelivered after it finished: re-sending its final update`);
        return deps.reports.resend(claim.finalUpdate);
      }
      if (claim.outcome === "inProgress")
        return log.debug(`command ${command.id} redelivered while ${claim.state}: ignored`);
      if (claim.outcome === "cancelled") {
        log.info(`command ${command.id} (${command.kind}) was cancelled before it arrived: not executed`);
        return finish(command.id, { status: "failed", error: cancelledError(claim.reason) });
      }
      if (command.alreadyStarted) {
        // Reconciliation of a command the control plane saw running, but this agent's state has no record of it.
        log.warn(
          `command ${command.id} (${command.kind}) was started before this agent's state was lost: not executed again`,
        );
        return finish(command.id, { status: "failed", error: UNKNOWN_STARTED_COMMAND });
      }

      log.info(`command ${command.id} (${command.kind}) received`);
      inflight.add(command.id);
      const { notAfterMs } = command;
      if (expired(notAfterMs)) return finish(command.id, { status: "expired", error: expiredError(notAfterMs) });
      const prepared = prepareCommand(command, deps.registry, now());
      if (!prepared.ok) return finish(command.id, { status: "failed", error: prepared.error });
      const refused = refusal(command.kind);
      if (refused) return finish(command.id, { status: "failed", error: refused });
      const request = { commandId: command.id, kind: command.kind, params: prepared.command.params };
      void deps.policy
        .ask<Admission>(
          (reply) => ({ type: "admit", request, replyTo: reply }),
          deps.policyWaitMs + ADMISSION_MARGIN_MS,
        )
        .catch((error): Admission => ({ allowed: false, error: `safety policy check failed: ${errorMessage(error)}` }))
        .then((admission) => self.tell({ type: "admitted", command: prepared.command, admission }));
    }

    function receiveCancel({ commandId, reason }: CommandCancel, replyTo?: ReplyTo<void>): void {
      if (!commandId) {
        log.warn("dropping cancel without command id");
        return replyTo?.();
      }
      // Durable first (also while shutting down): a later delivery or a restart must honour it.
      const recorded = deps.commands.cancel(commandId, reason, now());
      replyTo?.();
      switch (inflight.cancel(commandId, reason)) {
        case "started":
          // The execution ends on the aborted signal and its settlement reports `cancelled: <reason>`.
          return log.info(`command ${commandId} cancelled while running (${reason}): stopping it`);
        case "waiting":
          log.info(`command ${commandId} cancelled before it started (${reason}): not executed`);
          deps.policy.tell({ type: "withdraw", commandId });
          return finish(commandId, { status: "failed", error: cancelledError(reason) });
        default:
          if (recorded === "recorded")
            return log.info(`cancel for unknown command ${commandId} recorded: it will not run if it arrives`);
          return log.debug(`cancel for command ${commandId} ignored (already finished or cancelled)`);
      }
    }

    function start(command: PreparedCommand, admission: Admission): void {
      // Already reported (cancelled while it waited for the policy): it must never start.
      if (!inflight.signalOf(command.id)) return log.debug(`command ${command.id} no longer in flight: not started`);
      // The machine may have been stopped while this command waited for the policy.
      const refused = refusal(command.kind.kind);
      if (refused) return finish(command.id, { status: "failed", error: refused });
      if (!admission.allowed) return finish(command.id, { status: "failed", error: admission.error });
      if (expired(command.notAfterMs))
        return finish(command.id, { status: "expired", error: expiredError(command.notAfterMs) });
      const signal = inflight.signalOf(command.id);
      if (closed || !signal || signal.aborted) {
        return finish(command.id, {
          status: "failed",
          error: "cancelled: agent shutting down before the command started",
        });
      }
      inflight.markStarted(command.id);
      deps.reports.running(command.id);
      log.info(`command ${command.id} running`);
      const { liveLog, commandLogs } = deps;
      const onOutput =
        liveLog || commandLogs
          ? (stream: OutputStream, line: string) => {
              commandLogs?.append(command.id, stream, line);
              liveLog?.send(command.id, stream, line);
            }
          : undefined;
      void executeCommand(command.kind, command.params, { timeoutMs: command.timeoutMs, signal, onOutput }).then(
        (outcome) => self.tell({ type: "settled", commandId: command.id, outcome }),
      );
    }

    return {
      preStart() {
        timers.startPeriodicTimer("prune", { type: "prune" }, PRUNE_EVERY_MS);
      },

      receive(msg) {
        switch (msg.type) {
          case "command":
            return receiveCommand(msg.command, msg.replyTo);
          case "cancel":
            return receiveCancel(msg.cancel, msg.replyTo);
          case "admitted":
            try {
              return start(msg.command, msg.admission);
            } catch (error) {
              // Never leave an admitted command counted as running forever.
              finish(msg.command.id, { status: "failed", error: `internal error: ${errorMessage(error)}` });
              throw error;
            }
          case "settled": {
            const { outcome } = msg;
            return finish(
              msg.commandId,
              outcome.ok
                ? { status: "completed", result: outcome.result }
                : { status: "failed", error: outcome.error, result: outcome.result },
            );
          }
          case "emergencyStop": {
            const error = `refused: ${deps.estop?.describe() ?? "emergency stop"}`;
            for (const commandId of inflight.waitingIds()) {
              deps.policy.tell({ type: "withdraw", commandId });
              finish(commandId, { status: "failed", error });
            }
            return;
          }
          case "prune": {
            const pruned = deps.commands.pruneFinished(now() - DEDUPE_RETENTION_MS);
            if (pruned) log.debug(`forgot ${pruned} finished command(s) older than the dedupe window`);
            return;
          }
          case "close":
            closed = true;
            inflight.cancelAll("agent shutting down");
            return msg.replyTo?.();
        }
      },
    };
  };
}
