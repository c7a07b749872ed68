/**
 * The role × route matrix: every route of the OpenAPI document must have a rule in the permission table, and each
 * role gets what the rule says — allowed (never 401/403; 200 for reads of existing resources), 403 for a role short
 * of it, 404 for another tenant's resources and for a project (or its tasks) the caller is no member of.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PERMISSIONS, permissionKey, type Rule } from "../../control-plane/src/modules/access/permissions";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";

const backends = await availableBackends();
const pipeline = [{ name: "ship", kind: "agent", idempotent: true }];
const RANK = { viewer: 0, developer: 1, maintainer: 2 } as const;

type RoleName = "outsider" | "viewer" | "developer" | "maintainer" | "tenantAdmin" | "otherTenantSuperadmin";
const ROLE_ORDER: RoleName[] = [
  "outsider",
  "viewer",
  "developer",
  "maintainer",
  "otherTenantSuperadmin",
  "tenantAdmin",
];

interface Route {
  method: string;
  path: string;
  rule: Rule | undefined;
  schema?: unknown;
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  minLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  minItems?: number;
  items?: JsonSchema;
};

/** A small value the schema accepts: required fields, or the first field when none is required. */
function sample(schema: JsonSchema): unknown {
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return sample(options[0]!);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object": {
      const props = schema.properties ?? {};
      const names = schema.required?.length ? schema.required : Object.keys(props).slice(0, 1);
      return Object.fromEntries(names.map((name) => [name, sample(props[name] ?? {})]));
    }
    case "array":
      return Array.from({ length: schema.minItems ?? 0 }, () => sample(schema.items ?? {}));
    case "integer":
    case "number":
      return Math.max(schema.minimum ?? 1, 1);
    case "boolean":
      return true;
    case "string": {
      if (schema.format === "date-time") return new Date(Date.now() + 3_600_000).toISOString();
      const candidates = ["matrix", "matrix@example.com", "a", "A1", "0", "2030-01-01T00:00:00Z", "x".repeat(64)];
      const length = Math.max(schema.minLength ?? 1, 1);
      const fits = (c: string) => c.length >= length && (!schema.pattern || new RegExp(schema.pattern).test(c));
      return candidates.find(fits) ?? "m".repeat(length);
    }
    default:
      return {};
  }
}

/** What a role may do under a rule (before tenancy). */
function allowed(rule: Rule, role: RoleName): boolean {
  const admin = role === "tenantAdmin" || role === "otherTenantSuperadmin";
  switch (rule.access) {
    case "public":
    case "user":
      return true;
    case "tenantAdmin":
      return admin;
    case "installationAdmin":
      return role === "otherTenantSuperadmin";
    case "project":
      return admin || (role in RANK && RANK[role as keyof typeof RANK] >= RANK[rule.role]);
  }
}

describe.each(backends)("permissions on $name", (backend) => {
  let t: TestPlane;
  const tokens = {} as Record<RoleName, string>;
  const ids: Record<string, string> = {};
  let routes: Route[] = [];

  beforeAll(async () => {
    t = await startTestPlane(backend);
    const tenant = await t.api.post("/api/v1/tenants", { name: "acme" }, t.adminKey);
    const admin = tenant.body.apiKey.key as string;
    tokens.tenantAdmin = admin;
    tokens.otherTenantSuperadmin = t.adminKey;
    const post = async (path: string, body: unknown) => {
      const res = await t.api.post(path, body, admin);
      if (res.status !== 201 && res.status !== 200)
        throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    ids.project = (await post("/api/admin/projects", { key: "fw", name: "Firmware", pipeline })).key;
    for (const role of ["outsider", "viewer", "developer", "maintainer"] as const) {
      const user = await post("/api/admin/developers", { name: `acme-${role}`, password: `${role} password` });
      ids[role] = user.id;
      if (role !== "outsider") await post(`/api/admin/projects/fw/members`, { developerId: user.id, role });
      const session = await t.api.post("/api/auth/login", { username: `acme-${role}`, password: `${role} password` });
      tokens[role] = session.body.accessToken;
    }
    ids.environment = (await post("/api/v1/environments", { name: "lab" })).id;
    ids.host = (await post("/api/v1/hosts", { name: "robot-1", environmentId: ids.environment })).id;
    ids.command = (await post("/api/v1/commands", { hostId: ids.host, kind: "echo" })).id;
    ids.policy = (
      await post("/api/v1/safety-policies", { name: "p", rules: { exec: { allowedCommands: ["echo"] } } })
    ).id;
    ids.trigger = (
      await post("/api/v1/triggers", { name: "tr", kind: "event", event: "host.offline", task: { prompt: "x" } })
    ).id;
    ids.identity = (await post("/api/runtime/identities", { hostId: ids.host })).id;
    ids.workerToken = (await post("/api/admin/worker-tokens", { name: "wt" })).id;
    ids.task = (await post("/api/web/tasks", { projectKey: "fw", description: "build it" })).id;

    const doc = (await t.api.get("/openapi/json")).body;
    routes = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
        .map((method) => {
          const pattern = path.replace(/\{([^}]+)\}/g, ":$1");
          const op = ops[method] as { requestBody?: { content?: Record<string, { schema?: unknown }> } };
          return {
            method: method.toUpperCase(),
            path: pattern,
            rule: PERMISSIONS[permissionKey(method, pattern)],
            schema: op.requestBody?.content?.["application/json"]?.schema,
          };
        }),
    );
  });
  afterAll(() => t?.stop());

  /** The path with fixture ids of tenant "acme" for its parameters. */
  function concrete(path: string): { url: string; hasResource: boolean } {
    let hasResource = false;
    const url = path.replace(/:(\w+)/g, (_, name: string) => {
      hasResource = true;
      if (name === "key" || name === "projectKey") return ids.project!;
      const fixture =
        [
          ["/api/v1/environments/", ids.environment],
          ["/api/v1/hosts/", ids.host],
          ["/api/v1/commands/", ids.command],
          ["/api/v1/safety-policies/", ids.policy],
          ["/api/v1/triggers/", ids.trigger],
          ["/api/runtime/identities/", ids.identity],
          ["/api/web/machines/", ids.host],
          ["/api/admin/machines/", ids.host],
          ["/api/agents/", ids.host],
          ["/api/v1/tasks/", ids.task],
          ["/api/web/tasks/", ids.task],
          ["/api/web/workspaces/", ids.task],
          ["/api/web/workspace-tunnel/", ids.task],
          ["/api/admin/developers/", ids.outsider],
          ["/api/admin/worker-tokens/", ids.workerToken],
        ].find(([prefix]) => path.startsWith(prefix!))?.[1] ?? "missing-id";
      return fixture!;
    });
    // Required query parameters.
    const query = path.endsWith("/members")
      ? `?developerId=${ids.outsider}`
      : path === "/api/web/search"
        ? "?q=fw"
        : "";
    return { url: `${url}${query}`, hasResource };
  }

  /** A body the route's schema accepts (so answers are about access, not validation); tasks name project "fw". */
  const bodyFor = (method: string, path: string, schema: unknown) => {
    const bare = path.replace(/\/$/, "");
    if (method === "POST" && bare === "/api/web/tasks") return { projectKey: "fw", description: "from the matrix" };
    if (method === "POST" && bare === "/api/v1/tasks") return { prompt: "from the matrix", projectKey: "fw" };
    return schema ? sample(schema) : undefined;
  };

  test("every route in the OpenAPI document has a permission rule", () => {
    expect(routes.length).toBeGreaterThan(100);
    const missing = routes.filter((r) => !r.rule).map((r) => `${r.method} ${r.path}`);
    expect(missing).toEqual([]);
    // And no rule for a route that does not exist (routes hidden from the document aside).
    const documented = new Set(routes.map((r) => permissionKey(r.method, r.path)));
    const hidden = new Set([
      "GET /openapi",
      "GET /openapi/json",
      "GET /auth/device",
      "GET /.well-known/jwks.json",
      // The forwarded runtime API passes the agent's answers through (agent-runtime-forwarding.test.ts checks it).
      ...["GET", "POST", "PUT", "PATCH", "DELETE"].map((m) => `${m} /api/v1/hosts/:id/runtime/*`),
      // The web console's static files.
      "GET /",
      "GET /console",
      "GET /console/*",
    ]);
    expect(Object.keys(PERMISSIONS).filter((key) => !documented.has(key) && !hidden.has(key))).toEqual([]);
  });

  test("project roles: a developer creates tasks in their project only; a maintainer manages its members", async () => {
    const other = await t.api.post(
      "/api/admin/projects",
      { key: "other", name: "Other", pipeline },
      tokens.tenantAdmin,
    );
    expect(other.status).toBe(201);
    const dev = tokens.developer;
    expect((await t.api.post("/api/web/tasks", { projectKey: "fw", description: "ok" }, dev)).status).toBe(201);
    expect((await t.api.post("/api/web/tasks", { projectKey: "other", description: "no" }, dev)).status).toBe(404);
    expect((await t.api.post("/api/v1/tasks", { prompt: "no project" }, dev)).status).toBe(403);
    expect((await t.api.get("/api/web/projects/other", dev)).status).toBe(404);
    const maintainer = tokens.maintainer;
    const added = await t.api.post(
      "/api/web/projects/fw/members",
      { developerId: ids.outsider, role: "viewer" },
      maintainer,
    );
    expect(added.status).toBe(201);
    expect((await t.api.get("/api/web/projects/fw", tokens.outsider)).status).toBe(200);
    const removed = await t.api.request("DELETE", `/api/web/projects/fw/members?developerId=${ids.outsider}`, {
      token: maintainer,
    });
    expect(removed.status).toBe(200);
    expect((await t.api.get("/api/web/projects/fw", tokens.outsider)).status).toBe(404);
    expect((await t.api.post("/api/web/projects/fw/members", { developerId: ids.outsider }, dev)).status).toBe(403);
    const audit = await t.api.get("/api/admin/audit-logs?action=project.member_add", tokens.tenantAdmin);
    expect(audit.body.items.length).toBeGreaterThan(0);
  });

  test("every role × every route: allowed, 403 or (other tenant) 404", async () => {
    const failures: string[] = [];
    // Reads first, deletions last: an allowed deletion must not take away the fixtures of later checks.
    const order = { GET: 0, PUT: 1, POST: 2, PATCH: 2, DELETE: 3 } as Record<string, number>;
    const sorted = [...routes].filter((r) => r.rule && r.rule.access !== "public");
    sorted.sort((a, b) => (order[a.method] ?? 9) - (order[b.method] ?? 9));
    for (const route of sorted) {
      for (const role of ROLE_ORDER) {
        const rule = route.rule!;
        const { url, hasResource } = concrete(route.path);
        const res = await t.api.request(route.method, url, {
          token: tokens[role],
          body: bodyFor(route.method, route.path, route.schema),
        });
        const where = `${role} ${route.method} ${url} (${rule.access}${"role" in rule ? `:${rule.role}` : ""})`;
        if (!allowed(rule, role)) {
          // A project (or its task) the caller is no member of is invisible: 404, as one that does not exist.
          const expected = rule.access === "project" && role === "outsider" ? 404 : 403;
          if (res.status !== expected) failures.push(`${where}: expected ${expected}, got ${res.status}`);
        } else if (role === "otherTenantSuperadmin" && hasResource && rule.access !== "installationAdmin") {
          if (res.status !== 404) failures.push(`${where}: expected 404 (other tenant), got ${res.status}`);
        } else if (res.status === 401 || res.status === 403) {
          failures.push(`${where}: expected access, got ${res.status} ${JSON.stringify(res.body)}`);
        } else if (
          route.method === "GET" &&
          role !== "otherTenantSuperadmin" &&
          !url.includes("missing-id") &&
          res.status !== 200 &&
          !(url.endsWith("/pending-confirm") && res.status === 409) // the task waits for no confirmation
        ) {
          failures.push(`${where}: expected 200, got ${res.status} ${JSON.stringify(res.body)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 300_000);
});
