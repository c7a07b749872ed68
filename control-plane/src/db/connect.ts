/** Opens the database (embedded PGlite or a real PostgreSQL) behind one drizzle interface and migrates it. */
import { fileURLToPath } from "node:url";
import { mkdirSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";
import { hasNul, jsonDepth } from "../lib/json-guard";

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Either the database or an open transaction: services accept both. */
export type Queryable = Db | Tx;

export interface Database {
  db: Db;
  kind: "pglite" | "postgres";
  /** LISTEN on a channel: notifications from every control plane on this database. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
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
  const client = postgres(url, { max: 10, onnotice: () => {} });
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
    close: () => client.end({ timeout: 5 }),
  };
}

async function openPglite(dataDir: string): Promise<Database> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  if (!dataDir.startsWith("memory://")) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir);
  guardParameters(client);
  const pg = drizzle(client, { schema });
  await migrate(pg, { migrationsFolder });
  return {
    db: pg as unknown as Db,
    kind: "pglite",
    async listen(channel, onPayload) {
      const unlisten = await client.listen(channel, onPayload);
      return () => unlisten();
    },
    close: () => client.close(),
  };
}

/**
 * Deepest JSON a query parameter may carry into PGlite. PGlite is PostgreSQL compiled to WebAssembly: parsing a
 * jsonb value nested a few thousand levels deep (5,000 is fine, 6,000 is not) evidently overflows the engine's
 * C stack before PostgreSQL's `max_stack_depth` check (2 MB) notices, corrupting its memory: the statement itself
 * or the next error it raises (a NUL in a text value, say) never returns, and the process spins at 100 % CPU,
 * answering nothing. A lower `max_stack_depth` catches some depths but not all, so it is no fix. The transports
 * refuse such input long before (request guard, agent inbox); this is the last line.
 */
export const PGLITE_MAX_JSON_DEPTH = 100;

/** Why a parameter must not reach PGlite, as the PostgreSQL error it would (safely) be, or undefined. */
function unsafeParameter(value: unknown): { code: string; message: string } | undefined {
  if (value === null || value === undefined || typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return undefined;
  if (value instanceof Date || value instanceof Uint8Array) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const bad = unsafeParameter(item);
      if (bad) return bad;
    }
    return undefined;
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (typeof text !== "string") return undefined;
  const json = text[0] === "[" || text[0] === "{";
  // In JSON text a NUL is the escape \u0000 (unless its backslash is itself escaped, as in "\\u0000").
  if (hasNul(text) || (json && /(^|[^\\])(\\\\)*\\u0000/.test(text))) return { code: "22021", message: "invalid byte sequence: NUL characters are not allowed" };
  if (json && jsonDepth(text, PGLITE_MAX_JSON_DEPTH) > PGLITE_MAX_JSON_DEPTH) {
    return { code: "54001", message: `JSON value nested deeper than ${PGLITE_MAX_JSON_DEPTH} levels` };
  }
  return undefined;
}

/** Checks every parameter of every query (and of queries inside transactions) before PGlite sees it. */
function guardParameters(client: import("@electric-sql/pglite").PGlite) {
  const check = (params: unknown[] | undefined) => {
    for (const param of params ?? []) {
      const bad = unsafeParameter(param);
      if (bad) throw Object.assign(new Error(bad.message), { code: bad.code });
    }
  };
  const query = client.query.bind(client);
  client.query = ((text: string, params?: unknown[], options?: unknown) => {
    check(params);
    return query(text, params, options as never);
  }) as typeof client.query;
  const transaction = client.transaction.bind(client);
  client.transaction = ((fn: (tx: Parameters<Parameters<typeof transaction>[0]>[0]) => Promise<unknown>) =>
    transaction((tx) =>
      fn(
        Object.assign(Object.create(tx), {
          query: (text: string, params?: unknown[], options?: unknown) => {
            check(params);
            return tx.query(text, params, options as never);
          },
        }),
      ),
    )) as typeof client.transaction;
}

/** Runs `fn` while holding a transaction-scoped advisory lock (a cluster-wide singleton section). */
export async function withAdvisoryLock<T>(db: Db, key: number, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${key})`);
    return fn(tx);
  });
}
