/** FIFO queue with amortised O(1) push/shift and an optional capacity. */
export class Mailbox<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  constructor(readonly capacity = Number.POSITIVE_INFINITY) {
    if (!(capacity >= 1)) throw new RangeError(`mailbox capacity must be >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.length - this.head;
  }

  /** Appends `item`; returns false (and drops it) when the mailbox is full. */
  push(item: T): boolean {
    if (this.size >= this.capacity) return false;
    this.items.push(item);
    return true;
  }

  /** Removes and returns the oldest item, or undefined when empty. */
  shift(): T | undefined {
    if (this.head === this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      // Compact occasionally so consumed slots don't accumulate.
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns all pending items, oldest first. */
  drain(): T[] {
    const rest = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return rest;
  }
}
