/**
 * Values loaded by key and reused for `ttlMs` (a burst of callers asks once; what changes meanwhile elsewhere counts
 * after at most `ttlMs`). A failed load is forgotten; `delete` makes the next caller load again. Bounded: past
 * `maxKeys` keys it starts over.
 */
export class TtlCache<T> {
  private readonly entries = new Map<string, { at: number; value: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs) return hit.value;
    if (this.entries.size > this.maxKeys) this.entries.clear();
    const entry = { at: now, value: load() };
    this.entries.set(key, entry);
    entry.value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return entry.value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}
