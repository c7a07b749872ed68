import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { startControlPlane } from "../../control-plane/src/app";
import { availableBackends, postgresReachable } from "../support/backends";
import { ApiClient } from "../support/control-plane";
import { GENERIC_PLAN } from "../../control-plane/src/db/connect";

const backends = await availableBackends();
const base = {
  port: 0,
  mqttPort: 0,
  grpcPort: 0,
  mqttUrl: undefined,
  host: "127.0.0.1",
  logLevel: "silent" as const,
  adminKey: undefined,
  databaseUrl: undefined,
};

describe("embedded PGlite", () => {
  const dir = mkdtempSync(join(tmpdir(), "edge-pglite-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("persists on disk: a restart keeps data and does not mint a second bootstrap key", async () => {
    const first = await startControlPlane({ ...base, dataDir: dir });
    expect(first.database.kind).toBe("pglite");
    const key = first.generatedAdminKey!;
    expect(key).toMatch(/^roz_sk_/);
    const api = new ApiClient(first.url);
    const host = await api.post("/api/v1/hosts", { name: "persisted" }, key);
    expect(host.status).toBe(201);
    await first.stop();

    const second = await startControlPlane({ ...base, dataDir: dir });
    try {
      expect(second.generatedAdminKey).toBeUndefined();
      const again = new ApiClient(second.url);
      const got = await again.get(`/api/v1/hosts/${host.body.id}`, key);
      expect(got.status).toBe(200);
      expect(got.body.name).toBe("persisted");
    } finally {
      await second.stop();
    }
  });
});

describe("embedded PGlite on its own thread", () => {
  let plane: Awaited<ReturnType<typeof startControlPlane>>;
  beforeAll(async () => {
    plane = await startControlPlane({ ...base, dataDir: "memory://", adminKey: `roz_sk_${"w".repeat(40)}` });
  });
  afterAll(() => plane.stop());

  test("a long statement does not stop the HTTP server: /health answers while it runs", async () => {
    const order: string[] = [];
    const slow = plane.database.db.execute(sql`select pg_sleep(3)`).then(() => order.push("statement"));
    await Bun.sleep(200); // the statement is running on the database thread
    const health = await fetch(`${plane.url}/health`).then((r) => r.status);
    order.push("health");
    await slow;
    expect(health).toBe(200);
    expect(order).toEqual(["health", "statement"]);
  });

  test("errors keep Postgres' fields; a failed transaction rolls back; NOTIFY reaches listeners", async () => {
    const { db } = plane.database;
    const failure = (await db.execute(sql`select 1/0`).catch((e) => e)) as { code?: string; cause?: { code?: string } };
    expect(failure.cause?.code ?? failure.code).toBe("22012");
    // A temporary table: the control plane's role (edge_app) may not create tables in the schema.
    await db.execute(sql`create temp table scratch (n int)`);
    const aborted = await db
      .transaction(async (tx) => {
        await tx.execute(sql`insert into scratch values (1)`);
        throw new Error("abort");
      })
      .catch((e: Error) => e.message);
    expect(aborted).toBe("abort");
    await db.transaction(async (tx) => tx.execute(sql`insert into scratch values (2)`));
    const rows = await db.execute(sql`select n from scratch`);
    expect((rows as unknown as { rows: { n: number }[] }).rows).toEqual([{ n: 2 }]);
    const heard = new Promise<string>((resolve) => plane.database.listen("scratch_channel", resolve));
    await Bun.sleep(50);
    await db.execute(sql`select pg_notify('scratch_channel', 'hello')`);
    expect(await heard).toBe("hello");
  });
  test("VACUUM (ANALYZE) runs as the superuser and the session goes back to the application role", async () => {
    const { db } = plane.database;
    const rowsOf = (r: unknown) => (r as { rows: Record<string, unknown>[] }).rows;
    // What the planner knows of the table's size (-1 until it is analyzed; pg_stats hides tables under RLS), and its
    // pages known all-visible (only VACUUM marks them).
    const hosts = async () =>
      rowsOf(
        await db.execute(
          sql`select reltuples::int as n, relallvisible as visible from pg_class where relname = 'hosts'`,
        ),
      )[0]!;
    await new ApiClient(plane.url).post("/api/v1/hosts", { name: "analyzed" }, `roz_sk_${"w".repeat(40)}`);
    expect(await hosts()).toEqual({ n: -1, visible: 0 }); // a new database: never vacuumed (PGlite has no autovacuum)
    await plane.database.maintain();
    const after = await hosts();
    expect(after.n).toBeGreaterThanOrEqual(1);
    expect(after.visible).toBeGreaterThanOrEqual(1);
    expect(rowsOf(await db.execute(sql`select current_user as u`))[0]!.u).toBe("edge_app");
  });

  test("GENERIC_PLAN statements are prepared once: the same rows and types, errors with their code, then reused", async () => {
    const { db } = plane.database;
    const statements: string[] = [];
    const stop = plane.database.onStatement((text) => statements.push(text));
    const rowsOf = (r: unknown) => (r as { rows: Record<string, unknown>[] }).rows;
    const probe = (n: number, at: string) =>
      sql`${sql.raw(GENERIC_PLAN)}select ${n}::int as n, ${at}::timestamptz as at, jsonb_build_object('n', ${n}::int) as j,
        (${JSON.stringify([{ k: n }])}::text::json)->0->>'k' as k, 10 / ${n}::int as q`;
    try {
      const at = "2026-11-26T10:00:00.000Z";
      const plain = rowsOf(
        await db.execute(sql`select 5::int as n, ${at}::timestamptz as at,
        jsonb_build_object('n', 5) as j, '5' as k, 10 / 5 as q`),
      );
      // The prepared path gives what PGlite's own path gives (drizzle's parsers: timestamps as the server's text).
      expect(rowsOf(await db.execute(probe(5, at)))).toEqual(plain);
      // An error in it keeps Postgres' fields, and the session carries on (Sync after the error).
      const failure = (await db.execute(probe(0, at)).catch((e) => e)) as { code?: string; cause?: { code?: string } };
      expect(failure.cause?.code ?? failure.code).toBe("22012");
      for (let n = 1; n <= 20; n++) expect(rowsOf(await db.execute(probe(n, at)))[0]!.j).toEqual({ n });
      expect(
        rowsOf(
          await db.execute(sql`select count(*)::int as c from pg_prepared_statements
        where statement like ${`${GENERIC_PLAN}select $1::int as n%`}`),
        )[0]!.c,
      ).toBe(1);
      expect(statements.filter((s) => s.startsWith(GENERIC_PLAN)).length).toBe(22);
    } finally {
      stop();
    }
  });
});

describe("bootstrap admin", () => {
  test("ADMIN_KEY is installed and works; a malformed one is refused at start-up", async () => {
    const adminKey = `roz_sk_${"k".repeat(40)}`;
    const plane = await startControlPlane({ ...base, dataDir: "memory://", adminKey });
    try {
      expect(plane.generatedAdminKey).toBeUndefined();
      const me = await new ApiClient(plane.url).get("/api/users/me", adminKey);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ role: "admin", isSuperadmin: true });
    } finally {
      await plane.stop();
    }
    await expect(startControlPlane({ ...base, dataDir: "memory://", adminKey: "short" })).rejects.toThrow(/ADMIN_KEY/);
  });
});

describe.skipIf(!(await postgresReachable()))("real PostgreSQL", () => {
  const pg = backends.find((b) => b.name === "postgres")!;

  test("the telemetry partitioning migration (0024) keeps every stored point and puts it in its week", async () => {
    const db = await pg.createDatabase();
    const folder = new URL("../../control-plane/src/db/migrations", import.meta.url).pathname;
    const before = mkdtempSync(join(tmpdir(), "edge-migrations-"));
    const sql = postgres(db.databaseUrl!, { max: 1, onnotice: () => {} });
    try {
      // The migrations up to 0023 only, then points stored in the unpartitioned table.
      cpSync(folder, before, { recursive: true });
      const journal = JSON.parse(readFileSync(join(folder, "meta/_journal.json"), "utf8"));
      const at = journal.entries.findIndex((e: { tag: string }) => e.tag === "0024_telemetry_partitions");
      journal.entries = journal.entries.slice(0, at);
      writeFileSync(join(before, "meta/_journal.json"), JSON.stringify(journal));
      const { drizzle } = await import("drizzle-orm/postgres-js");
      const { migrate } = await import("drizzle-orm/postgres-js/migrator");
      await migrate(drizzle(sql), { migrationsFolder: before });
      expect((await sql`select relkind from pg_class where relname = 'telemetry_points'`)[0]!.relkind).toBe("r");
      await sql.begin(async (tx) => {
        await tx`select set_config('app.tenant_id', '*', true)`;
        await tx`insert into tenants (id, name) values ('t1', 't1')`;
        await tx`insert into hosts (id, tenant_id, name) values ('h1', 't1', 'h1')`;
        await tx`insert into telemetry_points (tenant_id, host_id, seq, name, value, at)
                 select 't1', 'h1', g, 'm', g, now() - (g || ' days')::interval from generate_series(0, 99) g`;
      });

      await migrate(drizzle(sql), { migrationsFolder: folder });
      const rows = await sql.begin(async (tx) => {
        await tx`select set_config('app.tenant_id', '*', true)`;
        return tx`select seq::int, tableoid::regclass::text as part, at < now() - interval '14 days' as old
                    from telemetry_points order by seq`;
      });
      expect(rows.map((r) => r.seq)).toEqual([...Array(100).keys()]);
      // Last week's and this week's points went to their weeks; older ones wait in the default partition.
      for (const r of rows.filter((r) => r.old)) expect(r.part).toBe("telemetry_points_default");
      const recent = rows.filter((r) => r.seq <= 6).map((r) => r.part);
      expect(recent.every((p) => /^telemetry_points_w\d{8}$/.test(p))).toBe(true);
      expect((await sql`select relkind from pg_class where relname = 'telemetry_points'`)[0]!.relkind).toBe("p");
      expect(await sql`select 1 from pg_class where relname = 'telemetry_points_unpartitioned'`).toHaveLength(0);
    } finally {
      await sql.end();
      rmSync(before, { recursive: true, force: true });
      await db.drop();
    }
  });

  test("two control planes starting at once on an empty database migrate and bootstrap exactly once", async () => {
    const db = await pg.createDatabase();
    const adminKey = `roz_sk_${"c".repeat(40)}`;
    const start = () => startControlPlane({ ...base, databaseUrl: db.databaseUrl, dataDir: "memory://", adminKey });
    const planes = await Promise.all([start(), start()]);
    const sql = postgres(db.databaseUrl!, { max: 1, onnotice: () => {} });
    try {
      for (const plane of planes) expect(plane.database.kind).toBe("postgres");
      const [{ count: migrations }] = await sql`select count(*)::int as count from drizzle.__drizzle_migrations`;
      const journal = await Bun.file(
        new URL("../../control-plane/src/db/migrations/meta/_journal.json", import.meta.url),
      ).json();
      expect(migrations).toBe(journal.entries.length);
      const [{ count: admins }] = await sql`select count(*)::int as count from users where is_superadmin`;
      expect(admins).toBe(1);
      const [{ count: keys }] = await sql`select count(*)::int as count from api_keys`;
      expect(keys).toBe(1);
      // both serve the same data
      const made = await new ApiClient(planes[0]!.url).post("/api/v1/hosts", { name: "shared" }, adminKey);
      expect((await new ApiClient(planes[1]!.url).get(`/api/v1/hosts/${made.body.id}`, adminKey)).status).toBe(200);

      // a restart on a migrated database changes nothing
      await Promise.all(planes.map((p) => p.stop()));
      const again = await start();
      await again.stop();
      const [{ count: after }] = await sql`select count(*)::int as count from drizzle.__drizzle_migrations`;
      expect(after).toBe(migrations);
    } finally {
      await sql.end();
      await db.drop();
    }
  });
});
