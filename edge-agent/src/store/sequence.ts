/** Durable monotonically increasing counters (e.g. telemetry point seq). */
import type { Database } from "bun:sqlite";

export class Sequence {
  constructor(
    private readonly db: Database,
    private readonly name: string,
  ) {}

  /**
   * Reserves `count` consecutive values and returns the first. Never reuses a value, even across restarts.
   * A new counter starts at the current time in microseconds, so an agent whose state was wiped and
   * re-bootstrapped continues above its old values instead of colliding with them.
   */
  reserve(count = 1): number {
    const row = this.db
      .query(
        `INSERT INTO counters (name, value) VALUES (?1, ?3 + ?2)
         ON CONFLICT (name) DO UPDATE SET value = value + ?2 RETURNING value`,
      )
      .get(this.name, count, Date.now() * 1000) as { value: number };
    return row.value - count + 1;
  }
}
