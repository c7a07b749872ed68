/**
 * Timers owned by an actor (after Akka Typed's TimerScheduler): each sends a message to the actor itself, under a
 * key. Starting a timer replaces the one with the same key; cancelled and replaced timers never deliver, not even a
 * message already in the mailbox; every timer is cancelled when the actor restarts or stops.
 */
import type { TimerScheduler } from "./types.ts";

/** Longest delay a timer can take: setTimeout overflows beyond ~24.8 days. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

interface Timer {
  readonly generation: number;
  readonly repeat: boolean;
  readonly handle: ReturnType<typeof setTimeout>;
}

/** A fired timer's message on its way through the mailbox. */
export interface TimerFired<M> {
  readonly key: string;
  readonly generation: number;
  readonly message: M;
}

export class ActorTimers<M> implements TimerScheduler<M> {
  private readonly timers = new Map<string, Timer>();
  private generation = 0;

  /** `deliver` enqueues a fired timer's message for the actor. */
  constructor(private readonly deliver: (fired: TimerFired<M>) => void) {}

  startSingleTimer(key: string, message: M, delayMs: number): void {
    this.start(key, message, delayMs, false);
  }

  startPeriodicTimer(key: string, message: M, intervalMs: number): void {
    this.start(key, message, intervalMs, true);
  }

  isTimerActive(key: string): boolean {
    return this.timers.has(key);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (!timer) return;
    clearTimeout(timer.handle);
    this.timers.delete(key);
  }

  cancelAll(): void {
    for (const key of [...this.timers.keys()]) this.cancel(key);
  }

  /** Whether a fired message still counts (its timer was neither cancelled nor replaced); a single timer ends here. */
  accept(fired: TimerFired<M>): boolean {
    const timer = this.timers.get(fired.key);
    if (timer?.generation !== fired.generation) return false;
    if (!timer.repeat) this.timers.delete(fired.key);
    return true;
  }

  private start(key: string, message: M, ms: number, repeat: boolean): void {
    this.cancel(key);
    const generation = ++this.generation;
    const fire = () => this.deliver({ key, generation, message });
    const bounded = Math.max(0, Math.min(ms, MAX_TIMER_MS));
    const handle = repeat ? setInterval(fire, bounded) : setTimeout(fire, bounded);
    this.timers.set(key, { generation, repeat, handle });
  }
}
