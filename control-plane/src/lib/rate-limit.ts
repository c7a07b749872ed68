/**
 * Rate limits: fixed-window counters per key (a client address, a targeted credential), kept in this process's
 * memory. With several replicas each one counts for itself, so a client gets up to N× the budget across N replicas.
 */
import { DomainError, tooMany } from "./errors";

export interface RateRule {
  /** Events allowed per window; 0 disables the rule. */
  limit: number;
  windowSeconds: number;
}

interface Window {
  count: number;
  resetAt: number;
}

export class RateLimiter {
  private readonly windows = new Map<string, Window>();
  private sweptAt = 0;

  constructor(
    readonly rule: RateRule,
    private readonly now: () => number = Date.now,
    /** Memory bound: beyond it, expired windows are dropped, then the oldest ones. */
    private readonly maxKeys = 100_000,
  ) {}

  /** Seconds until `key` may act again, if it has used up its budget; undefined otherwise. Counts nothing. */
  retryAfter(key: string): number | undefined {
    if (this.rule.limit <= 0) return undefined;
    const window = this.live(key);
    return window && window.count >= this.rule.limit ? this.secondsLeft(window) : undefined;
  }

  /** Counts one event for `key`; returns the seconds to wait if this event went over the budget. */
  hit(key: string): number | undefined {
    if (this.rule.limit <= 0) return undefined;
    let window = this.live(key);
    if (!window) {
      this.sweep();
      window = { count: 0, resetAt: this.now() + this.rule.windowSeconds * 1000 };
      this.windows.set(key, window);
    }
    window.count++;
    return window.count > this.rule.limit ? this.secondsLeft(window) : undefined;
  }

  /** Throws `too_many` if `key` is out of budget; otherwise counts the event. */
  take(key: string, message = "too many requests") {
    const wait = this.hit(key);
    if (wait !== undefined) throw tooMany(wait, message);
  }

  get size() {
    return this.windows.size;
  }

  private live(key: string): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.resetAt <= this.now()) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private secondsLeft(window: Window) {
    return Math.max(1, Math.ceil((window.resetAt - this.now()) / 1000));
  }

  private sweep() {
    const now = this.now();
    if (this.windows.size < this.maxKeys && now - this.sweptAt < this.rule.windowSeconds * 1000) return;
    this.sweptAt = now;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    for (const key of this.windows.keys()) {
      if (this.windows.size < this.maxKeys) break;
      this.windows.delete(key);
    }
  }
}

/** A failed authentication or a refused secret: counts against the caller's failed-authentication budget. */
export const isFailedCredential = (error: unknown) =>
  error instanceof DomainError && (error.kind === "unauthenticated" || error.detail.rejectedCredential === true);

/**
 * One spelling per client address: `::ffff:1.2.3.4` (HTTP on a dual-stack socket) and gRPC peers (`1.2.3.4:port`,
 * `ipv4:1.2.3.4:port`, `[::1]:port`) → `1.2.3.4`, `::1`.
 */
export function normalizeAddress(address: string): string {
  const peer = /^(?:ipv[46]:)?\[(.+)\]:\d+$/.exec(address) ?? /^(?:ipv[46]:)?([^:]+):\d+$/.exec(address);
  const bare = peer ? peer[1]! : address;
  return bare.startsWith("::ffff:") ? bare.slice(7) : bare;
}
