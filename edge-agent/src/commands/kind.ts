/** What a command kind is: a params schema and a run function. One module per kind defines one. */
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";

export interface CommandContext {
  /** Effective timeout; `signal` aborts when it elapses. */
  timeoutMs: number;
  /** Aborted on timeout (reason: CommandTimeoutError) or cancellation, e.g. agent shutdown (CommandCancelledError). */
  signal: AbortSignal;
  /** Live output, one complete line at a time (best effort; kinds that produce output may call it). */
  onOutput?(stream: OutputStream, line: string): void;
}

export type OutputStream = "stdout" | "stderr";

/** `result` is JSON-serialisable and becomes CommandUpdate.result_json. */
export type CommandOutcome = { ok: true; result: unknown } | { ok: false; error: string; result?: unknown };

export interface CommandKind<S extends TSchema = TSchema> {
  kind: string;
  /** TypeBox schema of params_json; checked before the safety policy is consulted. */
  params: S;
  /** Timeout when the command carries none (default DEFAULT_TIMEOUT_MS). */
  defaultTimeoutMs?(params: Static<S>): number;
  /** Should honour ctx.signal; the runner gives up on it shortly after the timeout anyway. */
  run(params: Static<S>, ctx: CommandContext): Promise<CommandOutcome>;
}

export const DEFAULT_TIMEOUT_MS = 60_000;

/** Identity helper that keeps the params type of a kind's definition. */
export function defineCommand<S extends TSchema>(kind: CommandKind<S>): CommandKind<S> {
  return kind;
}

/** Returns the first schema violation of `params`, or null. */
export function checkParams(kind: CommandKind, params: unknown): string | null {
  if (Value.Check(kind.params, params)) return null;
  const first = Value.Errors(kind.params, params).First();
  return first ? `${first.path || "/"}: ${first.message}` : "invalid params";
}
