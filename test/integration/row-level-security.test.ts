/**
 * Tenant isolation in the database itself: PostgreSQL Row Level Security on every tenant-owned table
 * (migration 0012_tenant_rls, db/context.ts). Queries here deliberately forget their tenant filter.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import postgres from "postgres";
import { sql } from "drizzle-orm";
import { asSystem, inRequest, setRequestScope, tenantScope, withTenant } from "../../control-plane/src/db/context";
import { environments, hosts } from "../../control-plane/src/db/schema";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";

const rowsOf = (result: unknown) => (result as { rows: Record<string, unknown>[] }).rows ?? (result as never);

describe.each(await availableBackends())("row level security on $name", (backend) => {
  let t: TestPlane;
  const tenants: Record<"a" | "b", { tenantId: string; key: string; hostId: string }> = {} as never;

  beforeAll(async () => {
    t = await startTestPlane(backend);
    for (const name of ["a", "b"] as const) {
      const tenant = await createTenant(t, `rls-${name}`);
      const env = await t.api.post("/api/v1/environments", { name: `env-${name}` }, tenant.key);
      const host = await t.api.post("/api/v1/hosts", { name: `host-${name}`, environmentId: env.body.id }, tenant.key);
      expect(host.status).toBe(201);
      tenants[name] = { ...tenant, hostId: host.body.id };
    }
  });
  afterAll(() => t?.stop());

  const db = () => t.plane.database.db;

  test("a query that forgets its tenant filter still returns only the caller's rows", async () => {
    const { a, b } = tenants;
    // No WHERE tenant_id at all, through the control plane's own database handle.
    const hostsOf = (tenantId: string) => withTenant(tenantId, () => db().select().from(hosts));
    const seenByA = await hostsOf(a.tenantId);
    expect(seenByA.map((h) => h.id)).toEqual([a.hostId]);
    expect((await hostsOf(b.tenantId)).map((h) => h.id)).toEqual([b.hostId]);
    // Raw SQL and transactions alike.
    const raw = await withTenant(a.tenantId, () => db().execute(sql`select tenant_id from hosts`));
    expect(rowsOf(raw).map((r) => r.tenant_id)).toEqual([a.tenantId]);
    const inTx = await withTenant(b.tenantId, () => db().transaction((tx) => tx.select().from(environments)));
    expect(inTx.map((e) => e.tenantId)).toEqual([b.tenantId]);
    // An UPDATE without WHERE changes the caller's rows only; writing another tenant's row is refused.
    await withTenant(a.tenantId, () => db().update(environments).set({ description: "touched by a" }));
    const all = await asSystem("test: check every tenant", () => db().select().from(environments));
    expect(all.filter((e) => e.description === "touched by a").map((e) => e.tenantId)).toEqual([a.tenantId]);
    const smuggled = withTenant(a.tenantId, () =>
      db()
        .insert(environments)
        .values({ id: `env_${crypto.randomUUID()}`, tenantId: b.tenantId, name: "smuggled" }),
    );
    const refused = await smuggled.then(
      () => "stored",
      (error: Error & { cause?: Error }) => (error.cause ?? error).message,
    );
    expect(refused).toMatch(/row-level security/);
    // The system context (explicit) sees every tenant's rows.
    const everyHost = await asSystem("test: spans tenants", () => db().select().from(hosts));
    expect(everyHost.map((h) => h.id)).toEqual(expect.arrayContaining([a.hostId, b.hostId]));
  });

  test("a request whose caller is not settled yet sees nothing; then only its tenant", async () => {
    const { a } = tenants;
    const seen = await inRequest(async () => {
      const before = await db().select().from(hosts);
      const beforeTx = await db().transaction((tx) => tx.select().from(hosts));
      setRequestScope(tenantScope(a.tenantId)); // what the access guard does once it knows the caller
      const after = await db().select().from(hosts);
      return { before, beforeTx, after };
    });
    expect(seen.before).toEqual([]);
    expect(seen.beforeTx).toEqual([]);
    expect(seen.after.map((h) => h.id)).toEqual([a.hostId]);
    // And over HTTP, the tenants still get their own hosts.
    expect((await t.api.get("/api/v1/hosts", a.key)).body.items.map((h: { id: string }) => h.id)).toEqual([a.hostId]);
  });

  test("every tenant-owned table has forced RLS with the tenant policy; statements run as a role without BYPASSRLS", async () => {
    const unprotected = await db().execute(sql`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r'
        and exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped)
        and (not c.relrowsecurity or not c.relforcerowsecurity
             or not exists (select from pg_policy p where p.polrelid = c.oid and p.polname = 'tenant_isolation'))`);
    expect(rowsOf(unprotected)).toEqual([]);
    const owned = await db().execute(sql`
      select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind = 'r' and c.relforcerowsecurity`);
    expect(rowsOf(owned)[0]!.n).toBeGreaterThan(30);
    for (const run of [
      (fn: () => Promise<unknown>) => withTenant(tenants.a.tenantId, fn),
      (fn: () => Promise<unknown>) => asSystem("test", fn),
    ]) {
      const who = rowsOf(
        await run(() =>
          db().execute(
            sql`select current_user as "user", rolbypassrls, rolsuper from pg_roles where rolname = current_user`,
          ),
        ),
      );
      expect(who).toEqual([{ user: "edge_app", rolbypassrls: false, rolsuper: false }]);
    }
  });

  test.if(backend.name === "postgres")(
    "in the database itself: the application role without a tenant setting reads nothing",
    async () => {
      const client = postgres(t.databaseUrl!, { max: 1, onnotice: () => {} });
      try {
        const rows = await client.begin(async (tx) => {
          await tx`set local role edge_app`;
          const none = await tx`select id from hosts`;
          await tx`select set_config('app.tenant_id', ${tenants.b.tenantId}, true)`;
          const onlyB = await tx`select id from hosts`;
          return { none, onlyB };
        });
        expect(rows.none.length).toBe(0);
        expect(rows.onlyB.map((r) => r.id)).toEqual([tenants.b.hostId]);
      } finally {
        await client.end();
      }
    },
  );
});
