/** Durable runtime settings in sqlite: the installed runtime version and the machine state (running / stopped). */
import type { Database } from "bun:sqlite";

class RuntimeStateRow {
  constructor(
    private readonly db: Database,
    private readonly name: string,
  ) {}

  get(): string | undefined {
    const row = this.db.query("SELECT value FROM runtime_state WHERE name = ?1").get(this.name) as {
      value: string;
    } | null;
    return row?.value;
  }

  set(value: string, now = Date.now()): void {
    this.db
      .query(
        `INSERT INTO runtime_state (name, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (name) DO UPDATE SET value = ?2, updated_at = ?3`,
      )
      .run(this.name, value, now);
  }
}

/** The version of what the update scripts installed; the binary's own version until the first update. */
export class RuntimeVersionStore {
  private readonly row: RuntimeStateRow;

  constructor(
    db: Database,
    private readonly initial: string,
  ) {
    this.row = new RuntimeStateRow(db, "runtime_version");
  }

  get(): string {
    return this.row.get() ?? this.initial;
  }

  set(version: string): void {
    this.row.set(version);
  }
}

export type MachineState = "running" | "stopped";

/** A stopped machine refuses every command except the runtime control kinds; survives restarts. */
export class MachineStateStore {
  private readonly row: RuntimeStateRow;

  constructor(db: Database) {
    this.row = new RuntimeStateRow(db, "machine_state");
  }

  get(): MachineState {
    return this.row.get() === "stopped" ? "stopped" : "running";
  }

  set(state: MachineState): void {
    this.row.set(state);
  }

  isStopped(): boolean {
    return this.get() === "stopped";
  }
}
