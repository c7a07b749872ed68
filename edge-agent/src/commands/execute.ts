/** Runs one command of a kind with its timeout and cancellation, turning every failure into a CommandOutcome. */
import { CommandTimeoutError } from "./abort.ts";
import { DEFAULT_TIMEOUT_MS, type CommandContext, type CommandKind, type CommandOutcome } from "./kind.ts";

/** How long past its timeout a kind that ignores its abort signal is waited for. */
const ABANDON_GRACE_MS = 5_000;

export interface ExecuteOptions {
  /** From the Command; 0 = the kind's default. */
  timeoutMs: number;
  /** Aborting cancels the command (e.g. agent shutdown); use a CommandCancelledError reason. */
  signal?: AbortSignal;
  /** Live output lines (see CommandContext.onOutput). */
  onOutput?: CommandContext["onOutput"];
}

export function effectiveTimeoutMs(kind: CommandKind, params: unknown, requestedMs: number): number {
  if (requestedMs > 0) return requestedMs;
  return kind.defaultTimeoutMs?.(params as never) ?? DEFAULT_TIMEOUT_MS;
}

/** `params` must already satisfy kind.params (see checkParams). Never throws. */
export async function executeCommand(
  kind: CommandKind,
  params: unknown,
  options: ExecuteOptions,
): Promise<CommandOutcome> {
  const timeoutMs = effectiveTimeoutMs(kind, params, options.timeoutMs);
  const controller = new AbortController();
  const cancel = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) cancel();
  else options.signal?.addEventListener("abort", cancel, { once: true });
  const timer = setTimeout(() => controller.abort(new CommandTimeoutError(timeoutMs)), timeoutMs);
  let abandonTimer: ReturnType<typeof setTimeout> | undefined;
  // A kind that ignores its signal still cannot hold the command open forever.
  const abandoned = new Promise<CommandOutcome>((resolve) => {
    const giveUp = () => {
      abandonTimer = setTimeout(
        () => resolve({ ok: false, error: (controller.signal.reason as Error).message }),
        ABANDON_GRACE_MS,
      );
    };
    controller.signal.addEventListener("abort", giveUp, { once: true });
  });
  try {
    return await Promise.race([
      kind.run(params as never, { timeoutMs, signal: controller.signal, onOutput: options.onOutput }),
      abandoned,
    ]);
  } catch (error) {
    return { ok: false, error: `${kind.kind} failed: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    clearTimeout(timer);
    clearTimeout(abandonTimer);
    options.signal?.removeEventListener("abort", cancel);
  }
}
