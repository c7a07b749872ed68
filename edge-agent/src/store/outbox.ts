/**
 * Durable, ordered queue of agent → control plane messages; rows are deleted only once the broker (or the gRPC
 * session) acked them. seq is AUTOINCREMENT (never reused) and doubles as the session frame seq.
 */
import type { Database } from 'bun:sqlite'

export interface OutboxRow {
  seq: number
  topic: string
  payload: Uint8Array
}

export class Outbox {
  private listeners: (() => void)[] = []

  constructor(private readonly db: Database) {}

  /** Appends a message and returns its sequence number. Safe inside a caller's transaction. */
  append(topic: string, payload: Uint8Array, now = Date.now()): number {
    const row = this.db
      .query('INSERT INTO outbox (topic, payload, created_at) VALUES (?, ?, ?) RETURNING seq')
      .get(topic, payload, now) as { seq: number }
    for (const listener of this.listeners) listener()
    return row.seq
  }

  /** Called after every append (e.g. to wake the flusher). */
  onAppend(listener: () => void): void {
    this.listeners.push(listener)
  }

  /** Oldest rows with seq > afterSeq, in order. */
  after(afterSeq: number, limit: number): OutboxRow[] {
    return this.db
      .query('SELECT seq, topic, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?')
      .all(afterSeq, limit) as OutboxRow[]
  }

  remove(seq: number): void {
    this.db.query('DELETE FROM outbox WHERE seq = ?').run(seq)
  }

  /** Deletes every row with seq <= `seq` (the control plane has processed them); returns how many. */
  removeThrough(seq: number): number {
    return this.db.query('DELETE FROM outbox WHERE seq <= ?').run(seq).changes
  }

  size(): number {
    return (this.db.query('SELECT count(*) AS n FROM outbox').get() as { n: number }).n
  }
}
