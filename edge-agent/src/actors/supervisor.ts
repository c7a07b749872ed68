export interface SupervisionOptions {
  /** Delay before the first restart. */
  initialDelayMs: number;
  /** Upper bound of the exponential backoff. */
  maxDelayMs: number;
  /** Multiplier applied per consecutive failure (default 2). */
  backoffFactor: number;
  /** Restarts allowed within `withinMs`; the next failure escalates. 0 = escalate on first failure. */
  maxRestarts: number;
  /** Sliding window for counting failures; a quiet period this long resets the backoff. */
  withinMs: number;
}

export const DEFAULT_SUPERVISION: Readonly<SupervisionOptions> = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 30_000,
  backoffFactor: 2,
  maxRestarts: 5,
  withinMs: 60_000,
});

export type SupervisorDecision =
  | { action: "restart"; attempt: number; delayMs: number }
  | { action: "escalate"; failures: number };

/** Merges partial options over the defaults (later wins, undefined ignored) and validates. */
export function resolveSupervision(...layers: (Partial<SupervisionOptions> | undefined)[]): SupervisionOptions {
  const opts: SupervisionOptions = { ...DEFAULT_SUPERVISION };
  for (const layer of layers) {
    for (const key of Object.keys(opts) as (keyof SupervisionOptions)[]) {
      const value = layer?.[key];
      if (value !== undefined) opts[key] = value;
    }
  }
  const fail = (msg: string): never => {
    throw new RangeError(`invalid supervision options: ${msg}`);
  };
  if (!(opts.initialDelayMs >= 0)) fail(`initialDelayMs must be >= 0`);
  if (!(opts.maxDelayMs >= opts.initialDelayMs)) fail(`maxDelayMs must be >= initialDelayMs`);
  if (!(opts.backoffFactor >= 1)) fail(`backoffFactor must be >= 1`);
  if (!Number.isInteger(opts.maxRestarts) || opts.maxRestarts < 0) fail(`maxRestarts must be an integer >= 0`);
  if (!(opts.withinMs > 0)) fail(`withinMs must be > 0`);
  return opts;
}

/** Backoff before restart number `attempt` (1-based): initial * factor^(attempt-1), capped. */
export function backoffDelayMs(opts: SupervisionOptions, attempt: number): number {
  const delay = opts.initialDelayMs * opts.backoffFactor ** Math.max(0, attempt - 1);
  return Math.min(opts.maxDelayMs, delay);
}

/** Counts failures in a sliding window and decides restart (with backoff) or escalation. */
export class RestartTracker {
  private failures: number[] = [];

  constructor(
    private readonly opts: SupervisionOptions,
    private readonly clock: () => number = Date.now,
  ) {}

  recordFailure(): SupervisorDecision {
    const now = this.clock();
    this.failures = this.failures.filter((t) => now - t < this.opts.withinMs);
    this.failures.push(now);
    const count = this.failures.length;
    if (count > this.opts.maxRestarts) return { action: "escalate", failures: count };
    return { action: "restart", attempt: count, delayMs: backoffDelayMs(this.opts, count) };
  }
}
