/**
 * The reconnect behaviour of the MQTT connection and the gRPC session: after a failure, try again after a jittered
 * exponential backoff (reset by a successful connection); when the control plane refuses the access token, ask the
 * token refresher for a new one and wait for it instead; after close, never again. The retry is a timer of the
 * owning actor, which tells it `connect`.
 */
import type { ActorRef, TimerScheduler } from "../actors/index.ts";
import type { TokenRefresherMsg } from "../auth/token-refresher.ts";
import { type BackoffRange, jitteredBackoffMs } from "../backoff.ts";
import type { Logger } from "@edge/proto/log";

const TIMER = "reconnect";

export class Reconnect<M> {
  /** Consecutive failed attempts, for the backoff. */
  private failures = 0;
  /** Why the last attempt failed, for the log line. */
  private lastError: string | undefined;
  private awaitingCredentials = false;
  private closed = false;

  constructor(
    private readonly timers: TimerScheduler<M>,
    /** The message that makes the actor connect. */
    private readonly connect: M,
    private readonly options: {
      backoff: BackoffRange;
      auth: ActorRef<TokenRefresherMsg>;
      log: Logger;
      /** Prefix of the log lines, e.g. "gRPC session: ". */
      label?: string;
    },
  ) {}

  /** False while waiting for new credentials, and after close. */
  get mayConnect(): boolean {
    return !this.closed && !this.awaitingCredentials;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Connected: the next failure starts again from the shortest delay. */
  succeeded(): void {
    this.failures = 0;
    this.lastError = undefined;
  }

  /** Remembers why an attempt failed (logged with the next retry). */
  failed(reason: string): void {
    this.lastError = reason;
  }

  /** Tries again after the backoff, unless closed or waiting for credentials. */
  schedule(): void {
    if (!this.mayConnect) return;
    const delayMs = jitteredBackoffMs(this.options.backoff, this.failures++);
    const why = this.lastError ? ` (${this.lastError})` : "";
    this.options.log.info(`${this.options.label ?? ""}reconnecting in ${delayMs}ms${why}`);
    this.lastError = undefined;
    this.timers.startSingleTimer(TIMER, this.connect, delayMs);
  }

  /** The access token was refused: no retry until the token refresher has a new one. */
  refused(reason: string): void {
    this.awaitingCredentials = true;
    this.timers.cancel(TIMER);
    this.options.auth.tell({ type: "refresh", reason });
  }

  /** No access token yet: wait for one without asking for a refresh. */
  waitForCredentials(): void {
    this.awaitingCredentials = true;
  }

  /** New credentials arrived: retry (if disconnected) when we were waiting for them. */
  credentialsRenewed(connected: boolean): void {
    if (!this.awaitingCredentials) return;
    this.awaitingCredentials = false;
    if (!connected) this.schedule();
  }

  close(): void {
    this.closed = true;
    this.timers.cancel(TIMER);
  }
}
