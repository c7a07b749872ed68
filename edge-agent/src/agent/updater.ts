/**
 * Updater actor: checks for runtime updates on a schedule (and once after the first connection), only logging
 * what it finds, and applies one when a runtime.update command asks. One message at a time, so never two updates.
 */
import type { ActorContext, Behavior, ReplyTo } from "../actors/index.ts";
import { errorMessage } from "@edge/proto/log";
import type { UpdateDeps } from "../update/apply-update.ts";
import { checkForUpdate, type CheckResult } from "../update/check-update.ts";

/** Applying an update (signature checks, scripts) is loaded when one is applied, not at start (README, agent footprint). */
const applyUpdate: typeof import("../update/apply-update.ts").applyUpdate = async (deps, request) =>
  (await import("../update/apply-update.ts")).applyUpdate(deps, request);
import type { UpdateOutcome, UpdateRequest } from "../update/types.ts";

export type UpdaterMsg =
  | { type: "check"; replyTo?: ReplyTo<CheckResult> }
  /** The MQTT connection came up; the first one triggers a check. */
  | { type: "connected" }
  | { type: "apply"; request: UpdateRequest; replyTo: ReplyTo<UpdateOutcome> };

export interface UpdaterDeps extends UpdateDeps {
  /** 0 = no scheduled check (not even the one after connecting). */
  checkIntervalMs: number;
}

export function updater(deps: UpdaterDeps) {
  return ({ timers }: ActorContext<UpdaterMsg>): Behavior<UpdaterMsg> => {
    let checkedAfterConnect = false;
    return {
      preStart() {
        if (!deps.publicKey)
          deps.log.warn("no pinned update key (--update-public-key): runtime updates will be refused");
        if (deps.checkIntervalMs > 0) timers.startPeriodicTimer("check", { type: "check" }, deps.checkIntervalMs);
      },
      async receive(msg) {
        switch (msg.type) {
          case "connected":
            if (checkedAfterConnect || deps.checkIntervalMs === 0) return;
            checkedAfterConnect = true;
            await checkForUpdate(deps);
            return;
          case "check": {
            const result = await checkForUpdate(deps);
            msg.replyTo?.(result);
            return;
          }
          case "apply":
            try {
              msg.replyTo(await applyUpdate(deps, msg.request));
            } catch (error) {
              // applyUpdate turns failures into outcomes; this is only a safety net.
              const version = deps.version.get();
              msg.replyTo({
                ok: false,
                status: "failed",
                reason: `internal error: ${errorMessage(error)}`,
                fromVersion: version,
                toVersion: "unknown",
              });
            }
            return;
        }
      },
    };
  };
}
