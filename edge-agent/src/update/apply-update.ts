/**
 * The apply procedure of a runtime.update: check, verify against the pinned key, redeem the grant, download and
 * hash-check every script of the signed manifest, install through staging, then report. Fails closed at each step.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BackoffRange } from "../backoff.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { RuntimeVersionStore } from "../store/runtime-state.ts";
import { installRelease } from "./install.ts";
import { sendReport } from "./report.ts";
import { UpdateRejectedError, type UpdateOutcome, type UpdateRequest } from "./types.ts";
import { UpdateApiError, type UpdateApi } from "./update-client.ts";
import { checkScript, verifyRelease } from "./verify.ts";

export interface UpdateDeps {
  api: UpdateApi;
  version: RuntimeVersionStore;
  /** Pinned base64 ed25519 key; undefined = every update is refused. */
  publicKey?: string;
  channel: string;
  stateDir: string;
  installDir: string;
  scriptTimeoutMs: number;
  /** Report retries. */
  backoff: BackoffRange;
  log: Logger;
  now?: () => number;
}

export async function applyUpdate(deps: UpdateDeps, request: UpdateRequest): Promise<UpdateOutcome> {
  const { api, log } = deps;
  const now = deps.now ?? Date.now;
  const channel = request.channel ?? deps.channel;
  const fromVersion = deps.version.get();
  let toVersion = request.targetVersion ?? "unknown";
  let workDir: string | undefined;
  let outcome: UpdateOutcome;
  try {
    if (!deps.publicKey) throw new UpdateRejectedError("no pinned update key");
    const offered = await api.check(fromVersion, channel, deps.publicKey);
    toVersion = offered.targetVersion;
    const manifest = verifyRelease(offered, {
      pinnedKey: deps.publicKey,
      channel,
      currentVersion: fromVersion,
      targetVersion: request.targetVersion,
      now: now(),
    });
    log.info(`update ${fromVersion} -> ${manifest.version} (${channel}) verified; redeeming the grant`);

    const approved = await redeem(api, {
      grantToken: request.grantToken,
      currentVersion: fromVersion,
      channel,
      targetVersion: manifest.version,
      publicKey: deps.publicKey,
    });
    if (approved.approved !== true || approved.canExecuteRemoteScripts !== true) {
      throw new UpdateRejectedError("the control plane did not approve running the update scripts");
    }
    if (approved.targetVersion !== manifest.version) {
      throw new UpdateRejectedError(
        `approved version ${approved.targetVersion} is not the verified version ${manifest.version}`,
      );
    }

    // Only the signed manifest's script list counts; every script is checked before anything runs. Scripts are
    // fetched from the approved release by digest, so another release's script at the same path is never served.
    const releaseId = approved.releaseId ?? offered.releaseId ?? undefined;
    workDir = mkdtempSync(join(deps.stateDir, "update-"));
    const scripts: { id: string; file: string }[] = [];
    for (const [index, script] of manifest.scripts.entries()) {
      let body: Uint8Array;
      try {
        body = await api.script({ path: script.path, sha256: script.sha256, ...(releaseId ? { releaseId } : {}) });
      } catch (error) {
        throw new Error(`script ${script.id} download failed: ${errorMessage(error)}`);
      }
      checkScript(script, body);
      const file = join(workDir, `${index}.sh`);
      writeFileSync(file, body, { mode: 0o600 });
      scripts.push({ id: script.id, file });
    }

    mkdirSync(deps.installDir, { recursive: true });
    await installRelease({
      installDir: deps.installDir,
      stateDir: deps.stateDir,
      workDir,
      scripts,
      fromVersion,
      toVersion: manifest.version,
      scriptTimeoutMs: deps.scriptTimeoutMs,
      commit: () => deps.version.set(manifest.version),
      log,
    });
    log.info(`runtime updated ${fromVersion} -> ${manifest.version}`);
    outcome = { ok: true, fromVersion, toVersion: manifest.version };
  } catch (error) {
    const status = error instanceof UpdateRejectedError ? "rejected" : "failed";
    const reason = errorMessage(error);
    log.warn(`update ${fromVersion} -> ${toVersion} ${status}: ${reason}`);
    outcome = { ok: false, status, reason, fromVersion, toVersion };
  } finally {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  }
  const status = outcome.ok ? "applied" : outcome.status;
  const reason = outcome.ok ? undefined : outcome.reason;
  await sendReport(
    api,
    { channel, fromVersion, toVersion: outcome.toVersion, status, ...(reason === undefined ? {} : { reason }) },
    deps.backoff,
    log,
  );
  return outcome;
}

/** A refused grant (4xx: used, expired, not ours, not the current release) is a rejection with the server's reason. */
async function redeem(api: UpdateApi, body: Parameters<UpdateApi["apply"]>[0]) {
  try {
    return await api.apply(body);
  } catch (error) {
    if (error instanceof UpdateApiError && error.status !== undefined && error.status >= 400 && error.status < 500) {
      throw new UpdateRejectedError(error.message);
    }
    throw error;
  }
}
