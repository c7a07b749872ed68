/** Opens the database (embedded PGlite or a real PostgreSQL) behind one drizzle interface and migrates it. */
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Either the database or an open transaction: services accept both. */
export type Queryable = Db | Tx;

export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  /** LISTEN on a channel: notifications from every control plane on this database. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /**
   * Watches every statement sent to the database (one call per round trip, BEGIN and COMMIT included) until the
   * returned function is called: statement budgets are tested and benchmarked with it.
   */
  onStatement(listener: StatementListener): () => void;
  close(): Promise<void>;
}

/** The rows of `db.execute(...)`, whichever driver answered (postgres.js: an array; PGlite: `{ rows }`). */
export const rowsOf = (result: unknown): Record<string, unknown>[] =>
  Array.isArray(result) ? result : ((result as { rows?: Record<string, unknown>[] }).rows ?? []);

export type StatementListener = (sql: string) => void;

/** The statement listeners of one database (none in normal operation: then nothing is done per statement). */
class StatementWatch {
  private readonly listeners = new Set<StatementListener>();
  add(listener: StatementListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  emit(sql: string): void {
    for (const listener of this.listeners) listener(sql);
  }
  get active(): boolean {
    return this.listeners.size > 0;
  }
}

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
/** Key of the advisory lock that serialises migrations and bootstrap across control planes. */
export const STARTUP_LOCK = 7_310_001;

export async function openDatabase(opts: { databaseUrl?: string; dataDir: string }): Promise<Database> {
  return opts.databaseUrl ? openPostgres(opts.databaseUrl) : openPglite(opts.dataDir);
}

async function openPostgres(url: string): Promise<Database> {
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  const statements = new StatementWatch();
  const client = postgres(url, {
    max: 10,
    onnotice: () => {},
    debug: (_connection, query) => {
      if (statements.active) statements.emit(query);
    },
  });
  const db = drizzle(client, { schema }) as unknown as Db;
  // Two control planes starting at once: the first migrates, the other waits and finds nothing to do.
  const lockConn = await client.reserve();
  try {
    await lockConn`select pg_advisory_lock(${STARTUP_LOCK})`;
    await migrate(drizzle(client, { schema }), { migrationsFolder });
  } finally {
    await lockConn`select pg_advisory_unlock(${STARTUP_LOCK})`.catch(() => {});
    lockConn.release();
  }
  return {
    db,
    kind: "postgres",
    async listen(channel, onPayload) {
      const { unlisten } = await client.listen(channel, onPayload);
      return unlisten;
    },
    onStatement: (listener) => statements.add(listener),
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const { PgliteWorkerClient } = await import("./pglite-client");
  const inMemory = dataDir.startsWith("memory://");
  const template = templatePath();
  // A new database starts from a migrated template: initdb and the migrations are most of a fresh start.
  // A data directory never initialised (absent or empty) is a copy of the template directory (a native copy:
  // PGlite's own tarball extraction costs more than the open itself); memory:// loads the template tarball.
  if (!inMemory && (!existsSync(dataDir) || readdirSync(dataDir).length === 0)) {
    const templateDir = await migratedTemplateDir(template.dir);
    if (templateDir) cpSync(templateDir, dataDir, { recursive: true });
  }
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  const fromTemplate = inMemory && existsSync(template.tar);
  // PGlite runs on its own thread; drizzle's PGlite driver only needs `query` and `transaction` from it.
  const client = fromTemplate
    ? await PgliteWorkerClient.open(dataDir, template.tar).catch(() => PgliteWorkerClient.open(dataDir))
    : await PgliteWorkerClient.open(dataDir);
  const pg = drizzle(client as never, { schema });
  await migrate(pg, { migrationsFolder });
  if (inMemory && !fromTemplate) await client.dump(template.tar).catch(() => {}); // only an optimisation
  return {
    db: pg as unknown as Db,
    kind: "pglite",
    listen: (channel, onPayload) => client.listen(channel, onPayload),
    onStatement: (listener) => client.onStatement(listener),
    close: () => client.close(),
  };
}

/**
 * The migrated template data directory, created once (initdb + migrations in a staging directory, then renamed:
 * processes racing to create it never expose a partial one). Undefined if it cannot be made (then initdb runs).
 */
async function migratedTemplateDir(dir: string): Promise<string | undefined> {
  if (existsSync(dir)) return dir;
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const { PgliteWorkerClient } = await import("./pglite-client");
  const staging = `${dir}.${process.pid}.${Date.now()}.partial`;
  try {
    const client = await PgliteWorkerClient.open(staging);
    try {
      await migrate(drizzle(client as never, { schema }), { migrationsFolder });
    } finally {
      await client.close();
    }
    renameSync(staging, dir);
  } catch {
    // Another process won the race (the rename found its directory), or the temp dir is unusable.
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return existsSync(dir) ? dir : undefined;
}

/** Where a freshly migrated database is kept, named by the migrations and PGlite's version. */
function templatePath(): { tar: string; dir: string } {
  const hash = createHash("sha256");
  for (const file of readdirSync(migrationsFolder)
    .filter((f) => f.endsWith(".sql"))
    .sort()) {
    hash.update(file).update(readFileSync(join(migrationsFolder, file)));
  }
  hash.update(JSON.stringify(createRequire(import.meta.url)("@electric-sql/pglite/package.json").version));
  const base = join(tmpdir(), `edge-orchestrator-pglite-${hash.digest("hex").slice(0, 16)}`);
  return { tar: `${base}.tar`, dir: `${base}.d` };
}

/** Runs `fn` while holding a transaction-scoped advisory lock (a cluster-wide singleton section). */
export async function withAdvisoryLock<T>(db: Db, key: number, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${key})`);
    return fn(tx);
  });
}
