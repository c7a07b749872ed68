/**
 * Durable, ordered queue of agent → control plane messages; rows are deleted only once the control plane has
 * processed them (an MQTT receipt, or a gRPC session ack). seq is AUTOINCREMENT (never reused) and is the
 * message's delivery seq on both transports.
 */
import type { Database } from "bun:sqlite";

export interface OutboxRow {
  seq: number;
  topic: string;
  payload: Uint8Array;
}

export class Outbox {
  private listeners: (() => void)[] = [];

  constructor(private readonly db: Database) {}

  /** Appends a message and returns its sequence number. Safe inside a caller's transaction. */
  append(topic: string, payload: Uint8Array, now = Date.now()): number {
    const row = this.db
      .query("INSERT INTO outbox (topic, payload, created_at) VALUES (?, ?, ?) RETURNING seq")
      .get(topic, payload, now) as { seq: number };
    for (const listener of this.listeners) listener();
    return row.seq;
  }

  /** Called after every append (e.g. to wake the flusher). */
  onAppend(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Oldest rows with seq > afterSeq, in order. */
  after(afterSeq: number, limit: number): OutboxRow[] {
    return this.db
      .query("SELECT seq, topic, payload FROM outbox WHERE seq > ? ORDER BY seq LIMIT ?")
      .all(afterSeq, limit) as OutboxRow[];
  }

  remove(seq: number): void {
    this.db.query("DELETE FROM outbox WHERE seq = ?").run(seq);
  }

  /** Deletes every row with seq <= `seq` (the control plane has processed them); returns how many. */
  removeThrough(seq: number): number {
    return this.db.query("DELETE FROM outbox WHERE seq <= ?").run(seq).changes;
  }

  /** Every seq <= this one is settled (processed, or dropped as unsendable): the oldest row's seq - 1. */
  floor(): number {
    const row = this.db.query("SELECT min(seq) AS oldest FROM outbox").get() as { oldest: number | null };
    return row.oldest === null ? 0 : row.oldest - 1;
  }

  size(): number {
    return (this.db.query("SELECT count(*) AS n FROM outbox").get() as { n: number }).n;
  }
}
