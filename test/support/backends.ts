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

export const TEST_MQTT_URL = process.env.TEST_MQTT_URL ?? "mqtt://127.0.0.1:1883";

/** Whether the external broker (Mosquitto in CI) accepts TCP connections. */
export async function mqttReachable(): Promise<boolean> {
  const { hostname, port } = new URL(TEST_MQTT_URL);
  const { createConnection } = await import("node:net");
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port || 1883) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}
