/** Dynamic app ports: assigned once from the configured range and kept in agent.db, so they survive restarts. */
import type { Database } from "bun:sqlite";
import { RuntimeError } from "./errors.ts";

export interface PortRange {
  from: number;
  to: number;
}

export class PortAllocator {
  constructor(
    private readonly db: Database,
    private readonly range: PortRange,
  ) {}

  /** The port of (workspace, app, name): the stored one, or a free one from the range (stored). */
  assign(workspaceId: string, app: string, name: string): number {
    const row = this.db
      .query("SELECT port FROM app_ports WHERE workspace_id = ?1 AND app = ?2 AND name = ?3")
      .get(workspaceId, app, name) as { port: number } | null;
    if (row) return row.port;
    const taken = new Set((this.db.query("SELECT port FROM app_ports").all() as { port: number }[]).map((r) => r.port));
    const size = this.range.to - this.range.from + 1;
    // Start at a point derived from the key, so apps spread over the range instead of racing for its first ports.
    const start = Number(Bun.hash(`${workspaceId}/${app}/${name}`) % BigInt(size));
    for (let i = 0; i < size; i++) {
      const port = this.range.from + ((start + i) % size);
      if (taken.has(port) || !bindable(port)) continue;
      this.db
        .query("INSERT INTO app_ports (workspace_id, app, name, port) VALUES (?1, ?2, ?3, ?4)")
        .run(workspaceId, app, name, port);
      return port;
    }
    throw new RuntimeError("unavailable", `no free port left in ${this.range.from}-${this.range.to}`);
  }

  /** Forgets a workspace's ports (workspace deleted). */
  release(workspaceId: string): void {
    this.db.query("DELETE FROM app_ports WHERE workspace_id = ?1").run(workspaceId);
  }
}

function bindable(port: number): boolean {
  try {
    const server = Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } });
    server.stop(true);
    return true;
  } catch {
    return false;
  }
}

/** Parses "from-to". */
export function parsePortRange(raw: string): PortRange {
  const match = /^(\d{1,5})-(\d{1,5})$/.exec(raw.trim());
  const from = Number(match?.[1]);
  const to = Number(match?.[2]);
  if (!match || from < 1 || to > 65_535 || from > to) throw new Error(`must be from-to within 1-65535, got "${raw}"`);
  return { from, to };
}
