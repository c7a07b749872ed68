import { ActorStoppedError, AskTimeoutError, MailboxFullError } from "./errors.ts";
import { Mailbox } from "./mailbox.ts";
import { RestartTracker, type SupervisionOptions } from "./supervisor.ts";
import { ActorTimers, type TimerFired } from "./timers.ts";
import type { ActorSystem } from "./system.ts";
import type { ActorContext, ActorEvent, ActorRef, Behavior, BehaviorFactory, ReplyTo, StopOptions } from "./types.ts";

interface Envelope<M> {
  readonly message: M;
  /** Called when the message is dropped unprocessed or its handler crashed (rejects an ask). */
  readonly onDrop?: (error: unknown) => void;
  /** Set on a timer's message: delivered only if that timer still stands. */
  readonly timer?: TimerFired<M>;
}

/** Wraps thrown values, which may themselves be undefined. */
interface Failure {
  readonly error: unknown;
}

/** What a cell needs from its owning system. */
export interface CellHost {
  readonly system: ActorSystem;
  emit(event: ActorEvent): void;
  escalate(actor: string, error: unknown): void;
  terminated(actor: string, cell: object): void;
}

export interface CellOptions {
  supervision: SupervisionOptions;
  mailboxCapacity?: number;
  askTimeoutMs: number;
}

/** Yield to the event loop every N messages so a busy actor can't starve timers and I/O. */
const THROUGHPUT = 64;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runtime of one actor: mailbox, a single sequential processing loop,
 * supervised restarts and shutdown. Created by ActorSystem.spawn.
 */
export class ActorCell<M> {
  readonly ref: ActorRef<M>;
  private readonly mailbox: Mailbox<Envelope<M>>;
  private readonly tracker: RestartTracker;
  private readonly ctx: ActorContext<M>;
  private readonly timers: ActorTimers<M>;
  /** Current instance; set only while its preStart has succeeded and postStop hasn't run. */
  private instance: Behavior<M> | undefined;
  private stopRequested = false;
  private drainOnStop = true;
  private finished = false;
  private wake: (() => void) | undefined;
  private cancelSleep: (() => void) | undefined;
  private resolveDone!: () => void;
  private readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(
    readonly name: string,
    private readonly factory: BehaviorFactory<M>,
    private readonly host: CellHost,
    private readonly options: CellOptions,
  ) {
    this.mailbox = new Mailbox(options.mailboxCapacity);
    this.tracker = new RestartTracker(options.supervision);
    const cell = this;
    this.ref = {
      name,
      get alive() {
        return !cell.stopRequested;
      },
      tell: (message) => cell.tell(message),
      ask: (build, timeoutMs) => cell.ask(build, timeoutMs),
    };
    this.timers = new ActorTimers((fired) => this.enqueue({ message: fired.message, timer: fired }));
    this.ctx = { name, self: this.ref, system: host.system, timers: this.timers };
  }

  start(): void {
    this.run().catch((error) => {
      // Unreachable by design; never leave a half-dead actor behind.
      this.emit({ type: "crashed", actor: this.name, phase: "receive", error });
      void this.finish();
    });
  }

  tell(message: M): boolean {
    return this.enqueue({ message }) === undefined;
  }

  ask<R>(build: (replyTo: ReplyTo<R>) => M, timeoutMs = this.options.askTimeoutMs): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
        reject(new RangeError(`ask timeout must be a positive finite number, got ${timeoutMs}`));
        return;
      }
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const settle = (complete: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        complete();
      };
      timer = setTimeout(() => settle(() => reject(new AskTimeoutError(this.name, timeoutMs))), timeoutMs);
      const replyTo: ReplyTo<R> = Object.assign((value: R) => settle(() => resolve(value)), {
        fail: (error: unknown) => settle(() => reject(error)),
      });
      let message: M;
      try {
        message = build(replyTo);
      } catch (error) {
        replyTo.fail(error);
        return;
      }
      const error = this.enqueue({ message, onDrop: replyTo.fail });
      if (error) replyTo.fail(error);
    });
  }

  /** Refuses new messages, then drains (or drops) the mailbox, runs postStop and resolves. */
  stop({ drain = true, timeoutMs }: StopOptions = {}): Promise<void> {
    if (!drain) this.drainOnStop = false;
    if (!this.stopRequested) {
      this.stopRequested = true;
      this.notify();
      this.cancelSleep?.(); // don't wait out a restart backoff
    }
    if (timeoutMs !== undefined && !this.finished) {
      const timer = setTimeout(() => void this.finish(), timeoutMs);
      void this.done.then(() => clearTimeout(timer));
    }
    return this.done;
  }

  private async run(): Promise<void> {
    let restart: { attempt: number; delayMs: number } | undefined;
    while (!this.stopRequested) {
      const failure = await this.live(restart);
      if (!failure || this.stopRequested) break;
      const decision = this.tracker.recordFailure();
      if (decision.action === "escalate") {
        this.emit({ type: "escalated", actor: this.name, error: failure.error, failures: decision.failures });
        await this.finish();
        this.host.escalate(this.name, failure.error);
        return;
      }
      restart = { attempt: decision.attempt, delayMs: decision.delayMs };
      await this.sleep(decision.delayMs);
    }
    await this.finish();
  }

  /** One incarnation: create + preStart, then process messages until stop or crash. */
  private async live(restart?: { attempt: number; delayMs: number }): Promise<Failure | undefined> {
    let instance: Behavior<M>;
    try {
      instance = this.factory(this.ctx);
      await instance.preStart?.();
    } catch (error) {
      this.timers.cancelAll();
      if (this.finished) return undefined;
      this.emit({ type: "crashed", actor: this.name, phase: "preStart", error });
      return { error };
    }
    this.instance = instance;
    if (this.finished) {
      // Abandoned by a stop timeout while starting: still honour postStop.
      await this.stopInstance();
      return undefined;
    }
    this.emit(restart ? { type: "restarted", actor: this.name, ...restart } : { type: "started", actor: this.name });
    const failure = await this.process(instance);
    if (failure) await this.stopInstance();
    return failure;
  }

  private async process(instance: Behavior<M>): Promise<Failure | undefined> {
    let processed = 0;
    for (;;) {
      const envelope = await this.next();
      if (!envelope) return undefined;
      if (envelope.timer && !this.timers.accept(envelope.timer)) continue;
      try {
        await instance.receive(envelope.message);
      } catch (error) {
        if (this.finished) return undefined;
        envelope.onDrop?.(error);
        this.emit({ type: "crashed", actor: this.name, phase: "receive", error, message: envelope.message });
        return { error };
      }
      if (this.finished) return undefined;
      if (++processed % THROUGHPUT === 0) await yieldToEventLoop();
    }
  }

  /** Next message to process, or undefined when the actor should stop processing. */
  private async next(): Promise<Envelope<M> | undefined> {
    for (;;) {
      if (this.finished || (this.stopRequested && !this.drainOnStop)) return undefined;
      const envelope = this.mailbox.shift();
      if (envelope) return envelope;
      if (this.stopRequested) return undefined;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private enqueue(envelope: Envelope<M>): Error | undefined {
    let error: Error | undefined;
    if (this.stopRequested) error = new ActorStoppedError(this.name);
    else if (!this.mailbox.push(envelope)) error = new MailboxFullError(this.name);
    if (error) {
      const reason = error instanceof MailboxFullError ? "mailboxFull" : "stopped";
      this.emit({ type: "deadLetter", actor: this.name, message: envelope.message, reason });
      return error;
    }
    this.notify();
    return undefined;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.cancelSleep = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.cancelSleep = done;
    });
  }

  /** Terminal transition (idempotent): drop the mailbox, postStop, deregister, emit 'stopped'. */
  private async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.stopRequested = true;
    this.notify();
    this.cancelSleep?.();
    for (const { message, onDrop } of this.mailbox.drain()) {
      onDrop?.(new ActorStoppedError(this.name));
      this.emit({ type: "deadLetter", actor: this.name, message, reason: "stopped" });
    }
    await this.stopInstance();
    this.host.terminated(this.name, this);
    this.emit({ type: "stopped", actor: this.name });
    this.resolveDone();
  }

  private async stopInstance(): Promise<void> {
    // Timers belong to the incarnation: none fires into the next one, or after the stop.
    this.timers.cancelAll();
    const instance = this.instance;
    this.instance = undefined;
    if (!instance?.postStop) return;
    try {
      await instance.postStop();
    } catch (error) {
      this.emit({ type: "postStopFailed", actor: this.name, error });
    }
  }

  private emit(event: ActorEvent): void {
    this.host.emit(event);
  }
}
