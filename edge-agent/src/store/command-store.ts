/**
 * Durable command log: dedupes redelivered commands by id and tracks each command's lifecycle.
 * A command id is recorded before anything runs, so no command ever executes twice, even across restarts.
 */
import type { Database } from 'bun:sqlite'

export type CommandState = 'received' | 'running' | 'completed' | 'failed'

/** What to do with an incoming command id. */
export type ClaimResult =
  | { outcome: 'new' }
  /** Seen before and not finished (waiting for policy or running): ignore the duplicate. */
  | { outcome: 'inProgress'; state: 'received' | 'running' }
  /** Already finished: re-send this final CommandUpdate. */
  | { outcome: 'finished'; finalUpdate: Uint8Array }

export class CommandStore {
  constructor(private readonly db: Database) {}

  /** Records a command id as received, unless it was seen before. */
  claim(id: string, kind: string, now = Date.now()): ClaimResult {
    const inserted = this.db
      .query(`INSERT INTO commands (id, kind, status, received_at) VALUES (?, ?, 'received', ?) ON CONFLICT (id) DO NOTHING`)
      .run(id, kind, now)
    if (inserted.changes === 1) return { outcome: 'new' }
    const row = this.db.query('SELECT status, final_update FROM commands WHERE id = ?').get(id) as {
      status: CommandState
      final_update: Uint8Array | null
    }
    if ((row.status === 'completed' || row.status === 'failed') && row.final_update) {
      return { outcome: 'finished', finalUpdate: row.final_update }
    }
    return { outcome: 'inProgress', state: row.status === 'running' ? 'running' : 'received' }
  }

  /** Marks a received command as admitted by the safety policy; it counts as running from now on. */
  accept(id: string, now = Date.now()): boolean {
    return this.db.query(`UPDATE commands SET status = 'running', accepted_at = ? WHERE id = ? AND status = 'received'`).run(now, id).changes === 1
  }

  /** Records the final state with the CommandUpdate that reports it (kept for redeliveries). */
  finish(id: string, state: 'completed' | 'failed', finalUpdate: Uint8Array, now = Date.now()): void {
    this.db
      .query(`UPDATE commands SET status = ?, final_update = ?, finished_at = ? WHERE id = ? AND status IN ('received', 'running')`)
      .run(state, finalUpdate, now, id)
  }

  state(id: string): CommandState | undefined {
    const row = this.db.query('SELECT status FROM commands WHERE id = ?').get(id) as { status: CommandState } | null
    return row?.status
  }

  countRunning(): number {
    return (this.db.query(`SELECT count(*) AS n FROM commands WHERE status = 'running'`).get() as { n: number }).n
  }

  /** Acceptance times (epoch ms) after `sinceMs`, oldest first: seeds the rate limiter after a restart. */
  acceptedSince(sinceMs: number): number[] {
    const rows = this.db
      .query('SELECT accepted_at AS at FROM commands WHERE accepted_at > ? ORDER BY accepted_at')
      .all(sinceMs) as { at: number }[]
    return rows.map((row) => row.at)
  }

  /** Commands left unfinished by a previous run of the agent. */
  unfinished(): { id: string; state: 'received' | 'running' }[] {
    return this.db.query(`SELECT id, status AS state FROM commands WHERE status IN ('received', 'running') ORDER BY received_at`).all() as {
      id: string
      state: 'received' | 'running'
    }[]
  }

  /** Forgets finished commands older than `beforeMs`; returns how many. */
  pruneFinished(beforeMs: number): number {
    return this.db.query(`DELETE FROM commands WHERE status IN ('completed', 'failed') AND finished_at < ?`).run(beforeMs).changes
  }
}
