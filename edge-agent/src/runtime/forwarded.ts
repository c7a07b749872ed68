/**
 * Serves a runtime API request forwarded by the control plane (over the session or MQTT): the answer goes back in
 * parts as its body streams (an SSE stream part by event, an export part by chunk). No bearer token here: the
 * request came over the agent's own authenticated connection.
 */
import { errorMessage, type Logger } from "@edge/proto/log";
import type { RuntimeRequest } from "@edge/proto/wire";
import type { RuntimeResponsePart } from "../agent/connection.ts";
import type { RuntimeApi } from "./api.ts";

/** Larger body chunks are split into parts of this size. */
const MAX_PART_BYTES = 256 * 1024;

export async function serveForwarded(
  api: RuntimeApi,
  request: RuntimeRequest,
  reply: (part: RuntimeResponsePart) => void,
  log: Logger,
): Promise<void> {
  const { id } = request;
  let part = 0;
  const send = (status: number, contentType: string, chunk: Uint8Array, end: boolean) =>
    reply({ id, part: part++, status, contentType, chunk, end });
  if (request.deadlineMs && Date.now() > request.deadlineMs) return; // the control plane has given up already
  if (!request.path.startsWith("/api/v1/")) {
    send(400, "application/json", json({ error: "path must start with /api/v1/" }), true);
    return;
  }
  let response: Response;
  try {
    const hasBody = !["GET", "HEAD"].includes(request.method);
    response = await api.handle(
      new Request(`http://runtime.local${request.path}`, {
        method: request.method,
        headers: request.contentType ? { "content-type": request.contentType } : {},
        body: hasBody ? request.body : undefined,
      }),
    );
  } catch (error) {
    send(400, "application/json", json({ error: `bad forwarded request: ${errorMessage(error)}` }), true);
    return;
  }
  const contentType = response.headers.get("content-type") ?? "";
  if (!response.body) {
    send(response.status, contentType, new Uint8Array(), true);
    return;
  }
  const reader = response.body.getReader();
  let first = true;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (let offset = 0; offset < value.length; offset += MAX_PART_BYTES) {
        send(response.status, first ? contentType : "", value.subarray(offset, offset + MAX_PART_BYTES), false);
        first = false;
      }
    }
  } catch (error) {
    log.warn(`forwarded runtime request ${request.method} ${request.path}: body failed: ${errorMessage(error)}`);
  }
  send(response.status, first ? contentType : "", new Uint8Array(), true);
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}
