/** The databases integration tests run against: PGlite always, the real PostgreSQL when reachable. */
import postgres from "postgres";
import { randomBytes } from "node:crypto";

export const TEST_POSTGRES_URL = process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export interface Backend {
  name: "pglite" | "postgres";
  /** A fresh, empty database for one control plane (or several sharing it). */
  createDatabase(): Promise<{ databaseUrl?: string; dataDir: string; drop(): Promise<void> }>;
}

let reachable: Promise<boolean> | undefined;

export function postgresReachable(): Promise<boolean> {
  reachable ??= (async () => {
    const sql = postgres(TEST_POSTGRES_URL, { connect_timeout: 2, max: 1, onnotice: () => {} });
    try {
      await sql`select 1`;
      return true;
    } catch {
      return false;
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  })();
  return reachable;
}

const pglite: Backend = {
  name: "pglite",
  async createDatabase() {
    return { dataDir: "memory://", drop: async () => {} };
  },
};

const realPostgres: Backend = {
  name: "postgres",
  async createDatabase() {
    const name = `edge_test_${randomBytes(6).toString("hex")}`;
    const admin = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    await admin.end();
    const url = new URL(TEST_POSTGRES_URL);
    url.pathname = `/${name}`;
    return {
      databaseUrl: url.toString(),
      dataDir: "memory://",
      async drop() {
        const sql = postgres(TEST_POSTGRES_URL, { max: 1, onnotice: () => {} });
        await sql.unsafe(`drop database if exists ${name} with (force)`).catch(() => {});
        await sql.end();
      },
    };
  },
};

/** PGlite, plus PostgreSQL if it answers (CI has it; a bare laptop may not). */
export async function availableBackends(): Promise<Backend[]> {
  if (await postgresReachable()) return [pglite, realPostgres];
  console.warn(`PostgreSQL at ${TEST_POSTGRES_URL} not reachable: running integration tests on PGlite only`);
  return [pglite];
}
