/**
 * Start-up housekeeping of the command log. Commands a previous run left unfinished are failed, never
 * re-run: whether a command that was running had effects is unknown, and none may execute twice.
 */
import { cancelledError } from "../commands/abort.ts";
import type { Logger } from "@edge/proto/log";
import type { CommandStore } from "../store/command-store.ts";
import type { CommandReports } from "./command-reports.ts";
import { DEDUPE_RETENTION_MS } from "./prepare-command.ts";

export const INTERRUPTED_BEFORE_START = "agent restarted before the command started; not executed";
export const INTERRUPTED_WHILE_RUNNING =
  "agent restarted while the command was running; not re-executed (outcome unknown)";

export function recoverCommandLog(
  commands: CommandStore,
  reports: CommandReports,
  log: Logger,
  nowMs = Date.now(),
): void {
  for (const { id, state, cancelReason } of commands.unfinished()) {
    const error =
      cancelReason !== null
        ? cancelledError(cancelReason)
        : state === "running"
          ? INTERRUPTED_WHILE_RUNNING
          : INTERRUPTED_BEFORE_START;
    reports.finish(id, { status: "failed", error });
    log.warn(`command ${id}: ${error}`);
  }
  const pruned = commands.pruneFinished(nowMs - DEDUPE_RETENTION_MS);
  if (pruned) log.debug(`forgot ${pruned} finished command(s) older than the dedupe window`);
}
