/**
 * Emergency stop latch: while engaged, nothing runs. Two independent sources, either one stops the machine:
 * - remote: EmergencyStop messages from the control plane; the highest generation wins and is latched in sqlite,
 *   so a restarted agent is still stopped. Only a reset (engaged = false, with a higher generation) releases it.
 * - local: the file `ESTOP` in the state dir (create it, or send the agent SIGUSR1, which creates it). Works with
 *   no network at all. Only removing the file releases it: a remote reset never overrides a person at the machine.
 */
import type { Database } from "bun:sqlite";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { EmergencyStop } from "@edge/proto/wire";

export const ESTOP_FILE_NAME = "ESTOP";
export const EMERGENCY_STOP_PREFIX = "emergency stop";

interface RemoteStop {
  generation: number;
  engaged: boolean;
  reason: string;
}

export interface EstopState {
  estopGeneration: number;
  remoteEngaged: boolean;
  localEngaged: boolean;
  localReason: string;
}

export class EmergencyStopLatch {
  private remote: RemoteStop;
  private local: { engaged: boolean; reason: string } = { engaged: false, reason: "" };

  /** `file` = the local stop file; undefined = no local stop (unit tests). */
  constructor(
    private readonly db: Database,
    readonly file?: string,
  ) {
    const row = db.query(`SELECT value FROM runtime_state WHERE name = 'estop'`).get() as { value: string } | null;
    this.remote = row ? readLatch(row.value) : { generation: 0, engaged: false, reason: "" };
    this.pollLocal();
  }

  isEngaged(): boolean {
    return this.remote.engaged || this.local.engaged;
  }

  /** The refusal/kill reason while engaged: `emergency stop (remote|local): <reason>`. */
  describe(): string {
    const parts: string[] = [];
    if (this.remote.engaged) parts.push(`remote: ${this.remote.reason || "no reason given"}`);
    if (this.local.engaged) parts.push(`local: ${this.local.reason || "ESTOP file present"}`);
    return `${EMERGENCY_STOP_PREFIX} (${parts.join("; ")})`;
  }

  state(): EstopState {
    return {
      estopGeneration: this.remote.generation,
      remoteEngaged: this.remote.engaged,
      localEngaged: this.local.engaged,
      localReason: this.local.reason,
    };
  }

  /** Latches a newer remote stop or reset durably (before returning); 'stale' for an old or repeated generation. */
  applyRemote(message: EmergencyStop, now = Date.now()): "changed" | "stale" {
    if (message.generation <= this.remote.generation) return "stale";
    const next: RemoteStop = { generation: message.generation, engaged: message.engaged, reason: message.reason };
    this.db
      .query(
        `INSERT INTO runtime_state (name, value, updated_at) VALUES ('estop', ?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = ?1, updated_at = ?2`,
      )
      .run(JSON.stringify(next), now);
    this.remote = next;
    return "changed";
  }

  /** Re-reads the local stop file; true if the local state changed. */
  pollLocal(): boolean {
    if (!this.file) return false;
    const engaged = existsSync(this.file);
    let reason = "";
    if (engaged) {
      try {
        reason = readFileSync(this.file, "utf8").split("\n")[0]!.trim().slice(0, 200);
      } catch {
        // Unreadable (permissions, removed meanwhile): still a stop.
      }
    }
    const changed = engaged !== this.local.engaged || (engaged && reason !== this.local.reason);
    this.local = { engaged, reason };
    return changed;
  }

  /** Engages the local stop by creating the file (SIGUSR1). */
  engageLocal(reason: string): void {
    if (!this.file) return;
    if (!existsSync(this.file)) writeFileSync(this.file, `${reason}\n`, { mode: 0o644 });
  }
}

/** A latch row that cannot be read fails closed: stopped until the control plane sends a reset. */
function readLatch(json: string): RemoteStop {
  try {
    const value = JSON.parse(json) as Partial<RemoteStop>;
    if (typeof value.generation === "number" && typeof value.engaged === "boolean") {
      return { generation: value.generation, engaged: value.engaged, reason: String(value.reason ?? "") };
    }
  } catch {
    // fall through
  }
  return { generation: 0, engaged: true, reason: "stored emergency stop state is unreadable" };
}
