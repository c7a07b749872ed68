/**
 * Publishes outbox rows in order over the current transport (MQTT or the gRPC session), a bounded window at a
 * time, deleting each row only after the control plane acknowledged it (MQTT receipt, session ack). On a new
 * transport, or when acknowledgements are overdue, everything not yet acked is sent again from the oldest row.
 * Only one transport ever has rows in flight: a handover waits for the old one's acks (or their timeout).
 * Not an actor itself: the connection actor drives it and feeds it the acks.
 */
import type { Outbox, OutboxRow } from "../store/outbox.ts";

export interface Publisher {
  /** Sends one row; `done` is called once it is acked, or with an error. */
  publish(row: OutboxRow, done: (error?: Error) => void): void;
}

/** A publish settled; handed back through `onSettled` so the owner can process it in order. */
export interface PublishSettled {
  seq: number;
  session: number;
  error?: Error;
}

export class OutboxPump {
  private publisher: Publisher | undefined;
  /** Takes over once nothing is in flight on the current publisher (see handover). */
  private pending: Publisher | undefined;
  private session = 0;
  /** Highest seq handed to the current publisher. */
  private cursor = 0;
  private readonly inflight = new Set<number>();
  private emptyWaiters: (() => void)[] = [];

  constructor(
    private readonly outbox: Outbox,
    private readonly onSettled: (event: PublishSettled) => void,
    private readonly window = 32,
  ) {}

  get connected(): boolean {
    return this.publisher !== undefined;
  }

  /** The publisher rows currently go to (undefined while detached). */
  get current(): Publisher | undefined {
    return this.publisher;
  }

  /** A new connection: (re)send everything still in the outbox, oldest first. */
  attach(publisher: Publisher): void {
    this.session++;
    this.publisher = publisher;
    this.pending = undefined;
    this.cursor = 0;
    this.inflight.clear();
    this.pump();
  }

  /** Connection lost: stop; unacked rows stay in the outbox. A pending handover completes now. */
  detach(): void {
    const next = this.pending;
    if (next) return this.attach(next);
    this.session++;
    this.publisher = undefined;
    this.inflight.clear();
  }

  /**
   * Switches to `next` while the current publisher is still alive: no new rows go out, and once every row in
   * flight has settled, `next` takes over. Immediate when nothing is in flight. The same publisher cancels it.
   */
  handover(next: Publisher): void {
    if (next === this.publisher) {
      this.pending = undefined;
      return this.pump();
    }
    this.pending = next;
    if (!this.publisher || this.inflight.size === 0) this.attach(next);
  }

  /** `publisher` is gone: detach if it is current (completing a pending handover), forget it if it was pending. */
  drop(publisher: Publisher): void {
    if (this.pending === publisher) this.pending = undefined;
    if (this.publisher === publisher) this.detach();
  }

  /**
   * Acknowledgements are overdue (e.g. the control plane was down and the broker dropped the messages): send
   * every unacknowledged row again, from the oldest — on the pending publisher if a handover waits for them.
   */
  resend(): void {
    const next = this.pending ?? this.publisher;
    if (next) this.attach(next);
  }

  /** Publishes rows until the window is full or the outbox is exhausted. */
  pump(): void {
    const publisher = this.publisher;
    if (!publisher) return;
    if (this.pending) {
      if (this.inflight.size === 0) this.attach(this.pending);
      return;
    }
    while (this.inflight.size < this.window) {
      const rows = this.outbox.after(this.cursor, this.window - this.inflight.size);
      if (rows.length === 0) break;
      const session = this.session;
      for (const row of rows) {
        this.inflight.add(row.seq);
        this.cursor = row.seq;
        publisher.publish(row, (error) => this.onSettled({ seq: row.seq, session, error }));
      }
    }
    this.notifyIfEmpty();
  }

  settle({ seq, session, error }: PublishSettled): void {
    // An ack is an ack, even if it arrives just as the connection drops.
    if (!error) this.outbox.remove(seq);
    if (session !== this.session) return;
    this.inflight.delete(seq);
    // A failed publish means the connection is going away; the next attach resends from the oldest row.
    if (error) this.detach();
    else this.pump();
  }

  /** Resolves true once the outbox is empty, false after `timeoutMs`. */
  whenEmpty(timeoutMs: number): Promise<boolean> {
    if (this.outbox.size() === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.emptyWaiters = this.emptyWaiters.filter((w) => w !== done);
        resolve(false);
      }, timeoutMs);
      this.emptyWaiters.push(done);
    });
  }

  private notifyIfEmpty(): void {
    if (this.emptyWaiters.length === 0 || this.inflight.size > 0 || this.outbox.size() > 0) return;
    for (const resolve of this.emptyWaiters.splice(0)) resolve();
  }
}
