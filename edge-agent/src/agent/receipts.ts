/**
 * Messages sent over MQTT that wait for the control plane's receipt. The broker's PUBACK only says the broker has
 * a message (it drops it if no control plane is subscribed); the receipt says the control plane applied it. A row
 * leaves the outbox on its receipt only; rows without one in time are resent by the connection actor.
 */
import type { Receipt } from '../../../proto/wire.ts'

interface Waiting {
  done: (error?: Error) => void
  sentAt: number
}

export class AwaitingReceipts {
  private readonly waiting = new Map<number, Waiting>()

  get size(): number {
    return this.waiting.size
  }

  /** `seq` went out; `done` settles it with the outbox pump. */
  add(seq: number, done: (error?: Error) => void, now = Date.now()): void {
    this.waiting.set(seq, { done, sentAt: now })
  }

  /** The publish itself failed (connection going away). */
  fail(seq: number, error: Error): void {
    const entry = this.waiting.get(seq)
    if (!entry) return
    this.waiting.delete(seq)
    entry.done(error)
  }

  /** Settles every waiting message the receipt covers; returns how many. */
  settle(receipt: Receipt): number {
    const listed = new Set(receipt.seqs)
    let settled = 0
    for (const [seq, entry] of this.waiting) {
      if (seq > receipt.throughSeq && !listed.has(seq)) continue
      this.waiting.delete(seq)
      entry.done()
      settled++
    }
    return settled
  }

  /** Whether the oldest waiting message went out before `now - timeoutMs`. */
  overdue(timeoutMs: number, now = Date.now()): boolean {
    for (const { sentAt } of this.waiting.values()) if (sentAt <= now - timeoutMs) return true
    return false
  }

  /** Forgets everything (the pump resends from the oldest row; these callbacks are stale). */
  clear(): void {
    this.waiting.clear()
  }
}
