/** Runs one update script as `sh <file>` (no shell string interpolation) with a timeout that kills its process group. */
import { closeSync, openSync } from "node:fs";
import { inheritedEnv } from "../commands/exec.ts";

export interface ScriptRun {
  file: string;
  cwd: string;
  /** Added to the agent's environment (minus its EDGE_* settings). */
  env: Record<string, string>;
  timeoutMs: number;
  /** stdout and stderr go here (kept for diagnosis). */
  outputFile: string;
}

/** Resolves when the script exits 0; otherwise throws with "exit code N", "killed by signal S" or "timed out". */
export async function runScript(run: ScriptRun): Promise<void> {
  const output = openSync(run.outputFile, "a");
  let child: Bun.Subprocess;
  try {
    child = Bun.spawn(["sh", run.file], {
      cwd: run.cwd,
      env: { ...inheritedEnv(), ...run.env },
      stdin: "ignore",
      stdout: output,
      stderr: output,
      // Own process group, so a timeout also kills everything the script started.
      detached: true,
    });
  } finally {
    closeSync(output); // the child has its own copy
  }
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid);
  }, run.timeoutMs);
  try {
    await child.exited;
  } finally {
    clearTimeout(timer);
    killGroup(child.pid); // reap anything left behind
  }
  if (timedOut) throw new Error(`timed out after ${run.timeoutMs} ms`);
  if (child.exitCode === 0) return;
  throw new Error(
    child.exitCode === null ? `killed by signal ${child.signalCode ?? "unknown"}` : `exit code ${child.exitCode}`,
  );
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Group already gone.
  }
}
