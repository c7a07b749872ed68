/**
 * Group commit with natural batching: items (agents' reports, telemetry writes) are stored many per statement, with
 * no fixed delay. When idle, a flush starts at the end of the current event-loop turn, or the next (`turns`): what
 * arrived meanwhile — several messages of one socket read — shares the statement; while `maxInFlight` statements
 * run, new items queue, and the next statement takes all that gathered (up to what `take` allows) as soon as one
 * finishes. So at low load an item waits for nothing, and under load the batches grow by themselves with the
 * database's latency.
 */
export interface GroupCommitOptions {
  /** Statements in flight at once. */
  maxInFlight: number;
  /**
   * Event-loop turns an idle flush waits: 1 (default) takes what arrived in this turn; 2 also what the next socket
   * reads bring (an agent's acks sent together arrive in separate reads: the broker writes one packet per send).
   */
  turns?: 1 | 2;
}

/** `T`: an item; `B`: what a statement stores per item taken (the item itself, unless `take` combines some). */
export class GroupCommit<T, B = T> {
  private queue: T[] = [];
  private inFlight = 0;
  private scheduled = false;

  /**
   * `take(queue)`: the next batch out of the queue, in order, and what stays queued (non-empty while items are
   * queued, unless none may go now: then it runs again when a statement finishes). `store(batch)` stores it;
   * it settles its items itself (a rejection here is the caller's to report).
   */
  constructor(
    private readonly opts: GroupCommitOptions,
    private readonly take: (queue: T[]) => { batch: B[]; rest: T[] },
    private readonly store: (batch: B[]) => Promise<void>,
    private readonly onError: (error: unknown, batch: B[]) => void = () => {},
  ) {}

  add(item: T): void {
    this.queue.push(item);
    this.schedule();
  }

  /** Items not yet handed to a statement. */
  get queued(): readonly T[] {
    return this.queue;
  }

  /** Starts a flush at the end of this turn if one may start (re-checked by every statement that finishes). */
  schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.inFlight >= this.opts.maxInFlight) return;
    this.scheduled = true;
    const flush = () => {
      this.scheduled = false;
      this.flush();
    };
    setImmediate(this.opts.turns === 2 ? () => setImmediate(flush) : flush);
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.opts.maxInFlight) {
      const { batch, rest } = this.take(this.queue);
      if (batch.length === 0) return;
      this.queue = rest;
      this.inFlight++;
      this.store(batch)
        .catch((error) => this.onError(error, batch))
        .finally(() => {
          this.inFlight--;
          this.schedule();
        });
    }
  }
}
