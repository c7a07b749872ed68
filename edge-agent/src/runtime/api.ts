/**
 * The agent-local runtime API (see README "Workspace runtime"): runtime config and status, workspaces and their
 * files, templates, export and snapshots, apps, agent runs. `handle` serves a Request without authentication (the
 * control plane's forwarded requests arrive over the agent's authenticated session); `serveRuntimeApi` puts it on a
 * local address behind a bearer token kept in the state dir.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { errorMessage, type Logger } from "@edge/proto/log";
import { RuntimeError, STATUS_OF } from "./errors.ts";
import type { Runtime } from "./runtime.ts";
import { MAX_FILE_BYTES } from "./workspaces.ts";

const MAX_JSON_BYTES = 1024 * 1024;
export const TOKEN_FILE = "runtime-api.token";

const Metadata = Type.Record(Type.String({ maxLength: 128 }), Type.Unknown());
const CreateWorkspace = Type.Object(
  { name: Type.String(), template: Type.Optional(Type.String()), metadata: Type.Optional(Metadata) },
  { additionalProperties: false },
);
const UpdateWorkspace = Type.Object(
  { name: Type.Optional(Type.String()), metadata: Type.Optional(Metadata) },
  { additionalProperties: false },
);
const ApplyTemplate = Type.Object({ template: Type.String() }, { additionalProperties: false });
const CloneTemplate = Type.Object(
  { url: Type.String({ minLength: 1, maxLength: 2048 }), ref: Type.Optional(Type.String()) },
  { additionalProperties: false },
);
const CreateSnapshot = Type.Object(
  { label: Type.Optional(Type.String({ maxLength: 200 })) },
  { additionalProperties: false },
);
const StartRun = Type.Object(
  {
    prompt: Type.String({ minLength: 1 }),
    agentType: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    workspaceId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  },
  { additionalProperties: false },
);
export const RuntimeConfigSchema = Type.Object(
  {
    /** Agent type used by agent runs that name none. */
    defaultAgentType: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
    provider: Type.Optional(Type.String({ maxLength: 256 })),
    model: Type.Optional(Type.String({ maxLength: 256 })),
    settings: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 128 }),
        Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean(), Type.Null()]),
      ),
    ),
  },
  { additionalProperties: false },
);
export type RuntimeConfig = Static<typeof RuntimeConfigSchema>;

type Handler = (request: Request, params: string[], url: URL) => Response | Promise<Response>;

export function json(status: number, body: unknown): Response {
  return Response.json(body, { status });
}

async function readJson<S extends TSchema>(request: Request, schema: S): Promise<Static<S>> {
  const text = await request.text();
  if (text.length > MAX_JSON_BYTES) throw new RuntimeError("too_large", `body is larger than ${MAX_JSON_BYTES} bytes`);
  let body: unknown;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    throw new RuntimeError("invalid", "body must be JSON");
  }
  if (!Value.Check(schema, body)) {
    const first = Value.Errors(schema, body).First();
    const field = first?.path.split("/").filter(Boolean).join(".") || "body";
    throw new RuntimeError("invalid", `${field}: ${first?.message ?? "invalid"}`);
  }
  return body as Static<S>;
}

function sse(
  events: (send: (type: string, id: number, data: unknown) => void, close: () => void) => () => void,
): Response {
  const encoder = new TextEncoder();
  let cleanup: (() => void) | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        controller.close();
      };
      cleanup = events((type, id, data) => {
        if (!closed) controller.enqueue(encoder.encode(`event: ${type}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`));
      }, close);
    },
    cancel() {
      cleanup?.();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache", "x-accel-buffering": "no" },
  });
}

export class RuntimeApi {
  private readonly routes: [string, RegExp, Handler][] = [];

  constructor(private readonly rt: Runtime) {
    const r = (method: string, pattern: string, handler: Handler) =>
      this.routes.push([method, new RegExp(`^${pattern}$`), handler]);
    const ID = "([A-Za-z0-9_.-]{1,200})";

    r("GET", "/api/v1/runtime/config", () => json(200, rt.config()));
    r("PUT", "/api/v1/runtime/config", async (req) =>
      json(200, rt.setConfig(await readJson(req, RuntimeConfigSchema))),
    );
    r("GET", "/api/v1/runtime/status", async () => json(200, await rt.status()));

    r("GET", "/api/v1/workspaces", () => json(200, { items: rt.workspaces.list() }));
    r("POST", "/api/v1/workspaces", async (req) =>
      json(201, rt.workspaces.create(await readJson(req, CreateWorkspace))),
    );
    r("GET", `/api/v1/workspaces/${ID}`, (_q, [id]) => json(200, rt.workspaces.get(id!)));
    const update: Handler = async (req, [id]) =>
      json(200, rt.workspaces.update(id!, await readJson(req, UpdateWorkspace)));
    r("PATCH", `/api/v1/workspaces/${ID}`, update);
    r("PUT", `/api/v1/workspaces/${ID}`, update);
    r("DELETE", `/api/v1/workspaces/${ID}`, async (_q, [id]) => {
      await rt.deleteWorkspace(id!);
      return new Response(null, { status: 204 });
    });
    r("GET", "/api/v1/templates", () => json(200, { items: rt.workspaces.templateNames() }));
    r("POST", `/api/v1/workspaces/${ID}/template`, async (req, [id]) =>
      json(200, rt.workspaces.applyTemplate(id!, (await readJson(req, ApplyTemplate)).template)),
    );
    r("POST", `/api/v1/workspaces/${ID}/template/clone`, async (req, [id]) => {
      const body = await readJson(req, CloneTemplate);
      return json(200, await rt.workspaces.cloneTemplate(id!, body.url, body.ref));
    });
    r("GET", `/api/v1/workspaces/${ID}/export`, (_q, [id]) => {
      const stream = rt.workspaces.exportStream(id!);
      return new Response(stream, {
        headers: { "content-type": "application/gzip", "content-disposition": `attachment; filename="${id}.tar.gz"` },
      });
    });
    r("POST", `/api/v1/workspaces/${ID}/snapshots`, async (req, [id]) =>
      json(201, await rt.workspaces.snapshot(id!, (await readJson(req, CreateSnapshot)).label)),
    );
    r("GET", `/api/v1/workspaces/${ID}/snapshots`, (_q, [id]) => json(200, { items: rt.workspaces.snapshots(id!) }));
    r("POST", `/api/v1/workspaces/${ID}/snapshots/${ID}/restore`, async (_q, [id, snap]) =>
      json(200, await rt.restoreSnapshot(id!, snap!)),
    );

    const FILE = `/api/v1/workspaces/${ID}/files(?:/(.*))?`;
    r("GET", FILE, (_q, [id, path]) => {
      const read = rt.workspaces.readFile(id!, decodePath(path));
      if (read.type === "dir") return json(200, read);
      return new Response(Bun.file(read.absolute), {
        headers: { "content-type": "application/octet-stream", "content-length": String(read.size) },
      });
    });
    r("PUT", FILE, async (req, [id, path]) => {
      const length = Number(req.headers.get("content-length") ?? "0");
      if (length > MAX_FILE_BYTES) throw new RuntimeError("too_large", `file is larger than ${MAX_FILE_BYTES} bytes`);
      const data = new Uint8Array(await req.arrayBuffer());
      return json(200, rt.workspaces.writeFile(id!, decodePath(path), data));
    });
    r("DELETE", FILE, (_q, [id, path], url) => {
      rt.workspaces.deleteFile(id!, decodePath(path), url.searchParams.get("recursive") === "true");
      return new Response(null, { status: 204 });
    });

    r("GET", "/api/v1/apps", async () => json(200, { items: await rt.apps.list() }));
    r("GET", "/api/v1/apps/ports", (_q, _p, url) =>
      json(200, { items: rt.apps.ports(url.searchParams.get("workspaceId") ?? undefined) }),
    );
    r("POST", `/api/v1/apps/${ID}/start`, async (_q, [id]) => json(200, await rt.apps.start(id!)));
    r("POST", `/api/v1/apps/${ID}/stop`, async (_q, [id]) => json(200, await rt.apps.stop(id!)));
    r("POST", `/api/v1/apps/${ID}/setup`, async (_q, [id]) => json(200, await rt.apps.setup(id!)));
    r("POST", `/api/v1/apps/${ID}/ensure-running`, async (_q, [id]) => json(200, await rt.apps.ensureRunning(id!)));
    r("GET", `/api/v1/apps/${ID}/build-status`, async (_q, [id]) => json(200, await rt.apps.status(id!)));
    r("GET", `/api/v1/apps/${ID}/logs`, (_q, [id], url) => {
      const limit = Number(url.searchParams.get("limit") ?? "200");
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new RuntimeError("invalid", "limit must be an integer from 1 to 1000");
      return json(200, { items: rt.apps.logsOf(id!, limit) });
    });
    r("POST", `/api/v1/internal/workspaces/${ID}/resolved-apps/start`, async (_q, [id]) =>
      json(200, { items: await rt.apps.startResolved(id!) }),
    );

    r("GET", "/api/v1/agent-runs", () => json(200, { items: rt.runs.list() }));
    r("POST", "/api/v1/agent-runs", async (req) => json(201, await rt.runs.start(await readJson(req, StartRun))));
    r("POST", "/api/v1/agent-runs/stream", async (req) => {
      const run = await rt.runs.start(await readJson(req, StartRun));
      return sse((send, close) => {
        const unsubscribe = rt.runs.subscribe(run.id, (event) => {
          send(event.type, event.seq, { runId: run.id, ...event.data });
          if (event.type === "finished") queueMicrotask(close);
        });
        if (!unsubscribe) {
          // Finished before we subscribed: replay it whole.
          for (const event of rt.runs.get(run.id).events) send(event.type, event.seq, { runId: run.id, ...event.data });
          queueMicrotask(close);
        }
        return () => unsubscribe?.();
      });
    });
    r("GET", `/api/v1/agent-runs/${ID}`, (_q, [id]) => json(200, rt.runs.get(id!)));
    r("POST", `/api/v1/agent-runs/${ID}/cancel`, (_q, [id]) => json(200, rt.runs.cancel(id!)));
  }

  /** Serves one request (no authentication here). */
  async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const path = url.pathname;
    let methodMismatch = false;
    for (const [method, pattern, handler] of this.routes) {
      const match = pattern.exec(path);
      if (!match) continue;
      if (method !== request.method && !(method === "GET" && request.method === "HEAD")) {
        methodMismatch = true;
        continue;
      }
      try {
        return await handler(request, match.slice(1) as string[], url);
      } catch (error) {
        if (error instanceof RuntimeError) return json(STATUS_OF[error.code], { error: error.message });
        this.rt.log.error(`runtime api ${request.method} ${path} failed`, error);
        return json(500, { error: `internal error: ${errorMessage(error)}` });
      }
    }
    if (methodMismatch) return json(405, { error: `method ${request.method} not allowed on ${path}` });
    return json(404, { error: `not found: ${path}` });
  }
}

function decodePath(raw: string | undefined): string {
  if (raw === undefined || raw === "") return "";
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new RuntimeError("invalid", "path is not valid percent-encoding");
  }
}

/** The API's bearer token: generated once into `<state-dir>/runtime-api.token` (0600). */
export function loadOrCreateToken(stateDir: string): string {
  const file = join(stateDir, TOKEN_FILE);
  if (existsSync(file)) {
    const token = readFileSync(file, "utf8").trim();
    if (token.length >= 32) return token;
  }
  const token = `rtapi_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return token;
}

function sha256(value: string): Uint8Array {
  return new Bun.CryptoHasher("sha256").update(value).digest();
}

/** Constant-time comparison of the presented bearer token with ours (hashed first: equal lengths). */
export function tokenMatches(header: string | null, token: string): boolean {
  const match = /^Bearer (\S+)$/.exec(header ?? "");
  if (!match) return false;
  const a = sha256(match[1]!);
  const b = sha256(token);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export interface RuntimeApiServer {
  port: number;
  url: string;
  stop(): Promise<void>;
}

/** Listens on `host:port` (loopback by default) and serves the API to holders of the token. */
export function serveRuntimeApi(
  api: RuntimeApi,
  opts: { host: string; port: number; token: string; log: Logger },
): RuntimeApiServer {
  const server = Bun.serve({
    hostname: opts.host,
    port: opts.port,
    maxRequestBodySize: MAX_FILE_BYTES + 1024 * 1024,
    idleTimeout: 0,
    async fetch(request) {
      if (!tokenMatches(request.headers.get("authorization"), opts.token))
        return json(401, { error: "missing or invalid bearer token (see <state-dir>/runtime-api.token)" });
      return api.handle(request);
    },
  });
  const port = server.port ?? opts.port;
  const host = opts.host.includes(":") ? `[${opts.host}]` : opts.host;
  return { port, url: `http://${host}:${port}`, stop: () => server.stop(true) };
}
