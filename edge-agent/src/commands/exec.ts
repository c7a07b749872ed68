/**
 * `exec`: runs an executable directly (no shell, so arguments are never interpreted), with a timeout that
 * kills its whole process group, and returns {exitCode, stdout, stderr, timedOut}. Each output line is also
 * passed to ctx.onOutput as it arrives.
 */
import { Type } from "@sinclair/typebox";
import { abortMessage, isTimeout } from "./abort.ts";
import { defineCommand, type CommandContext, type CommandOutcome } from "./kind.ts";
import { LineSplitter } from "./line-splitter.ts";

/** Per stream; the rest of the output is read and discarded so the child never blocks on a full pipe. */
export const OUTPUT_LIMIT_BYTES = 64 * 1024;
/** After the process exits, how long to wait for pipes still held open by escaped grandchildren. */
const PIPE_DRAIN_GRACE_MS = 2_000;
/** How long an aborted command's process group has between SIGTERM and SIGKILL. */
export const KILL_GRACE_MS = 1_000;

export interface ExecResult {
  /** null when the process was killed by a signal. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export const execCommand = defineCommand({
  kind: "exec",
  params: Type.Object(
    {
      command: Type.String({ minLength: 1 }),
      args: Type.Optional(Type.Array(Type.String())),
      cwd: Type.Optional(Type.String({ minLength: 1 })),
      env: Type.Optional(Type.Record(Type.String(), Type.String())),
    },
    { additionalProperties: false },
  ),
  run({ command, args = [], cwd, env }, ctx) {
    return runProcess([command, ...args], { cwd, env }, ctx);
  },
});

/**
 * Runs a process (no shell) in its own process group, killed with the group on timeout or cancellation; output
 * is captured (first OUTPUT_LIMIT_BYTES per stream) and passed line by line to ctx.onOutput. `stdin` is written
 * to the process's standard input (none otherwise). Shared by `exec` and `agent`.
 */
export async function runProcess(
  argv: string[],
  { cwd, env, stdin }: { cwd?: string; env?: Record<string, string>; stdin?: string },
  { signal, onOutput }: Pick<CommandContext, "signal" | "onOutput">,
): Promise<CommandOutcome> {
  const command = argv[0]!;
  if (signal.aborted) return { ok: false, error: abortMessage(signal) };
  let child: Bun.Subprocess<"ignore" | Blob, "pipe", "pipe">;
  try {
    child = Bun.spawn(argv, {
      cwd,
      env: { ...inheritedEnv(), ...env },
      stdin: stdin === undefined ? "ignore" : new Blob([stdin]),
      stdout: "pipe",
      stderr: "pipe",
      // Own process group, so a timeout also kills everything the command started.
      detached: true,
    }) as Bun.Subprocess<"ignore" | Blob, "pipe", "pipe">;
  } catch (error) {
    return { ok: false, error: `cannot start ${JSON.stringify(command)}: ${(error as Error).message}` };
  }
  // Cancel, timeout, emergency stop: SIGTERM the group, then SIGKILL whatever is left after a short bound.
  let killTimer: ReturnType<typeof setTimeout> | undefined;
  const kill = () => {
    killGroup(child, "SIGTERM");
    killTimer = setTimeout(() => killGroup(child), KILL_GRACE_MS);
  };
  signal.addEventListener("abort", kill, { once: true });
  const stdout = capture(child.stdout, lines(onOutput, "stdout"));
  const stderr = capture(child.stderr, lines(onOutput, "stderr"));
  try {
    await child.exited;
  } finally {
    signal.removeEventListener("abort", kill);
    clearTimeout(killTimer);
  }
  // Reap anything the command left behind in its group, then collect output.
  killGroup(child);
  const [out, err] = await Promise.all([stdout.done(PIPE_DRAIN_GRACE_MS), stderr.done(PIPE_DRAIN_GRACE_MS)]);
  const timedOut = isTimeout(signal);
  const result: ExecResult = { exitCode: child.exitCode, stdout: out, stderr: err, timedOut };
  if (signal.aborted) return { ok: false, error: abortMessage(signal), result };
  if (child.exitCode === 0) return { ok: true, result };
  if (child.exitCode === null) return { ok: false, error: `killed by signal ${child.signalCode ?? "unknown"}`, result };
  return { ok: false, error: `exit code ${child.exitCode}`, result };
}

/** The agent's environment minus its own settings (EDGE_BOOTSTRAP_TOKEN must never leak into commands). */
export function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("EDGE_")) env[name] = value;
  }
  return env;
}

function killGroup(child: Bun.Subprocess, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Group already gone.
  }
}

/** A line splitter feeding `onOutput`, if there is one. A failing listener never disturbs the command. */
function lines(onOutput: CommandContext["onOutput"], stream: "stdout" | "stderr"): LineSplitter | undefined {
  if (!onOutput) return undefined;
  return new LineSplitter((line) => {
    try {
      onOutput(stream, line);
    } catch {
      // best effort
    }
  });
}

/** Reads a stream to its end, keeping the first OUTPUT_LIMIT_BYTES (and splitting all of it into `splitter`). */
function capture(stream: ReadableStream<Uint8Array>, splitter?: LineSplitter) {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let kept = 0;
  const finished = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return splitter?.end();
        splitter?.push(value);
        if (kept < OUTPUT_LIMIT_BYTES) {
          const part = value.subarray(0, OUTPUT_LIMIT_BYTES - kept);
          chunks.push(part);
          kept += part.length;
        }
      }
    } catch {
      // Cancelled or broken pipe: keep what we have.
    }
  })();
  return {
    /** Output so far once the stream ends, or after `graceMs` if something still holds it open. */
    async done(graceMs: number): Promise<string> {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
      await Promise.race([finished, timeout]);
      clearTimeout(timer);
      void reader.cancel().catch(() => {});
      return new TextDecoder().decode(Buffer.concat(chunks));
    },
  };
}
