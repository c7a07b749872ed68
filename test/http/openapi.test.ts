/**
 * Fast HTTP-concern tests through `app.handle()` (no server, no broker; an in-memory PGlite behind the services):
 * the OpenAPI document declares a 2xx response schema that names its fields (no `AnyObject`, but in the allowed
 * modules) and the error model for every operation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHttpApp } from "../../control-plane/src/app";
import { loadConfig } from "../../control-plane/src/config";
import { openDatabase, type Database } from "../../control-plane/src/db/connect";
import { createLogger } from "@edge/proto/log";
import { createServices } from "../../control-plane/src/services";

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

const METHODS = ["get", "put", "post", "delete", "patch"];

/** Operations whose 2xx answers may be declared as any object (`AnyObject`): none any more. */
const UNTYPED_ALLOWED: string[] = [];

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
}

/** An object schema that names no field (`AnyObject`), or a list (`Items`, `Page`) of such objects. */
function untyped(schema: JsonSchema | undefined): boolean {
  if (!schema || schema.type !== "object") return false;
  const properties = Object.keys(schema.properties ?? {});
  if (properties.length === 0) return !schema.patternProperties;
  const items = schema.properties?.items;
  return properties.every((p) => p === "items" || p === "nextCursor") && untyped(items?.items);
}
let database: Database;
let app: ReturnType<typeof createHttpApp>;
const adminKey = `roz_sk_${"a".repeat(40)}`;
/** Answers that broke their declared schema (Elysia reports them; the error handler logs and answers 500). */
const schemaBreaks: unknown[] = [];

beforeAll(async () => {
  const config = loadConfig({}, { dataDir: "memory://", logLevel: "silent" });
  database = await openDatabase(config);
  const services = createServices(database.db, config, {
    ...createLogger("silent"),
    error: (msg, err) => schemaBreaks.push(`${msg}: ${String(err).slice(0, 500)}`),
  });
  await services.tenants.bootstrap(adminKey);
  app = createHttpApp(services);
}, 60_000);
afterAll(() => database?.close());

const get = (path: string) => app.handle(new Request(`http://localhost${path}`));

/** An authenticated JSON call; the answer's status and body. */
async function call(method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${adminKey}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await app.handle(
    new Request(`http://localhost${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

describe("OpenAPI document", () => {
  test("every operation declares a 2xx response schema and the error model", async () => {
    const res = await get("/openapi/json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as OpenApiDocument;
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(operations.length).toBeGreaterThan(90);
    const schemaOf = (op: Operation, status: string, type?: string) => {
      const content = op.responses?.[status]?.content ?? {};
      return (type ? content[type] : Object.values(content)[0])?.schema;
    };
    const withoutSuccess = operations
      .filter(({ op }) => !Object.keys(op.responses ?? {}).some((s) => /^2\d\d$/.test(s) && schemaOf(op, s)))
      .map((o) => o.name);
    expect(withoutSuccess).toEqual([]);
    // Every 2xx answer names its fields: no `AnyObject` (nor a list of them), but in the allowed modules.
    const anyObjectOnly = operations
      .filter(({ name }) => !UNTYPED_ALLOWED.some((prefix) => name.split(" ")[1]!.startsWith(prefix)))
      .filter(({ op }) =>
        Object.keys(op.responses ?? {}).some(
          (s) => /^2\d\d$/.test(s) && untyped(schemaOf(op, s, "application/json") as JsonSchema | undefined),
        ),
      )
      .map((o) => o.name);
    expect(anyObjectOnly).toEqual([]);
    // The check sees what it must refuse.
    expect(untyped({ type: "object", properties: {} })).toBe(true);
    expect(untyped({ type: "object", properties: { items: { type: "array", items: { type: "object" } } } })).toBe(true);
    expect(untyped({ type: "object", properties: { id: { type: "string" } } })).toBe(false);
    const withoutErrors = operations
      .filter(({ op }) => {
        const error = schemaOf(op, "400", "application/json") as { properties?: Record<string, unknown> } | undefined;
        return !error?.properties?.error;
      })
      .map((o) => o.name);
    expect(withoutErrors).toEqual([]);
  });

  test("an error answer has the declared error model", async () => {
    const res = await get("/api/v1/hosts");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: expect.any(String) });
  });
});

describe("answers conform to their response schemas", () => {
  test("the main resources, created, read, listed, changed and deleted, answer as declared", async () => {
    const ok = async (method: string, path: string, body?: unknown) => {
      const res = await call(method, path, body);
      expect({ method, path, status: res.status, body: res.status < 300 ? "" : res.body }).toEqual({
        method,
        path,
        status: expect.any(Number),
        body: "",
      });
      return res.body;
    };
    const env = await ok("POST", "/api/v1/environments", { name: "lab" });
    await ok("GET", "/api/v1/environments");
    await ok("GET", `/api/v1/environments/${env.id}`);
    const policy = await ok("POST", "/api/v1/safety-policies", { name: "p", rules: { deniedKinds: ["rm"] } });
    await ok("GET", "/api/v1/safety-policies");
    await ok("GET", `/api/v1/safety-policies/${policy.id}`);
    await ok("GET", "/api/v1/safety-policies/proposals");
    await ok("PUT", `/api/v1/environments/${env.id}`, { safetyPolicyIds: [policy.id] });
    const host = await ok("POST", "/api/v1/hosts", { name: "r1", environmentId: env.id });
    await ok("GET", "/api/v1/hosts");
    await ok("GET", `/api/v1/hosts/${host.id}`);
    await ok("PUT", `/api/v1/hosts/${host.id}`, { labels: { site: "a" } });
    await ok("GET", `/api/v1/hosts/${host.id}/telemetry`);
    const command = await ok("POST", "/api/v1/commands", { hostId: host.id, kind: "echo", params: { a: 1 } });
    await ok("GET", "/api/v1/commands");
    await ok("GET", `/api/v1/commands/${command.id}`);
    await ok("POST", `/api/v1/commands/${command.id}/transition`, { status: "cancelled" });
    await ok("DELETE", `/api/v1/commands/${command.id}`);
    await ok("POST", "/api/v1/triggers", { name: "t", kind: "event", event: "host.online", task: { prompt: "x" } });
    await ok("GET", "/api/v1/triggers");
    const task = await ok("POST", "/api/v1/tasks", { prompt: "do it" });
    await ok("GET", "/api/v1/tasks");
    await ok("GET", `/api/v1/tasks/${task.id}`);
    await ok("GET", "/api/v1/metrics/tasks");
    await ok("POST", "/api/admin/projects", {
      key: "fw",
      name: "Firmware",
      pipeline: [{ name: "build", kind: "command", command: { kind: "exec", params: { command: "make" } } }],
    });
    await ok("GET", "/api/admin/projects");
    await ok("GET", "/api/web/projects/fw");
    const webTask = await ok("POST", "/api/web/tasks", { projectKey: "fw", description: "build it" });
    await ok("GET", "/api/web/tasks");
    await ok("GET", `/api/web/tasks/${webTask.id}`);
    await ok("GET", `/api/web/tasks/${webTask.id}/events`);
    await ok("GET", `/api/web/tasks/${webTask.id}/logs`);
    await ok("POST", `/api/web/tasks/${webTask.id}/cancel`);
    await ok("GET", "/api/web/machines");
    await ok("GET", `/api/web/machines/${host.id}`);
    await ok("GET", `/api/web/machines/${host.id}/tasks`);
    await ok("POST", `/api/web/machines/${host.id}/drain`);
    await ok("GET", "/api/admin/machines");
    const identity = await ok("POST", "/api/runtime/identities", { hostId: host.id });
    await ok("GET", "/api/runtime/identities");
    await ok("POST", `/api/runtime/identities/${identity.runtimeId}/revoke`);
    const workerToken = await ok("POST", "/api/admin/worker-tokens", { name: "w" });
    await ok("GET", "/api/admin/worker-tokens");
    await ok("GET", `/api/admin/worker-tokens/${workerToken.id}/status`);
    await ok("POST", `/api/admin/worker-tokens/${workerToken.id}/revoke`);
    await ok("GET", "/api/workers/healthz");
    await ok("POST", "/api/v1/estop", { scope: { hostId: host.id }, reason: "test" });
    await ok("GET", "/api/v1/estop");
    await ok("GET", "/api/runtime/delegations");
    await ok("GET", "/api/v1/releases");
    await ok("GET", "/api/v1/release-keys");
    await ok("GET", "/api/v1/audit");
    await ok("GET", "/api/users/me");
    await ok("GET", "/api/v1/tenants");
    await ok("POST", "/api/v1/tenants", { name: "other" });
    const apiKey = await ok("POST", "/api/v1/auth-keys", { name: "ci" });
    await ok("GET", "/api/v1/auth-keys");
    await ok("DELETE", `/api/v1/auth-keys/${apiKey.id}`);
    await ok("POST", "/api/auth/device/start", {});
    await ok("DELETE", `/api/v1/hosts/${host.id}`);
    await ok("DELETE", `/api/v1/environments/${env.id}`);
    expect(schemaBreaks).toEqual([]);
  }, 60_000);
});
