/** Why a running command was aborted, and how that is reported. */

export class CommandTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = "CommandTimeoutError";
  }
}

/** The CommandUpdate error of a cancelled command: `cancelled: <reason>`. */
export function cancelledError(reason: string): string {
  return `cancelled: ${reason || "no reason given"}`;
}

export class CommandCancelledError extends Error {
  constructor(reason: string) {
    super(cancelledError(reason));
    this.name = "CommandCancelledError";
  }
}

/** The CommandUpdate error for an aborted signal. */
export function abortMessage(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : "cancelled";
}

export function isTimeout(signal: AbortSignal): boolean {
  return signal.aborted && signal.reason instanceof CommandTimeoutError;
}
