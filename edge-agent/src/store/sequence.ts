/** Durable monotonically increasing counters (e.g. telemetry point seq). */
import type { Database } from 'bun:sqlite'

export class Sequence {
  constructor(
    private readonly db: Database,
    private readonly name: string,
  ) {}

  /** Reserves `count` consecutive values and returns the first. Never reuses a value, even across restarts. */
  reserve(count = 1): number {
    const row = this.db
      .query(
        `INSERT INTO counters (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = value + ?2 RETURNING value`,
      )
      .get(this.name, count) as { value: number }
    return row.value - count + 1
  }
}
