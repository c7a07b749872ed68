/**
 * Coalesces lookups made within a few milliseconds into one `loadMany` call (one statement for a burst instead of
 * one per key), e.g. the credential checks of a connect storm. Nothing is cached: every lookup reads what is
 * committed at most `waitMs` (+ the statement) after it was asked, so a revocation is seen at once.
 */
export class BatchLoader<V> {
  private pending = new Map<string, { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[]>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly loadMany: (keys: string[]) => Promise<Map<string, V>>,
    private readonly opts: { waitMs: number; maxBatch: number } = { waitMs: 2, maxBatch: 500 },
  ) {}

  load(key: string): Promise<V | undefined> {
    return new Promise((resolve, reject) => {
      const waiters = this.pending.get(key);
      if (waiters) waiters.push({ resolve, reject });
      else this.pending.set(key, [{ resolve, reject }]);
      if (this.pending.size >= this.opts.maxBatch) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.opts.waitMs);
    });
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    if (batch.size === 0) return;
    this.pending = new Map();
    this.loadMany([...batch.keys()]).then(
      (found) => {
        for (const [key, waiters] of batch) for (const w of waiters) w.resolve(found.get(key));
      },
      (error) => {
        for (const waiters of batch.values()) for (const w of waiters) w.reject(error);
      },
    );
  }
}
