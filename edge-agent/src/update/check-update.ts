/** The scheduled update check: only looks and logs. Applying always needs a runtime.update command with a grant. */
import { errorMessage } from "@edge/proto/log";
import type { UpdateDeps } from "./apply-update.ts";
import { UpdateRejectedError } from "./types.ts";

export type CheckResult =
  | { state: "upToDate" | "noKey" }
  | { state: "available"; version: string }
  | { state: "refused" | "error"; reason: string };

export async function checkForUpdate(deps: UpdateDeps): Promise<CheckResult> {
  const { log } = deps;
  if (!deps.publicKey) {
    log.debug("update check skipped: no pinned update key");
    return { state: "noKey" };
  }
  const current = deps.version.get();
  try {
    const offered = await deps.api.check(current, deps.channel);
    if (!offered.updateAvailable) {
      log.debug(`runtime ${current} is up to date on channel ${deps.channel}`);
      return { state: "upToDate" };
    }
    // Verification (ed25519, hashing) is loaded only when a release is offered (README, agent footprint).
    const { verifyRelease } = await import("./verify.ts");
    const manifest = verifyRelease(offered, {
      pinnedKey: deps.publicKey,
      channel: deps.channel,
      currentVersion: current,
      now: (deps.now ?? Date.now)(),
    });
    log.info(
      `update ${current} -> ${manifest.version} available on channel ${deps.channel} (needs a runtime.update command with a grant)`,
    );
    return { state: "available", version: manifest.version };
  } catch (error) {
    const reason = errorMessage(error);
    if (error instanceof UpdateRejectedError) {
      log.warn(`offered update refused: ${reason}`);
      return { state: "refused", reason };
    }
    log.warn(`update check failed: ${reason}`);
    return { state: "error", reason };
  }
}
