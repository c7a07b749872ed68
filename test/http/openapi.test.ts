/**
 * Fast HTTP-concern tests through `app.handle()` (no server, no broker; an in-memory PGlite behind the services):
 * the OpenAPI document declares a 2xx response schema and the error model for every operation.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHttpApp } from "../../control-plane/src/app";
import { loadConfig } from "../../control-plane/src/config";
import { openDatabase, type Database } from "../../control-plane/src/db/connect";
import { createLogger } from "../../control-plane/src/lib/logger";
import { createServices } from "../../control-plane/src/services";

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

const METHODS = ["get", "put", "post", "delete", "patch"];
let database: Database;
let app: ReturnType<typeof createHttpApp>;

beforeAll(async () => {
  const config = loadConfig({}, { dataDir: "memory://", logLevel: "silent" });
  database = await openDatabase(config);
  app = createHttpApp(createServices(database.db, config, createLogger("silent")));
}, 60_000);
afterAll(() => database?.close());

const get = (path: string) => app.handle(new Request(`http://localhost${path}`));

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
