/**
 * Global search (`GET /api/web/search`) is PostgreSQL full text: `websearch_to_tsquery` syntax, every term also a
 * prefix, ranked with `ts_rank`, answered from the GIN expression indexes of migration 0020 — on PGlite and on
 * PostgreSQL. Tenant isolation holds (RLS and the services' tenant filter); EXPLAIN shows the indexes in use.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { sql, type SQLWrapper } from "drizzle-orm";
import { asSystem, withTenant } from "../../control-plane/src/db/context";
import { availableBackends } from "../support/backends";
import { createTenant, startTestPlane, type TestPlane } from "../support/control-plane";

type Hit = { id: string; name?: string; title?: string; key?: string; rank: number };
const rowsOf = (result: unknown) =>
  ((result as { rows?: Record<string, unknown>[] }).rows ?? (result as Record<string, unknown>[])) as Record<
    string,
    unknown
  >[];

describe.each(await availableBackends())("full-text search on $name", (backend) => {
  let t: TestPlane;
  let a: { tenantId: string; key: string };
  let b: { tenantId: string; key: string };
  const search = async (key: string, q: string) => {
    const res = await t.api.get(`/api/web/search?q=${encodeURIComponent(q)}&limit=20`, key);
    expect(res.status).toBe(200);
    return res.body as { machines: Hit[]; tasks: Hit[]; projects: Hit[] };
  };

  beforeAll(async () => {
    t = await startTestPlane(backend);
    a = await createTenant(t, `search-a-${crypto.randomUUID().slice(0, 6)}`);
    b = await createTenant(t, `search-b-${crypto.randomUUID().slice(0, 6)}`);
    for (const [key, name, labels] of [
      [a.key, "robot-1", { site: "lyon" }],
      [a.key, "robot-12", { site: "paris" }],
      [a.key, "arm-robot-1", { site: "lyon" }],
      [a.key, "conveyor", { role: "robotics" }],
      [b.key, "robot-1", { site: "berlin" }],
    ] as const) {
      const res = await t.api.post("/api/v1/hosts", { name, labels }, key);
      expect(res.status).toBe(201);
    }
    const project = await t.api.post(
      "/api/admin/projects",
      { key: "warehouse", name: "Warehouse picking", pipeline: [{ name: "ship", kind: "agent" }] },
      a.key,
    );
    expect(project.status).toBe(201);
    for (const description of [
      "calibrate the gripper on robot-1",
      "deploy firmware to the warehouse robots",
      "deploy the dashboard",
    ]) {
      const res = await t.api.post("/api/web/tasks", { projectKey: "warehouse", description }, a.key);
      expect(res.status).toBe(201);
    }
  });
  afterAll(() => t?.stop());

  test("a prefix finds whole names ('rob' → robot-1); an exact name ranks first; label values are searched", async () => {
    const rob = await search(a.key, "rob");
    expect(rob.machines.map((m) => m.name).sort()).toEqual(["arm-robot-1", "conveyor", "robot-1", "robot-12"]);
    const exact = await search(a.key, "robot-1");
    expect(exact.machines[0]!.name).toBe("robot-1");
    expect(exact.machines[0]!.rank).toBeGreaterThan(exact.machines[1]!.rank);
    // robot-12 matches "robot" followed by a word starting with "-1": found, after the exact name.
    expect(exact.machines.map((m) => m.name)).toContain("robot-12");
    expect((await search(a.key, "lyon")).machines.map((m) => m.name).sort()).toEqual(["arm-robot-1", "robot-1"]);
    // Ranks are real numbers, best first.
    const ranks = rob.machines.map((m) => m.rank);
    expect([...ranks].sort((x, y) => y - x)).toEqual(ranks);
  });

  test("websearch syntax: words in any order, quoted phrases, or, -excluded; punctuation alone matches nothing", async () => {
    const titles = async (q: string) => (await search(a.key, q)).tasks.map((x) => x.title).sort();
    expect(await titles("robots deploy")).toEqual(["deploy firmware to the warehouse robots"]);
    expect(await titles("deploy")).toEqual(["deploy firmware to the warehouse robots", "deploy the dashboard"]);
    expect(await titles('"deploy the"')).toEqual(["deploy the dashboard"]);
    expect(await titles("gripper or dashboard")).toEqual(["calibrate the gripper on robot-1", "deploy the dashboard"]);
    expect(await titles("deploy -dashboard")).toEqual(["deploy firmware to the warehouse robots"]);
    expect(await titles("calib")).toEqual(["calibrate the gripper on robot-1"]);
    expect((await search(a.key, "Ware")).projects.map((p) => p.key)).toEqual(["warehouse"]);
    expect((await search(a.key, "picking")).projects.map((p) => p.key)).toEqual(["warehouse"]);
    for (const q of ["%", "'", "!", "&|", "()", ":*", "\\"])
      expect(await search(a.key, q)).toMatchObject({ machines: [], tasks: [], projects: [] });
  });

  test("a task is found by its id", async () => {
    const [task] = (await search(a.key, "gripper")).tasks;
    expect((await search(a.key, task!.id)).tasks.map((x) => x.id)).toEqual([task!.id]);
  });

  test("tenant isolation: the same name in another tenant is not found", async () => {
    const other = await search(b.key, "robot");
    expect(other.machines.map((m) => m.name)).toEqual(["robot-1"]);
    expect(other.tasks).toEqual([]);
    expect(other.projects).toEqual([]);
    expect((await search(b.key, "lyon")).machines).toEqual([]);
    expect((await search(a.key, "berlin")).machines).toEqual([]);
  });

  test("EXPLAIN: each search is answered by its GIN expression index", async () => {
    const db = t.plane.database.db;
    // Enough rows that an index is the sensible plan anyway; seq scans off so the check is deterministic.
    await asSystem("test: bulk rows for the planner", async () => {
      await db.execute(
        sql`insert into hosts (id, tenant_id, name) select 'host_bulk' || g, ${a.tenantId}, 'bulk-' || g from generate_series(1, 3000) g`,
      );
      await db.execute(
        sql`insert into tasks (id, tenant_id, prompt) select 'tsk_bulk' || g, ${a.tenantId}, 'routine job ' || g from generate_series(1, 3000) g`,
      );
      await db.execute(
        sql`insert into projects (id, tenant_id, key, name, pipeline) select 'prj_bulk' || g, ${a.tenantId}, 'bulk' || g, 'Bulk ' || g, '[]'::jsonb from generate_series(1, 3000) g`,
      );
    });
    // Fresh statistics (ANALYZE is the owner's: the session's own role, not the control plane's edge_app).
    await db.transaction(async (tx) => {
      await tx.execute(sql`set local role postgres`);
      await tx.execute(sql`analyze hosts, tasks, projects`);
    });
    const plan = (query: SQLWrapper) =>
      withTenant(a.tenantId, () =>
        db.transaction(async (tx) => {
          await tx.execute(sql`set local enable_seqscan = off`);
          return rowsOf(await tx.execute(sql`explain ${query}`))
            .map((r) => Object.values(r)[0])
            .join("\n");
        }),
      );
    const { hosts, tasks, projects } = t.plane.services;
    expect(await plan(hosts.search(a.tenantId, "robot", 10))).toContain("hosts_search_idx");
    expect(await plan(tasks.search(a.tenantId, "gripper", 10))).toContain("tasks_search_idx");
    expect(await plan(projects.search(a.tenantId, "ware", 10))).toContain("projects_search_idx");
    // And the answers are still right with 9000 more rows.
    expect((await search(a.key, "rob")).machines).toHaveLength(4);
    expect((await search(a.key, "bulk-2999")).machines[0]!.name).toBe("bulk-2999");
  });
});
