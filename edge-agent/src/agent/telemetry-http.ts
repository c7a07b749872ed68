/**
 * Local telemetry endpoint for robot software on the host: POST /telemetry on 127.0.0.1 with
 * {"points":[{name, value, tags?, atMs?}]} or one point object. 202 once the points are durable.
 */
import { Type, type Static } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { ActorRef } from "../actors/index.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { TelemetryMsg } from "./telemetry.ts";

const MAX_POINTS_PER_REQUEST = 10_000;

const PointSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 256 }),
    value: Type.Number(),
    tags: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 256 }), Type.String({ maxLength: 1024 }))),
    atMs: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
const BatchSchema = Type.Object(
  { points: Type.Array(PointSchema, { minItems: 1, maxItems: MAX_POINTS_PER_REQUEST }) },
  { additionalProperties: false },
);

export interface TelemetryServer {
  port: number;
  stop(): Promise<void>;
}

export function startTelemetryServer(port: number, telemetry: ActorRef<TelemetryMsg>, log: Logger): TelemetryServer {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port,
    maxRequestBodySize: 4 * 1024 * 1024,
    async fetch(request) {
      const { pathname } = new URL(request.url);
      if (pathname !== "/telemetry") return json(404, { error: `not found: ${pathname}` });
      if (request.method !== "POST") return json(405, { error: "use POST" }, { allow: "POST" });
      let body: unknown;
      try {
        body = JSON.parse(await request.text());
      } catch {
        return json(400, { error: "body must be JSON" });
      }
      const points = parsePoints(body);
      if (typeof points === "string") return json(400, { error: points });
      try {
        const accepted = await telemetry.ask<number>((replyTo) => ({ type: "record", points, replyTo }));
        return json(202, { accepted });
      } catch (error) {
        log.warn(`telemetry endpoint could not store points: ${errorMessage(error)}`);
        return json(503, { error: "telemetry is temporarily unavailable" });
      }
    },
  });
  return {
    port: server.port ?? port,
    stop: () => server.stop(true),
  };
}

/** The points, or what is wrong with the body. */
export function parsePoints(body: unknown): Static<typeof PointSchema>[] | string {
  const isBatch = typeof body === "object" && body !== null && "points" in body;
  const schema = isBatch ? BatchSchema : PointSchema;
  if (!Value.Check(schema, body)) {
    const first = Value.Errors(schema, body).First();
    return `invalid telemetry${first ? ` at ${first.path || "/"}: ${first.message}` : ""}`;
  }
  return isBatch ? (body as Static<typeof BatchSchema>).points : [body as Static<typeof PointSchema>];
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return Response.json(body, { status, headers });
}
