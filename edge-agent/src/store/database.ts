/** The agent's local state: one SQLite file (WAL) holding identity, outbox, command log, policies and counters. */
import { Database } from "bun:sqlite";
import { chmodSync, existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";

/** Each entry upgrades the schema by one version (PRAGMA user_version). Append only. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE identity (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    runtime_id TEXT NOT NULL,
    agent_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    host_id TEXT NOT NULL,
    access_token TEXT NOT NULL,
    access_token_expires_at INTEGER NOT NULL,
    refresh_token TEXT NOT NULL,
    refresh_token_expires_at INTEGER NOT NULL,
    refresh_due_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    topic TEXT NOT NULL,
    payload BLOB NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE commands (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('received', 'running', 'completed', 'failed')),
    received_at INTEGER NOT NULL,
    accepted_at INTEGER,
    finished_at INTEGER,
    final_update BLOB
  );
  CREATE INDEX commands_by_status ON commands (status);
  CREATE INDEX commands_by_accepted_at ON commands (accepted_at) WHERE accepted_at IS NOT NULL;
  CREATE INDEX commands_by_finished_at ON commands (finished_at) WHERE finished_at IS NOT NULL;
  CREATE TABLE policy_set (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    payload BLOB NOT NULL,
    received_at INTEGER NOT NULL
  );
  CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
  );
  `,
  // Outbox seqs are session frame seqs, deduped by the control plane against a high-water mark: like Sequence,
  // start them at the current time in microseconds so a wiped and re-bootstrapped agent never reuses old ones.
  `
  INSERT INTO sqlite_sequence (name, seq) SELECT 'outbox', 0 WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'outbox');
  UPDATE sqlite_sequence SET seq = max(seq, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)) WHERE name = 'outbox';
  `,
  // Small durable settings of the runtime itself: its installed version and its machine state (running/stopped).
  `
  CREATE TABLE runtime_state (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  // Operator cancellation: set on a known command, or on a tombstone row (status 'failed', no final_update)
  // for a cancel that arrived before its command.
  `
  ALTER TABLE commands ADD COLUMN cancel_reason TEXT;
  `,
  // The workspace runtime (runtime/): workspaces, their snapshots, apps (desired state, the live process) and the
  // ports assigned to them (stable across restarts), agent runs.
  `
  CREATE TABLE workspaces (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    template TEXT,
    metadata TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE workspace_snapshots (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    label TEXT,
    size_bytes INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE app_ports (
    workspace_id TEXT NOT NULL,
    app TEXT NOT NULL,
    name TEXT NOT NULL,
    port INTEGER NOT NULL UNIQUE,
    PRIMARY KEY (workspace_id, app, name)
  );
  CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL,
    desired TEXT NOT NULL CHECK (desired IN ('running', 'stopped')),
    pid INTEGER,
    instance TEXT,
    built_hash TEXT,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE agent_runs (
    id TEXT PRIMARY KEY,
    workspace_id TEXT,
    agent_type TEXT NOT NULL,
    prompt TEXT NOT NULL,
    status TEXT NOT NULL,
    result TEXT,
    error TEXT,
    events TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    finished_at INTEGER
  );
  `,
];

export class StateDirError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateDirError";
  }
}

/**
 * Opens (creating if needed) `agent.db` in `stateDir`. The file holds tokens, so it is private to the
 * user, and it is locked exclusively: a second agent on the same state dir fails instead of double-running commands.
 */
export function openAgentDatabase(stateDir: string): Database {
  try {
    if (!existsSync(stateDir)) mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new StateDirError(`cannot create state dir ${stateDir}: ${(error as Error).message}`);
  }
  const path = join(stateDir, "agent.db");
  let db: Database;
  try {
    db = new Database(path, { create: true, strict: true });
    chmodSync(path, 0o600);
    // Exclusive before WAL: no shared-memory index, and nobody else can open the file while we run.
    db.exec("PRAGMA locking_mode = EXCLUSIVE");
    db.exec("PRAGMA journal_mode = WAL");
    // FULL: a command recorded as received must survive power loss, or it could run twice.
    db.exec("PRAGMA synchronous = FULL");
    migrate(db);
  } catch (error) {
    const message = (error as Error).message;
    const hint = /locked|busy/i.test(message) ? " (is another edge agent running with this state dir?)" : "";
    throw new StateDirError(`cannot open ${path}: ${message}${hint}`);
  }
  return db;
}

/** An in-memory database with the same schema, for tests. */
export function openMemoryDatabase(): Database {
  const db = new Database(":memory:", { strict: true });
  migrate(db);
  return db;
}

function migrate(db: Database): void {
  const { user_version: current } = db.query("PRAGMA user_version").get() as { user_version: number };
  if (current > MIGRATIONS.length) {
    throw new Error(`agent.db schema version ${current} is newer than this agent understands (${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]!);
      db.exec(`PRAGMA user_version = ${version + 1}`);
    })();
  }
}
