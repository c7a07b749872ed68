/** Reference floors that benchmarks measure in the same run as what they compare with them. */
import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import mqtt, { type IClientOptions } from "mqtt";
import type { ControlPlane } from "../control-plane/src/app";
import { rowsOf } from "../control-plane/src/db/connect";

/** Bare MQTT QoS 1 publish → receive round trips (ms) on `url`, one at a time. */
export async function bareMqttRoundTrip(url: string, credentials: IClientOptions, n: number): Promise<number[]> {
  const client = await mqtt.connectAsync(url, { ...credentials, clientId: `bench-echo-${Date.now()}` });
  const name = `bench/echo/${Date.now()}`;
  await client.subscribeAsync(name, { qos: 1 });
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const received = new Promise<void>((resolve) => client.once("message", () => resolve()));
    const t0 = performance.now();
    client.publish(name, Buffer.from(String(i)), { qos: 1 });
    await received;
    out.push(performance.now() - t0);
  }
  await client.endAsync();
  return out;
}

/** Statements on a scratch table, bypassing the control plane: `$1`… parameters, resolves when done. */
export interface BareDatabase {
  kind: "postgres" | "pglite";
  run(text: string, params?: unknown[]): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * A plain connection to the control plane's database for the bare floors (its scratch tables are not the control
 * plane's business: the control plane's own connections run as the application role, which may not create tables).
 * PostgreSQL: a pool of its own (as many connections as the control plane's main pool) as the connecting role of
 * `databaseUrl`. PGlite: the same in-process instance (there is only one session); the scratch table is created as
 * the session's superuser (`set local role none` in its transaction) and granted to the application role, whose
 * statements then run on it as every other statement of the control plane does.
 */
export async function bareDatabase(plane: {
  config: { databaseUrl?: string };
  database: {
    db: {
      execute(q: unknown): Promise<unknown>;
      transaction<T>(fn: (tx: { execute(q: unknown): Promise<unknown> }) => Promise<T>): Promise<T>;
    };
  };
}): Promise<BareDatabase> {
  const url = plane.config.databaseUrl;
  if (url) {
    const { default: postgres } = await import("postgres");
    const pool = postgres(url, { max: 10, onnotice: () => {} });
    return {
      kind: "postgres",
      run: (text, params = []) => pool.unsafe(text, params as never[], { prepare: true }),
      close: () => pool.end({ timeout: 5 }),
    };
  }
  const { sql } = await import("drizzle-orm");
  const { db } = plane.database;
  const toSql = (text: string, params: unknown[]) => {
    // "… $1 … $2 …" → [text, "1", text, "2", text]: odd entries name parameters.
    const parts = text.split(/\$(\d+)/);
    return sql.join(
      parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${params[Number(part) - 1]}`)),
      sql``,
    );
  };
  return {
    kind: "pglite",
    async run(text, params = []) {
      if (/^\s*(create|drop)\s/i.test(text)) {
        const table = /table\s+(?:if\s+(?:not\s+)?exists\s+)?(\w+)/i.exec(text)?.[1];
        return db.transaction(async (tx) => {
          await tx.execute(sql`set local role none`);
          await tx.execute(toSql(text, params));
          if (table && /^\s*create/i.test(text)) await tx.execute(sql.raw(`grant all on ${table} to edge_app`));
        });
      }
      return db.execute(toSql(text, params));
    },
    close: async () => {},
  };
}

/**
 * CPU time (user + system, ms) used so far by this database's PostgreSQL backends on this machine (/proc); undefined
 * on PGlite (the database is this process). Connections closed meanwhile are not counted (the pools stay open).
 */
export async function databaseCpuMs(plane: ControlPlane): Promise<number | undefined> {
  if (plane.database.kind !== "postgres") return undefined;
  const pids = rowsOf(
    await plane.database.db.execute(sql`select pid from pg_stat_activity where datname = current_database()`),
  ).map((r) => Number(r.pid));
  let ticks = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15 of stat)
    } catch {}
  }
  return ticks * 10; // 100 ticks per second
}
