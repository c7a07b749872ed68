/** Routes: gateway tokens (tenant admins) and the managed gateway's LLM routes (gateway token). */
import { Elysia, t } from "elysia";
import { ErrorBody, Items, Obj, Resource, responses } from "../../http/responses";
import { IdParams } from "../../http/params";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import type { LlmRoute, SearchRoute } from "./service";
import { type TimeoutServer, withoutIdleTimeout } from "../../http/idle-timeout";

const GatewayTokenView = Resource("a gateway token (its secret is shown once, at creation)", {
  name: t.String(),
  runtimeId: t.Nullable(t.String()),
  active: t.Boolean(),
});

export const gatewayTokensController = ({ authenticator, gateway }: Services) =>
  new Elysia({ prefix: "/api/gateway/tokens", tags: ["gateway"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return gateway.createToken(principal, body);
      },
      {
        body: t.Object({
          name: t.String({ minLength: 1, maxLength: 200 }),
          /** Bind the token to this runtime identity: usable only while it is live, metered to its agent. */
          runtimeId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
        }),
        response: responses({ 201: Obj({ ...GatewayTokenView.properties, token: t.String() }) }),
      },
    )
    .get("/", async ({ principal }) => ({ items: await gateway.listTokens(principal.tenantId) }), {
      response: responses({ 200: Items(GatewayTokenView) }),
    })
    .post("/:id/revoke", ({ principal, params }) => gateway.revokeToken(principal, params.id), {
      params: IdParams,
      response: responses({ 200: GatewayTokenView }),
    });

/** The upstream's answer as it is (JSON, or an SSE stream when `stream: true`). */
const UpstreamAnswer = Obj(
  { id: t.Optional(t.String()), object: t.Optional(t.String()) },
  { description: "the provider's answer (OpenAI wire format); `text/event-stream` when the request says stream: true" },
);
const GATEWAY_ERRORS = { 402: ErrorBody, 502: ErrorBody, 503: ErrorBody, 504: ErrorBody };

export const gatewayLlmController = ({ gateway, config }: Services) => {
  const handler =
    (which: LlmRoute) =>
    async ({ request, server }: { request: Request; server: TimeoutServer }) => {
      const caller = await gateway.authenticate(request.headers);
      const body = new Uint8Array(await request.arrayBuffer());
      // GATEWAY_TIMEOUT_MS bounds the provider's first answer, then each silence of its stream: the server's idle
      // timeout would cut a model that thinks longer than it before (or while) answering.
      return withoutIdleTimeout(server, request, config.httpIdleTimeoutSeconds, () =>
        gateway.proxyLlm(caller, which, body),
      );
    };
  const detail = { security: [{ gatewayToken: [] }] };
  // The request guard has read the (bounded) body untouched; the service parses it.
  const parse = "none" as const;
  return new Elysia({ prefix: "/api/gateway/llm/v1", tags: ["gateway"] })
    .post("/chat/completions", handler("chat/completions"), {
      detail,
      parse,
      response: responses({ 200: UpstreamAnswer, ...GATEWAY_ERRORS }),
    })
    .post("/responses", handler("responses"), {
      detail,
      parse,
      response: responses({ 200: UpstreamAnswer, ...GATEWAY_ERRORS }),
    });
};

export const gatewaySearchController = ({ gateway, config }: Services) => {
  const handler =
    (which: SearchRoute) =>
    async ({ request, server }: { request: Request; server: TimeoutServer }) => {
      const caller = await gateway.authenticate(request.headers);
      const body = new Uint8Array(await request.arrayBuffer());
      // GATEWAY_TIMEOUT_MS bounds the provider's answer, not the server's idle timeout (it may be the longer).
      return withoutIdleTimeout(server, request, config.httpIdleTimeoutSeconds, () =>
        gateway.proxySearch(caller, which, body),
      );
    };
  const options = {
    detail: { security: [{ gatewayToken: [] }] },
    parse: "none" as const,
    response: responses({
      200: Obj({ query: t.Optional(t.String()) }, { description: "the search provider's answer as it is" }),
      ...GATEWAY_ERRORS,
    }),
  };
  return new Elysia({ prefix: "/api/gateway/search/v1", tags: ["gateway"] })
    .post("/web/search", handler("web"), options)
    .post("/news/search", handler("news"), options);
};
