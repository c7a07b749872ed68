/** Starts a real control plane on an ephemeral port for a test, and an HTTP client for it. */
import { startControlPlane, type ControlPlane } from "../../control-plane/src/app";
import type { Config } from "../../control-plane/src/config";
import { createHash } from "node:crypto";
import { newSecret } from "../../control-plane/src/lib/secrets";
import type { Backend } from "./backends";

/**
 * The body type of a call that names none: still untyped (hundreds of older calls read fields freely). Name the
 * answer instead — `api.get<Static<typeof Schema>>(...)`, or a type from `@edge/proto` — in new code.
 */
// biome-ignore lint/suspicious/noExplicitAny: the one untyped default of the test client, see above.
export type Untyped = any;

export interface Reply<T = Untyped> {
  status: number;
  body: T;
  headers: Headers;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent verbatim (for malformed-input tests). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export class ApiClient {
  constructor(readonly baseUrl: string) {}

  async request<T = Untyped>(method: string, path: string, opts: RequestOptions = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    // A live stream (GET /api/web/events) never ends: its status and headers are the answer.
    if (res.headers.get("content-type")?.startsWith("text/event-stream")) {
      await res.body?.cancel();
      return { status: res.status, body: undefined as T, headers: res.headers };
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {}
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  get = <T = Untyped>(path: string, token?: string) => this.request<T>("GET", path, { token });
  post = <T = Untyped>(path: string, body?: unknown, token?: string) => this.request<T>("POST", path, { body, token });
  put = <T = Untyped>(path: string, body?: unknown, token?: string) => this.request<T>("PUT", path, { body, token });
  delete = <T = Untyped>(path: string, token?: string) => this.request<T>("DELETE", path, { token });
}

export interface TestPlane {
  plane: ControlPlane;
  api: ApiClient;
  /** Installation admin key (tenant "default"). */
  adminKey: string;
  databaseUrl?: string;
  stop(): Promise<void>;
}

/**
 * Small database pools under `bun test` (two suites run side by side, some with two planes each, on one PostgreSQL
 * with max_connections 100); benchmarks, which start their planes here too, keep the product's default.
 */
export const TEST_POOL = process.env.NODE_ENV === "test" ? { databasePoolSize: 6 } : {};

/** A control plane on a fresh database of `backend`; pass `shared` to start another one on the same database. */
export async function startTestPlane(
  backend: Backend,
  overrides: Partial<Config> = {},
  shared?: { databaseUrl?: string; dataDir: string; adminKey: string },
): Promise<TestPlane> {
  const database = shared ? { ...shared, drop: async () => {} } : await backend.createDatabase();
  const adminKey = shared?.adminKey ?? newSecret("roz_sk_");
  const plane = await startControlPlane({
    port: 0,
    mqttPort: 0,
    grpcPort: 0,
    mqttUrl: undefined,
    host: "127.0.0.1",
    logLevel: (process.env.TEST_LOG_LEVEL as "silent") ?? "silent",
    databaseUrl: database.databaseUrl,
    dataDir: database.dataDir,
    adminKey,
    // One shared-subscription group per database: replicas of one test share it, and planes of other suites (or of
    // other checkouts using the same Mosquitto) never receive this suite's agent messages.
    mqttSharedGroup: `test-${createHash("sha256")
      .update(database.databaseUrl ?? crypto.randomUUID())
      .digest("hex")
      .slice(0, 16)}`,
    // Every test request comes from 127.0.0.1: suites that probe bad credentials on purpose must not lock each other
    // out. rate-limits.test.ts sets its own budgets.
    rateLimitAuthFailures: 100_000,
    rateLimitCredentialFailures: 100_000,
    rateLimitDeviceStarts: 100_000,
    deviceCodeMaxPendingPerSource: 100_000,
    ...TEST_POOL,
    ...overrides,
  });
  return {
    plane,
    api: new ApiClient(plane.url),
    adminKey,
    databaseUrl: database.databaseUrl,
    async stop() {
      await plane.stop();
      await database.drop();
    },
  };
}

/** A second tenant with its own admin key, created through the API. */
export async function createTenant(t: TestPlane, name: string): Promise<{ tenantId: string; key: string }> {
  const res = await t.api.post("/api/v1/tenants", { name }, t.adminKey);
  if (res.status !== 201) throw new Error(`tenant creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { tenantId: res.body.tenant.id, key: res.body.apiKey.key };
}
