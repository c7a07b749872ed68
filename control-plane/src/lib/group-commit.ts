/**
 * Group commit with natural batching: items (agents' reports, telemetry writes) are stored many per statement, with
 * no fixed delay. When idle, a flush starts at the end of the current event-loop turn (what arrived in the same turn
 * — several messages of one socket read — shares the statement); while `maxInFlight` statements run, new items
 * queue, and the next statement takes all that gathered (up to what `take` allows) as soon as one finishes. So at low
 * load an item waits for nothing, and under load the batches grow by themselves with the database's latency.
 */
export interface GroupCommitOptions {
  /** Statements in flight at once. */
  maxInFlight: number;
}

export class GroupCommit<T> {
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
    private readonly take: (queue: T[]) => { batch: T[]; rest: T[] },
    private readonly store: (batch: T[]) => Promise<void>,
    private readonly onError: (error: unknown, batch: T[]) => void = () => {},
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
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
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
