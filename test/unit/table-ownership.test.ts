/**
 * One owning module per table: no module, transport or library outside a table's owner names that table, neither as
 * a drizzle table (a value import from db/schema) nor in raw SQL (`from hosts`, `update tasks`, ...). Others call
 * the owner's service. The scan is textual and fast; it runs over control-plane/src (db/ excepted).
 */
import { describe, expect, test } from "bun:test";
import { Glob } from "bun";
import { join, relative } from "node:path";

const SRC = join(import.meta.dir, "../../control-plane/src");

/** Table (drizzle name in db/schema.ts) → the module (control-plane/src/modules/<owner>) that owns it. */
const OWNERS: Record<string, string> = {
  tenants: "tenants",
  users: "people",
  signingKeys: "auth",
  apiKeys: "auth",
  deviceCodes: "auth",
  systemSettings: "settings",
  runtimeIdentities: "runtime",
  sessionTokens: "sessions",
  environments: "environments",
  environmentPolicies: "environments",
  safetyPolicies: "safety-policies",
  policyProposals: "safety-policies",
  hosts: "hosts",
  telemetryPoints: "hosts",
  hostSafety: "safety",
  commands: "commands",
  idempotencyKeys: "commands",
  commandBatches: "fleets",
  triggers: "triggers",
  projects: "projects",
  projectMembers: "projects",
  tasks: "tasks",
  taskStageRuns: "tasks",
  taskEvents: "tasks",
  taskLogs: "tasks",
  workerTokens: "workers",
  agentSessions: "agents",
  releases: "updates",
  releaseKeys: "updates",
  releaseScripts: "updates",
  updateGrants: "updates",
  delegations: "delegations",
  auditEvents: "audit",
  consumerKeys: "consumers",
  consumerSettings: "consumers",
  fleets: "fleets",
  rollouts: "rollouts",
  rolloutHosts: "rollouts",
  rolloutEvents: "rollouts",
  appManifests: "apps",
  hostPolicies: "safety-policies",
  taskBatches: "fleets",
  notifications: "notifications",
  ptyChannels: "pty",
  workspaceTunnels: "pty",
  gatewayTokens: "gateway",
  billingAccounts: "billing",
  usageLedger: "billing",
  runtimeSpendPolicies: "billing",
  spendRequests: "billing",
  usageWebhookReceipts: "billing",
  billingPayments: "billing",
  chatBots: "chatbots",
  chatBindings: "chatbots",
  chatOutbox: "chatbots",
  chatIdentities: "chatbots",
  chatLinkCodes: "chatbots",
  chatBotKeys: "chatbots",
};

/**
 * Known offenders tolerated for a while, each with its reason (the test fails on a stale entry). Empty: every
 * cross-owner access goes through the owner's service, or an SQL fragment / subquery it hands out. Keep it empty;
 * an entry is a debt to repay. `file` is relative to control-plane/src.
 */
const ALLOWED: { file: string; table: string; why: string }[] = [];

/** `export const x = pgTable("sql_name", ...)` → x → sql_name. */
function tablesOf(schema: string): Map<string, string> {
  const tables = new Map<string, string>();
  for (const m of schema.matchAll(/export const (\w+)\s*=\s*pgTable\(\s*"(\w+)"/g)) tables.set(m[1]!, m[2]!);
  return tables;
}

/** The drizzle tables a source file names (value imports of db/schema) and the SQL tables its templates name. */
export function referencedTables(source: string, tables: Map<string, string>): Set<string> {
  const found = new Set<string>();
  for (const m of source.matchAll(/import\s*(type\s+)?\{([^}]*)\}\s*from\s*"[./]*db\/schema(?:\.ts)?"/g)) {
    if (m[1]) continue; // `import type { ... }`: types only
    for (const part of m[2]!.split(",")) {
      const name = part.trim();
      if (!name || name.startsWith("type ")) continue;
      const imported = name.split(/\s+as\s+/)[0]!;
      if (tables.has(imported)) found.add(imported);
    }
  }
  const bySql = new Map([...tables].map(([name, sqlName]) => [sqlName, name]));
  // Raw SQL lives in template literals: `sql\`... from tasks t ...\``.
  for (const template of source.matchAll(/`[^`]*`/g)) {
    for (const m of template[0].matchAll(/\b(?:from|join|update|into|table)\s+"?(\w+)"?/gi)) {
      const name = bySql.get(m[1]!.toLowerCase());
      if (name) found.add(name);
    }
  }
  return found;
}

/** The module a file belongs to (`modules/<name>/...`), or undefined for app, services, transport, lib, http. */
const moduleOf = (file: string) => /^modules\/([^/]+)\//.exec(file)?.[1];

async function scan() {
  const tables = tablesOf(await Bun.file(join(SRC, "db/schema.ts")).text());
  const uses: { file: string; table: string }[] = [];
  for (const path of new Glob("**/*.ts").scanSync(SRC)) {
    const file = relative(SRC, join(SRC, path));
    if (file.startsWith("db/")) continue;
    for (const table of referencedTables(await Bun.file(join(SRC, file)).text(), tables)) uses.push({ file, table });
  }
  return { tables, uses };
}

describe("table ownership", () => {
  test("every table has exactly one declared owner, and every owner is a module", async () => {
    const { tables } = await scan();
    expect([...tables.keys()].filter((t) => !(t in OWNERS))).toEqual([]);
    expect(Object.keys(OWNERS).filter((t) => !tables.has(t))).toEqual([]);
    const modules = new Set(
      [...new Glob("modules/*/").scanSync({ cwd: SRC, onlyFiles: false })].map((p) => p.split("/")[1]),
    );
    expect(Object.values(OWNERS).filter((m) => !modules.has(m))).toEqual([]);
  });

  test("no code outside a table's owner touches that table (but the commented allow-list)", async () => {
    const { uses } = await scan();
    const allowed = (u: { file: string; table: string }) =>
      ALLOWED.some((a) => a.file === u.file && a.table === u.table);
    const offenders = uses
      .filter((u) => moduleOf(u.file) !== OWNERS[u.table] && !allowed(u))
      .map((u) => `${u.file} touches ${u.table} (owned by modules/${OWNERS[u.table]})`);
    expect(offenders).toEqual([]);
  });

  test("the allow-list holds no stale entry (remove an entry once its offender is fixed)", async () => {
    const { uses } = await scan();
    const stale = ALLOWED.filter((a) => !uses.some((u) => u.file === a.file && u.table === a.table));
    expect(stale).toEqual([]);
  });

  test("the scanner sees imports and raw SQL, and skips type-only imports", async () => {
    const tables = new Map([
      ["hosts", "hosts"],
      ["tasks", "tasks"],
      ["taskEvents", "task_events"],
      ["commands", "commands"],
    ]);
    const source = [
      'import { type commands, hosts } from "../../db/schema";',
      'import type { tasks } from "../../db/schema";',
      "const q = sql`insert into task_events (id) values (1)`;",
      "// comes from tasks (a comment, not SQL)",
    ].join("\n");
    expect([...referencedTables(source, tables)].sort()).toEqual(["hosts", "taskEvents"]);
    // The real tree: the owners are seen using their own tables.
    const { uses } = await scan();
    expect(uses).toContainEqual({ file: "modules/hosts/service.ts", table: "hosts" });
    expect(uses).toContainEqual({ file: "modules/tasks/slots.ts", table: "tasks" });
  });
});
