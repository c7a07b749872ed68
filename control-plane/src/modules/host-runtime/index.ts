/**
 * `/api/v1/hosts/:id/runtime/...`: the host's workspace runtime API (see README "Workspace runtime"), reached
 * through its agent's live session (or the broker). Tenant-scoped (another tenant's host is 404), permission-checked
 * and audited by the access guard like any route; 503 when the agent is offline, 504 when it does not answer in
 * time. The agent's answer (status, content type, body) is passed through as it streams in.
 */
import { Elysia, t } from "elysia";
import { Obj, responses } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { invalid } from "../../lib/errors";
import { type TimeoutServer, withoutIdleTimeout } from "../../http/idle-timeout";

const Params = t.Object({ id: t.String({ minLength: 1, maxLength: 100 }), "*": t.String({ maxLength: 4096 }) });
const Passthrough = Obj({}, { description: "the agent's runtime API answer, passed through (JSON, bytes or SSE)" });
const PREFIX = "/api/v1/hosts/";

export const hostRuntimeController = ({ authenticator, hosts, agents, config }: Services) => {
  const forward = async ({
    principal,
    params,
    request,
    server,
  }: {
    principal: { tenantId: string };
    params: { id: string };
    request: Request;
    server: TimeoutServer;
  }) => {
    await hosts.get(principal.tenantId, params.id);
    const url = new URL(request.url);
    // The raw (still percent-encoded) rest of the path: the agent decodes and confines it once.
    const marker = `${PREFIX}${encodeURIComponent(params.id)}/runtime`;
    const rest = url.pathname.startsWith(marker) ? url.pathname.slice(marker.length) : "";
    if (!rest.startsWith("/api/v1/"))
      throw invalid("forwarded path must start with /api/v1/ (e.g. /api/v1/hosts/:id/runtime/api/v1/workspaces)");
    const body =
      request.method === "GET" || request.method === "HEAD"
        ? new Uint8Array()
        : new Uint8Array(await request.arrayBuffer());
    // The forwarding bounds the wait itself (the agent's first answer within RUNTIME_FORWARD_TIMEOUT_MS, then at most
    // RUNTIME_FORWARD_IDLE_MS between parts): the server's idle timeout would cut an agent run's quiet SSE stream.
    return withoutIdleTimeout(server, request, config.httpIdleTimeoutSeconds, async () => {
      const answer = await agents.forwardRuntime(principal.tenantId, params.id, {
        method: request.method,
        path: rest + url.search,
        body,
        contentType: request.headers.get("content-type") ?? "",
      });
      const headers: Record<string, string> = { "content-type": answer.contentType || "application/octet-stream" };
      if (answer.contentType.startsWith("text/event-stream")) headers["cache-control"] = "no-cache";
      return new Response(answer.body, { status: answer.status, headers });
    });
  };
  const options = {
    params: Params,
    parse: "none" as const,
    response: responses({ 200: Passthrough, 201: Passthrough, 204: t.Null() }),
    detail: { hide: true },
  };
  return new Elysia({ prefix: "/api/v1/hosts", tags: ["hosts"] })
    .use(requireUser(authenticator))
    .get("/:id/runtime/*", forward, options)
    .post("/:id/runtime/*", forward, options)
    .put("/:id/runtime/*", forward, options)
    .patch("/:id/runtime/*", forward, options)
    .delete("/:id/runtime/*", forward, options);
};
