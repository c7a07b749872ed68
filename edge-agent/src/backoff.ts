/** Exponential backoff with full jitter, as used for MQTT reconnects and control-plane retries. */
export interface BackoffRange {
  minMs: number;
  maxMs: number;
}

/**
 * Delay before retry number `attempt` (0-based): uniformly random in
 * [minMs, min(maxMs, minMs * 2^attempt)], so the first retry waits exactly minMs.
 */
export function jitteredBackoffMs({ minMs, maxMs }: BackoffRange, attempt: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(0, attempt), 52));
  return Math.round(minMs + random() * Math.max(0, ceiling - minMs));
}
