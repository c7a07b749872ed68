/**
 * Messages sent over MQTT that wait for the control plane's receipt. The broker's PUBACK only says the broker has
 * a message (it drops it if no control plane is subscribed); the receipt says the control plane applied it. A row
 * leaves the outbox on its receipt only; rows without one in time are resent by the connection actor.
 */
import type { Receipt } from "@edge/proto/wire";

interface Waiting {
  done: (error?: Error) => void;
  sentAt: number;
}

/** A message this many timeouts old is resent even while receipts for others keep coming (it was lost). */
const LOST_AFTER_TIMEOUTS = 5;

export class AwaitingReceipts {
  private readonly waiting = new Map<number, Waiting>();
  /** Last time a receipt settled something (or, since then, the first message went out). */
  private progressAt = 0;

  get size(): number {
    return this.waiting.size;
  }

  /** `seq` went out; `done` settles it with the outbox pump. */
  add(seq: number, done: (error?: Error) => void, now = Date.now()): void {
    if (this.waiting.size === 0) this.progressAt = now;
    this.waiting.set(seq, { done, sentAt: now });
  }

  /** The publish itself failed (connection going away). */
  fail(seq: number, error: Error): void {
    const entry = this.waiting.get(seq);
    if (!entry) return;
    this.waiting.delete(seq);
    entry.done(error);
  }

  /** Settles every waiting message the receipt covers; returns how many. */
  settle(receipt: Receipt, now = Date.now()): number {
    const listed = new Set(receipt.seqs);
    let settled = 0;
    for (const [seq, entry] of this.waiting) {
      if (seq > receipt.throughSeq && !listed.has(seq)) continue;
      this.waiting.delete(seq);
      entry.done();
      settled++;
    }
    if (settled > 0) this.progressAt = now;
    return settled;
  }

  /**
   * Whether to send again: the oldest message has waited `timeoutMs` and no receipt came for as long (the
   * control plane is down, or the broker dropped them) — a control plane working through a backlog is left
   * alone — or it has waited several timeouts (lost on its own while others got through).
   */
  overdue(timeoutMs: number, now = Date.now()): boolean {
    let oldest = Infinity;
    for (const { sentAt } of this.waiting.values()) oldest = Math.min(oldest, sentAt);
    const waited = now - oldest;
    return waited >= timeoutMs && (now - this.progressAt >= timeoutMs || waited >= LOST_AFTER_TIMEOUTS * timeoutMs);
  }

  /** Forgets everything (the pump resends from the oldest row; these callbacks are stale). */
  clear(): void {
    this.waiting.clear();
  }
}
