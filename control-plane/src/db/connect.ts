/** Opens the database (embedded PGlite or a real PostgreSQL) behind one drizzle interface and migrates it. */
import { GENERIC_PLAN } from "./pglite-protocol";
import { migrationsFolder, openPgliteClient, takePreopened } from "./pglite-open";
import { sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { APP_ROLE, SYSTEM_SETTING, TENANT_SETTING, currentSetting } from "./context";
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
  /** How busy the connections are now (the metrics' database pool gauges). */
  poolUse(): { max: number; active: number; waiting: number };
  /**
   * VACUUM (ANALYZE) of every table now, as the tables' owner: dead rows' space made reusable, the planner's
   * statistics gathered. Done by itself otherwise: PostgreSQL's autovacuum, PGlite's own schedule (openPglite).
   */
  maintain(): Promise<void>;
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

/** Key of the advisory lock that serialises migrations and bootstrap across control planes. */
export const STARTUP_LOCK = 7_310_001;

export async function openDatabase(opts: {
  databaseUrl?: string;
  dataDir: string;
  /** Connections of each PostgreSQL pool (system, tenant-scoped); default DEFAULT_POOL_SIZE. */
  databasePoolSize?: number;
}): Promise<Database> {
  return opts.databaseUrl
    ? openPostgres(opts.databaseUrl, opts.databasePoolSize ?? DEFAULT_POOL_SIZE)
    : openPglite(opts.dataDir);
}

async function openPostgres(url: string, poolSize: number): Promise<Database> {
  const SYSTEM_POOL = poolSize;
  const SCOPED_POOL = poolSize;
  const { default: postgres } = await import("postgres");
  const { drizzle } = await import("drizzle-orm/postgres-js");
  const { migrate } = await import("drizzle-orm/postgres-js/migrator");
  // The connecting role migrates (it owns the tables) and listens; every other statement runs as APP_ROLE.
  const admin = postgres(url, { max: 2, idle_timeout: 30, onnotice: () => {} });
  const statements = new StatementWatch();
  const debug = (_connection: number, query: string) => {
    if (statements.active) statements.emit(query);
  };
  // Two control planes starting at once: the first migrates, the other waits and finds nothing to do.
  const lockConn = await admin.reserve();
  let useRole = false;
  try {
    await lockConn`select pg_advisory_lock(${STARTUP_LOCK})`;
    await migrate(drizzle(admin, { schema }), { migrationsFolder });
    await lockConn`select edge_enforce_tenant_rls()`; // tables added since get the policy and the grants
    const [row] = await lockConn`select case when exists (select from pg_roles where rolname = ${APP_ROLE})
      then pg_has_role(current_user, ${APP_ROLE}, 'MEMBER') else false end as "useRole"`;
    useRole = row?.useRole === true;
  } finally {
    await lockConn`select pg_advisory_unlock(${STARTUP_LOCK})`.catch(() => {});
    lockConn.release();
  }
  // Without the role (no right to create it), the connecting role is subject to the FORCE'd policies itself.
  const role = useRole ? { role: APP_ROLE } : {};
  // The array types were read once, by the admin connection above: the system pools' connections reuse them instead
  // of each reading them again when it opens (postgres.js does not await that read, so a pool closed while one of
  // its connections was opening — background work at shutdown — failed with an unhandled CONNECTION_CLOSED). The
  // scoped pool still reads them: postgres.js's `reserve()` never resolves on a new connection that does not.
  const noTypeFetch = { fetch_types: false } as const;
  const system = postgres(url, {
    ...noTypeFetch,
    max: SYSTEM_POOL,
    onnotice: () => {},
    debug,
    connection: { ...role, [TENANT_SETTING]: SYSTEM_SETTING },
  });
  const scoped = postgres(url, { max: SCOPED_POOL, onnotice: () => {}, debug, connection: role });
  // System statements marked GENERIC_PLAN: prepared once per connection and never planned again (see GENERIC_PLAN).
  const generic = postgres(url, {
    ...noTypeFetch,
    max: GENERIC_POOL,
    onnotice: () => {},
    debug,
    connection: { ...role, [TENANT_SETTING]: SYSTEM_SETTING, plan_cache_mode: "force_generic_plan" },
  });
  const use = { system: 0, scoped: 0 };
  const db = drizzle(contextClient(system, scoped, generic, use) as never, { schema }) as unknown as Db;
  // drizzle set its value parsers on the client it was given (system's options): every pool uses the same, with
  // the array types the admin connection read.
  for (const pool of [system, generic, scoped]) {
    Object.assign(pool.options.parsers, admin.options.parsers, system.options.parsers);
    Object.assign(pool.options.serializers, admin.options.serializers, system.options.serializers);
    Object.assign(shared(pool).typeArrayMap, shared(admin).typeArrayMap);
  }
  return {
    db,
    kind: "postgres",
    async listen(channel, onPayload) {
      const { unlisten } = await admin.listen(channel, onPayload);
      return unlisten;
    },
    onStatement: (listener) => statements.add(listener),
    maintain: async () => {
      await admin`vacuum (analyze)`;
    },
    poolUse: () => ({
      max: SYSTEM_POOL + SCOPED_POOL + GENERIC_POOL,
      active: use.system + use.scoped,
      waiting: Math.max(0, use.system - SYSTEM_POOL) + Math.max(0, use.scoped - SCOPED_POOL),
    }),
    close: async () => {
      // Work still in flight finishes first (up to 5 s): a scoped connection it opened is still reading the array
      // types, a read postgres.js does not await, so ending the pool under it was an unhandled CONNECTION_CLOSED.
      for (const until = Date.now() + 5_000; use.system + use.scoped > 0 && Date.now() < until; )
        await new Promise((resolve) => setTimeout(resolve, 10));
      await Promise.all([
        system.end({ timeout: 5 }),
        scoped.end({ timeout: 5 }),
        generic.end({ timeout: 5 }),
        admin.end({ timeout: 5 }),
      ]);
    },
  };
}

type Sql = import("postgres").Sql;
/** postgres.js's per-client state that `options` carries but its types do not declare. */
const shared = (client: Sql) =>
  (client.options as unknown as { shared: { typeArrayMap: Record<number, number> } }).shared;
/**
 * Connections of the system pool and of the tenant-scoped pool each (DATABASE_POOL_SIZE). A task creation holds a
 * scoped connection for its transaction's round trips: with 5 the task path was pool-bound at concurrency 64.
 */
const DEFAULT_POOL_SIZE = 20;
/**
 * Connections for the system statements marked GENERIC_PLAN (the agents' report batches and the command creations'
 * batches: 2 in flight each).
 */
const GENERIC_POOL = 4;

/**
 * Starts a hot statement whose planning costs more than its execution (a long CTE over tables with Row Level
 * Security: 2-15 ms of planning for ~0.6 ms of execution). drizzle sends its statements unnamed, so PostgreSQL plans
 * each one every time; a statement starting with this marker is prepared instead (named, once per connection and
 * text) and planned once, its generic plan used from then on (`plan_cache_mode = force_generic_plan`: the system
 * context's own pool, the tenant pool's session setting sent with the statement; `auto` would keep re-planning as
 * custom plans look cheaper). Only for statements whose plan does not depend on their parameters' values (lookups
 * and joins on keys) and whose texts are few (the prepared statements stay cached). PGlite's worker prepares them
 * too (pglite-worker.ts).
 */
export { GENERIC_PLAN };
const isGeneric = (query: string) => query.startsWith(GENERIC_PLAN);

/**
 * The postgres.js surface drizzle uses (`unsafe`, `begin`, `options`), routed by the current database context
 * (./context.ts): system work goes to the pool whose sessions say `app.tenant_id = '*'`, unchanged; tenant (or no)
 * context goes to the other pool with one `set_config` pipelined before each statement (same round trip), or one
 * `set_config(..., true)` at the start of a transaction.
 */
function contextClient(system: Sql, scoped: Sql, generic: Sql, use: { system: number; scoped: number }) {
  const setConfig = (q: Sql, setting: string, local: boolean, plan = "auto") =>
    q`select set_config(${TENANT_SETTING}, ${setting}, ${local}), set_config('plan_cache_mode', ${plan}, ${local})`;
  /** Counts `work` in flight on `pool` while it runs. */
  const counted = async <T>(pool: "system" | "scoped", work: () => PromiseLike<T>): Promise<T> => {
    use[pool]++;
    try {
      return await work();
    } finally {
      use[pool]--;
    }
  };
  return {
    options: system.options,
    unsafe(query: string, params?: unknown[], given?: { prepare?: boolean }) {
      const setting = currentSetting();
      // drizzle prepares only named queries: a GENERIC_PLAN statement is prepared (once per connection and text).
      const options = isGeneric(query) ? { ...given, prepare: true } : given;
      let values = false;
      const run = async () => {
        if (setting === SYSTEM_SETTING) {
          const statement = (isGeneric(query) ? generic : system).unsafe(query, params as never, options);
          return values ? statement.values() : statement;
        }
        const conn = await scoped.reserve();
        try {
          const statement = conn.unsafe(query, params as never, options);
          const [set, result] = await Promise.allSettled([
            setConfig(conn, setting, false, isGeneric(query) ? "force_generic_plan" : "auto"),
            values ? statement.values() : statement,
          ]);
          if (set.status === "rejected") throw set.reason;
          if (result.status === "rejected") throw result.reason;
          return result.value;
        } finally {
          conn.release();
        }
      };
      const pending = {
        values() {
          values = true;
          return pending;
        },
        // biome-ignore lint/suspicious/noThenProperty: drizzle awaits what `unsafe` returns, as postgres.js's query
        then<A, B>(onFulfilled?: (rows: unknown) => A, onRejected?: (error: unknown) => B) {
          return counted(setting === SYSTEM_SETTING ? "system" : "scoped", run).then(onFulfilled, onRejected);
        },
      };
      return pending;
    },
    begin<T>(fn: (tx: Sql) => Promise<T>) {
      const setting = currentSetting();
      if (setting === SYSTEM_SETTING) return counted("system", () => system.begin(fn as never));
      return counted("scoped", () =>
        scoped.begin((tx) => {
          // Sent with the transaction's first statement; a failure aborts the transaction, so that statement fails.
          setConfig(tx as unknown as Sql, setting, true)
            .execute()
            .catch(() => {});
          return fn(tx as unknown as Sql);
        }),
      );
    },
  };
}

/** When the embedded database is vacuumed and analyzed (it has no autovacuum): first, and then every. */
const PGLITE_MAINTENANCE_FIRST_MS = 30_000;
const PGLITE_MAINTENANCE_EVERY_MS = 10 * 60_000;

async function openPglite(dataDir: string): Promise<Database> {
  const { drizzle } = await import("drizzle-orm/pglite");
  const { migrate } = await import("drizzle-orm/pglite/migrator");
  const { client, dumpTemplateTo } = await (takePreopened(dataDir) ?? openPgliteClient(dataDir));
  const pg = drizzle(client as never, { schema });
  await migrate(pg, { migrationsFolder });
  await client.query("select edge_enforce_tenant_rls()");
  if (dumpTemplateTo) await client.dump(dumpTemplateTo).catch(() => {}); // only an optimisation
  // PGlite's one session is a superuser's, which RLS never applies to: it continues as the application role.
  await client.query(`set role ${APP_ROLE}`);
  // PGlite has no autovacuum: without this its planner never had statistics (it chose plans for empty tables: reading
  // a host's latest telemetry sorted every point of the host) and the space of deleted or updated rows (telemetry
  // past retention, every command's transitions) was never reused. Soon after start, then periodically; it holds
  // the database thread ~0.2-0.4 s with a million telemetry points stored.
  const maintain = () => client.maintain(APP_ROLE);
  const scheduled = () => maintain().catch(() => {}); // closing meanwhile: nothing to do
  const firstMaintenance = setTimeout(scheduled, PGLITE_MAINTENANCE_FIRST_MS);
  const maintaining = setInterval(scheduled, PGLITE_MAINTENANCE_EVERY_MS);
  firstMaintenance.unref();
  maintaining.unref();
  return {
    db: pg as unknown as Db,
    kind: "pglite",
    listen: (channel, onPayload) => client.listen(channel, onPayload),
    onStatement: (listener) => client.onStatement(listener),
    poolUse: () => ({ max: 1, active: client.inFlight, waiting: Math.max(0, client.inFlight - 1) }),
    maintain,
    close: () => {
      clearTimeout(firstMaintenance);
      clearInterval(maintaining);
      return client.close();
    },
  };
}

/** Runs `fn` while holding a transaction-scoped advisory lock (a cluster-wide singleton section). */
export async function withAdvisoryLock<T>(db: Db, key: number, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${key})`);
    return fn(tx);
  });
}
