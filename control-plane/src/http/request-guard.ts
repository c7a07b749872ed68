/**
 * What every request goes through before any route sees it: a body-size limit (413 before reading when
 * Content-Length says so, and while reading otherwise), JSON only, bounded depth, no NUL, finite numbers, and a
 * strict check against the route's body schema — no coercion (`true` is not an object, `"5"` is not a number)
 * and unknown fields refused — so nothing malformed reaches a service or the database.
 */
import { Elysia } from "elysia";
import { Kind, OptionalKind, type TSchema } from "@sinclair/typebox";
import { Value, ValueErrorType } from "@sinclair/typebox/value";
import { parseUntrustedJson } from "../lib/json-guard";
import { HttpError, badRequest } from "./errors";

export interface RequestLimits {
  maxBodyBytes: number;
  maxJsonDepth: number;
}

/** The part of an Elysia route the guard needs (`app.routes`). */
export interface RouteInfo {
  method: string;
  path: string;
  hooks?: { body?: unknown };
}

const tooLarge = (max: number) => new HttpError(413, `request body larger than ${max} bytes`);

async function readBounded(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge(max);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

/**
 * The schema as written, made strict: objects refuse unknown fields, and Elysia's string-accepting numeric
 * types (`t.Integer`, `t.Numeric`: a union with a numeric string) keep only their number member.
 */
/** The parts of a JSON schema node strictSchema looks at. */
type SchemaNode = TSchema & {
  anyOf?: TSchema[];
  properties?: Record<string, TSchema>;
  items?: TSchema | TSchema[];
  patternProperties?: Record<string, TSchema>;
  [OptionalKind]?: unknown;
};

export function strictSchema(schema: TSchema): TSchema {
  const s = schema as SchemaNode;
  if (Array.isArray(s.anyOf)) {
    const numericString = (m: TSchema) => m.type === "string" && (m.format === "integer" || m.format === "numeric");
    const kept = s.anyOf.filter((m) => !numericString(m));
    if (kept.length === 1 && kept.length < s.anyOf.length) {
      const only = strictSchema(kept[0]!);
      return s[OptionalKind] ? ({ ...only, [OptionalKind]: s[OptionalKind] } as TSchema) : only;
    }
    return { ...s, anyOf: kept.map(strictSchema) } as TSchema;
  }
  const out: SchemaNode = { ...s };
  if (s.type === "object" && s.properties) {
    out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, strictSchema(v as TSchema)]));
    out.additionalProperties ??= false;
  }
  if (s.type === "array" && s.items && !Array.isArray(s.items)) out.items = strictSchema(s.items);
  if (s.patternProperties) {
    out.patternProperties = Object.fromEntries(
      Object.entries(s.patternProperties).map(([k, v]) => [k, strictSchema(v as TSchema)]),
    );
  }
  return out;
}

/**
 * Finds the route a request is for (static paths before parameterised ones): its strict body schema, or
 * `schema: undefined` for a route that takes no body; undefined for no route.
 */
/**
 * Routes that pass their body through untouched (any content type, still bounded by maxBodyBytes): the forwarded
 * runtime API of a host, whose agent validates it.
 */
export const RAW_BODY_ROUTES: ReadonlySet<string> = new Set([
  "/api/v1/hosts/:id/runtime/*",
  // The managed gateway (forwarded to its provider as JSON, checked by modules/gateway) and the usage webhook
  // (its signature covers the raw bytes; modules/billing validates them).
  "/api/gateway/llm/v1/chat/completions",
  "/api/gateway/llm/v1/responses",
  "/api/gateway/search/v1/web/search",
  "/api/gateway/search/v1/news/search",
  "/api/webhooks/usage",
  // Stripe's webhook: its signature covers the raw bytes.
  "/api/webhooks/stripe",
  // Chat providers' webhooks: the Slack signature covers the raw bytes.
  "/api/chat/telegram/:id",
  "/api/chat/slack/:id",
]);

function bodySchemas(routes: () => RouteInfo[]) {
  let table: { method: string; pattern: RegExp; params: number; schema?: TSchema; raw: boolean }[] | undefined;
  const isSchema = (body: unknown): body is TSchema => Boolean(body && typeof body === "object" && Kind in body);
  return (method: string, path: string): { schema?: TSchema; raw: boolean } | undefined => {
    table ??= routes()
      .map((r) => ({
        method: r.method,
        pattern: new RegExp(
          "^" +
            r.path
              .replace(/\/$/, "")
              .split("/")
              .map((seg) =>
                seg.startsWith(":") ? "[^/]+" : seg === "*" ? ".*" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
              )
              .join("/") +
            "/?$",
        ),
        params: r.path.split("/").filter((seg) => seg.startsWith(":") || seg === "*").length,
        schema: isSchema(r.hooks?.body) ? strictSchema(r.hooks.body) : undefined,
        raw: RAW_BODY_ROUTES.has(r.path),
      }))
      .sort((a, b) => a.params - b.params);
    return table.find((r) => r.method === method && r.pattern.test(path));
  };
}

function describeStrictError(schema: TSchema, value: unknown): string {
  let first: ReturnType<ReturnType<typeof Value.Errors>["First"]>;
  try {
    first = Value.Errors(schema, value).First();
  } catch {
    return "invalid body";
  }
  if (!first) return "invalid body";
  const field = first.path.replace(/^\//, "").replaceAll("/", ".");
  if (first.type === ValueErrorType.ObjectAdditionalProperties)
    return `invalid body: unknown field${field ? ` ${field}` : ""}`;
  return field ? `invalid body: ${field}: ${first.message}` : `invalid body: ${first.message}`;
}

/** A schema kind TypeBox cannot check on its own (a custom Elysia type) is left to Elysia's validator. */
function strictlyValid(schema: TSchema, value: unknown): boolean {
  try {
    return Value.Check(schema, value);
  } catch {
    return true;
  }
}

const isEmpty = (value: unknown) =>
  Boolean(value) && typeof value === "object" && !Array.isArray(value) && Object.keys(value as object).length === 0;

/**
 * The body has been read (bounded) and parsed here; Elysia's own parser then calls `request.json()` /
 * `request.text()`, which now return what was read instead of reading the stream again. (A function parse hook
 * would do the same but hide the routes' content type from the OpenAPI document; a clone would leave an oversized
 * body unread and the client's connection reset instead of answered.)
 */
function replay(request: Request, text: string, value?: unknown) {
  Object.defineProperty(request, "text", { value: () => Promise.resolve(text) });
  Object.defineProperty(request, "json", {
    value: () => (text ? Promise.resolve(value) : Promise.reject(new SyntaxError("empty body"))),
  });
}

export const requestGuard = (limits: RequestLimits, routes: () => RouteInfo[]) => {
  const routeFor = bodySchemas(routes);
  return new Elysia({ name: "request-guard" }).onRequest(async ({ request }) => {
    const length = request.headers.get("content-length");
    if (length !== null && !(Number(length) <= limits.maxBodyBytes)) throw tooLarge(limits.maxBodyBytes);
    // A NUL in a path or query value would reach the database as text.
    if (/%00/.test(request.url)) throw badRequest("invalid request: NUL characters are not allowed in the URL");
    if (!request.body || request.method === "GET" || request.method === "HEAD") return;
    const bytes = await readBounded(request.body, limits.maxBodyBytes);
    if (bytes.byteLength === 0) return replay(request, "");
    const route = routeFor(request.method, new URL(request.url).pathname);
    if (route?.raw) {
      Object.defineProperty(request, "arrayBuffer", { value: () => Promise.resolve(bytes.slice().buffer) });
      return;
    }
    const contentType = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (contentType !== "application/json") throw badRequest("invalid request body: send application/json");
    let text: string;
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    } catch {
      throw badRequest("invalid request body: not UTF-8");
    }
    const parsed = parseUntrustedJson(text, limits.maxJsonDepth);
    if (!parsed.ok) throw badRequest(`invalid request body: ${parsed.reason}`);
    if (route?.schema && !strictlyValid(route.schema, parsed.value))
      throw badRequest(describeStrictError(route.schema, parsed.value));
    // A route without a body schema reads no body: any field sent to it would be an unknown field.
    if (route && !route.schema && !isEmpty(parsed.value))
      throw badRequest("invalid body: this route takes no body fields");
    replay(request, text, parsed.value);
  });
};
