/**
 * Installs a verified release: copy the install dir to a fresh staging dir, run the scripts there in order, run
 * its `healthcheck` if it has one, then switch directories (install -> previous, staging -> install) and commit.
 * Any failure leaves the install dir as it was; a failure during the switch renames everything back.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { errorMessage, type Logger } from "@edge/proto/log";
import { runScript } from "./run-script.ts";

export interface InstallPlan {
  installDir: string;
  stateDir: string;
  /** Where the verified scripts were written; also receives the output logs. */
  workDir: string;
  scripts: { id: string; file: string }[];
  fromVersion: string;
  toVersion: string;
  scriptTimeoutMs: number;
  /** Runs once the new dir is in place (persist the version); throwing rolls the switch back. */
  commit(): void;
  log: Logger;
}

export const HEALTHCHECK_FILE = "healthcheck";

export const previousDir = (stateDir: string) => join(stateDir, "previous");

/** Throws with the reason on failure; the install dir is then unchanged. */
export async function installRelease(plan: InstallPlan): Promise<void> {
  // Absolute: scripts run with the staging dir as cwd.
  const staging = resolve(mkdtempSync(join(plan.stateDir, "staging-")));
  let switched = false;
  try {
    cpSync(plan.installDir, staging, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
    const env = {
      UPDATE_FROM_VERSION: plan.fromVersion,
      UPDATE_TO_VERSION: plan.toVersion,
      STAGING_DIR: staging,
      INSTALL_DIR: resolve(plan.installDir),
    };
    const run = async (what: string, file: string, outputName: string) => {
      const outputFile = resolve(plan.workDir, outputName);
      try {
        await runScript({ file, cwd: staging, env, timeoutMs: plan.scriptTimeoutMs, outputFile });
      } catch (error) {
        plan.log.warn(`${what} failed; its output ends with: ${tail(outputFile)}`);
        throw new Error(`${what} failed: ${errorMessage(error)}`);
      }
    };
    for (const [index, script] of plan.scripts.entries())
      await run(`script ${script.id}`, resolve(script.file), `${index}.log`);
    if (existsSync(join(staging, HEALTHCHECK_FILE))) await run("health check", HEALTHCHECK_FILE, "healthcheck.log");
    switchDirs(plan, staging);
    switched = true;
  } finally {
    if (!switched) rmSync(staging, { recursive: true, force: true });
  }
}

function switchDirs(plan: InstallPlan, staging: string): void {
  const previous = previousDir(plan.stateDir);
  rmSync(previous, { recursive: true, force: true });
  renameSync(plan.installDir, previous);
  let stagedInPlace = false;
  try {
    renameSync(staging, plan.installDir);
    stagedInPlace = true;
    plan.commit();
  } catch (error) {
    // Roll back: the old install dir goes back where it was.
    try {
      if (stagedInPlace) renameSync(plan.installDir, staging);
      renameSync(previous, plan.installDir);
    } catch (rollbackError) {
      plan.log.error(`ROLLBACK FAILED: the previous install is in ${previous}: ${errorMessage(rollbackError)}`);
    }
    throw new Error(`switch failed (rolled back): ${errorMessage(error)}`);
  }
}

/**
 * At start: removes staging/work dirs left by a crash, puts the old install dir back if a crash interrupted a
 * switch between its two renames, and creates the install dir (empty) if missing.
 */
export function prepareInstallDir(stateDir: string, installDir: string, log: Logger): void {
  for (const entry of readdirSync(stateDir)) {
    if (/^(staging|update)-/.test(entry)) rmSync(join(stateDir, entry), { recursive: true, force: true });
  }
  const previous = previousDir(stateDir);
  if (!existsSync(installDir) && existsSync(previous)) {
    renameSync(previous, installDir);
    log.warn(`an update switch was interrupted: restored ${installDir} from ${previous}`);
  }
  mkdirSync(installDir, { recursive: true });
}

function tail(file: string): string {
  try {
    const text = readFileSync(file, "utf8").trim();
    return text ? JSON.stringify(text.slice(-500)) : "(no output)";
  } catch {
    return "(no output)";
  }
}
