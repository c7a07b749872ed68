/** The latest PolicySet as received (protobuf bytes), so a restarted agent enforces it without the control plane. */
import type { Database } from "bun:sqlite";

export class PolicyStore {
  constructor(private readonly db: Database) {}

  save(payload: Uint8Array, now = Date.now()): void {
    this.db
      .query(
        `INSERT INTO policy_set (id, payload, received_at) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET payload = ?1, received_at = ?2`,
      )
      .run(payload, now);
  }

  load(): Uint8Array | undefined {
    const row = this.db.query("SELECT payload FROM policy_set WHERE id = 1").get() as { payload: Uint8Array } | null;
    return row?.payload;
  }
}
