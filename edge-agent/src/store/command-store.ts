/**
 * Durable command log: dedupes redelivered commands by id and tracks each command's lifecycle.
 * A command id is recorded before anything runs, so no command ever executes twice, even across restarts.
 */
import type { Database } from "bun:sqlite";

export type CommandState = "received" | "running" | "completed" | "failed";

/** What to do with an incoming command id. */
export type ClaimResult =
  | { outcome: "new" }
  /** Seen before and not finished (waiting for policy or running): ignore the duplicate. */
  | { outcome: "inProgress"; state: "received" | "running" }
  /** Already finished: re-send this final CommandUpdate. */
  | { outcome: "finished"; finalUpdate: Uint8Array }
  /** Cancelled before it arrived: now recorded as received, to be failed without running. */
  | { outcome: "cancelled"; reason: string };

/** What an operator cancel did to the command log. */
export type CancelOutcome =
  /** Known and unfinished: the reason is recorded (the first one wins). */
  | "pending"
  /** Unknown: a tombstone now keeps a later delivery from running. */
  | "recorded"
  /** Already finished, or already cancelled before arrival. */
  | "ignored";

export class CommandStore {
  constructor(private readonly db: Database) {}

  /** Records a command id as received, unless it was seen before. */
  claim(id: string, kind: string, now = Date.now()): ClaimResult {
    return this.db.transaction((): ClaimResult => {
      const inserted = this.db
        .query(
          `INSERT INTO commands (id, kind, status, received_at) VALUES (?, ?, 'received', ?) ON CONFLICT (id) DO NOTHING`,
        )
        .run(id, kind, now);
      if (inserted.changes === 1) return { outcome: "new" };
      const row = this.db.query("SELECT status, final_update, cancel_reason FROM commands WHERE id = ?").get(id) as {
        status: CommandState;
        final_update: Uint8Array | null;
        cancel_reason: string | null;
      };
      if ((row.status === "completed" || row.status === "failed") && row.final_update) {
        return { outcome: "finished", finalUpdate: row.final_update };
      }
      if (row.status === "failed" && row.cancel_reason !== null) {
        // Tombstone: back to received so the final report can be recorded like any other.
        this.db
          .query(`UPDATE commands SET kind = ?, status = 'received', received_at = ?, finished_at = NULL WHERE id = ?`)
          .run(kind, now, id);
        return { outcome: "cancelled", reason: row.cancel_reason };
      }
      return { outcome: "inProgress", state: row.status === "running" ? "running" : "received" };
    })();
  }

  /** Records an operator cancel; durable, idempotent, and in any order relative to the command itself. */
  cancel(id: string, reason: string, now = Date.now()): CancelOutcome {
    return this.db.transaction((): CancelOutcome => {
      const marked = this.db
        .query(
          `UPDATE commands SET cancel_reason = coalesce(cancel_reason, ?) WHERE id = ? AND status IN ('received', 'running')`,
        )
        .run(reason, id);
      if (marked.changes === 1) return "pending";
      const tombstone = this.db
        .query(
          `INSERT INTO commands (id, kind, status, received_at, finished_at, cancel_reason) VALUES (?, '', 'failed', ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        )
        .run(id, now, now, reason);
      return tombstone.changes === 1 ? "recorded" : "ignored";
    })();
  }

  /** Marks a received command as admitted by the safety policy; it counts as running from now on. */
  accept(id: string, now = Date.now()): boolean {
    return (
      this.db
        .query(`UPDATE commands SET status = 'running', accepted_at = ? WHERE id = ? AND status = 'received'`)
        .run(now, id).changes === 1
    );
  }

  /** Records the final state with the CommandUpdate that reports it (kept for redeliveries). */
  finish(id: string, state: "completed" | "failed", finalUpdate: Uint8Array, now = Date.now()): void {
    this.db
      .query(
        `UPDATE commands SET status = ?, final_update = ?, finished_at = ? WHERE id = ? AND status IN ('received', 'running')`,
      )
      .run(state, finalUpdate, now, id);
  }

  state(id: string): CommandState | undefined {
    const row = this.db.query("SELECT status FROM commands WHERE id = ?").get(id) as { status: CommandState } | null;
    return row?.status;
  }

  countRunning(): number {
    return (this.db.query(`SELECT count(*) AS n FROM commands WHERE status = 'running'`).get() as { n: number }).n;
  }

  /** Acceptance times (epoch ms) after `sinceMs`, oldest first: seeds the rate limiter after a restart. */
  acceptedSince(sinceMs: number): number[] {
    const rows = this.db
      .query("SELECT accepted_at AS at FROM commands WHERE accepted_at > ? ORDER BY accepted_at")
      .all(sinceMs) as { at: number }[];
    return rows.map((row) => row.at);
  }

  /** Commands left unfinished by a previous run of the agent (with the operator's cancel reason, if any). */
  unfinished(): { id: string; state: "received" | "running"; cancelReason: string | null }[] {
    return this.db
      .query(
        `SELECT id, status AS state, cancel_reason AS cancelReason FROM commands WHERE status IN ('received', 'running') ORDER BY received_at`,
      )
      .all() as { id: string; state: "received" | "running"; cancelReason: string | null }[];
  }

  /** Forgets finished commands older than `beforeMs`; returns how many. */
  pruneFinished(beforeMs: number): number {
    return this.db
      .query(`DELETE FROM commands WHERE status IN ('completed', 'failed') AND finished_at < ?`)
      .run(beforeMs).changes;
  }
}
