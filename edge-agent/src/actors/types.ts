import type { ActorSystem } from "./system.ts";

/**
 * An actor's behaviour. A fresh instance is created by the factory on start
 * and on every supervised restart, so instance fields are the actor's state.
 * `postStop` runs exactly once for every instance whose `preStart` succeeded
 * (on stop and before a restart), so it should release what `preStart` acquired.
 */
export interface Behavior<M> {
  preStart?(): void | Promise<void>;
  /** Handles one message; never called concurrently. Throwing/rejecting crashes the actor. */
  receive(message: M): void | Promise<void>;
  postStop?(): void | Promise<void>;
}

export interface ActorContext<M> {
  readonly name: string;
  readonly self: ActorRef<M>;
  readonly system: ActorSystem;
  /** Timers sending messages to `self`; all cancelled when the actor restarts or stops. */
  readonly timers: TimerScheduler<M>;
}

/**
 * Keyed timers that send a message to the owning actor. Starting a key again replaces its timer; a cancelled or
 * replaced timer never delivers, even if its message is already queued.
 */
export interface TimerScheduler<M> {
  /** Sends `message` once, after `delayMs` (at most ~24.8 days: longer delays are cut to that). */
  startSingleTimer(key: string, message: M, delayMs: number): void;
  /** Sends `message` every `intervalMs` until cancelled. */
  startPeriodicTimer(key: string, message: M, intervalMs: number): void;
  /** True from start until a single timer's message is processed, or until cancelled. */
  isTimerActive(key: string): boolean;
  cancel(key: string): void;
  cancelAll(): void;
}

export type BehaviorFactory<M> = (ctx: ActorContext<M>) => Behavior<M>;

/** Reply channel of an `ask`; only the first reply/fail counts. */
export interface ReplyTo<R> {
  (value: R): void;
  fail(error: unknown): void;
}

export interface ActorRef<M> {
  readonly name: string;
  /** False once the actor is stopping or stopped. */
  readonly alive: boolean;
  /** Fire-and-forget; returns false if the message was dropped (stopped or mailbox full). */
  tell(message: M): boolean;
  /**
   * Request/response: `build` wraps the reply channel into a message.
   * Rejects with AskTimeoutError on timeout, ActorStoppedError/MailboxFullError if the
   * message can't be delivered, or the handler's error if the actor crashes on it.
   */
  ask<R>(build: (replyTo: ReplyTo<R>) => M, timeoutMs?: number): Promise<R>;
}

export type ActorEvent =
  | { type: "started"; actor: string }
  | { type: "crashed"; actor: string; phase: "preStart" | "receive"; error: unknown; message?: unknown }
  | { type: "restarted"; actor: string; attempt: number; delayMs: number }
  | { type: "escalated"; actor: string; error: unknown; failures: number }
  | { type: "stopped"; actor: string }
  | { type: "deadLetter"; actor: string; message: unknown; reason: "stopped" | "mailboxFull" }
  | { type: "postStopFailed"; actor: string; error: unknown };

export interface StopOptions {
  /** Process messages already queued before stopping (default true). New messages are refused either way. */
  drain?: boolean;
  /**
   * Per actor: give up waiting after this long; queued messages are dropped and
   * postStop runs even if a handler is still pending (that handler is abandoned).
   */
  timeoutMs?: number;
}
