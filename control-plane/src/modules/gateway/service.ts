/**
 * The managed gateway: tenants' gateway tokens (hashed, revocable, optionally bound to a runtime identity) and the
 * metered proxy to the configured OpenAI-compatible upstream. The upstream key is sent upstream only: never in an
 * answer, a log line or an error. Streams (SSE) pass through as they arrive; their usage is metered at the end.
 */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db } from "../../db/connect";
import { withTenant } from "../../db/context";
import { gatewayTokens } from "../../db/schema";
import { newId } from "../../lib/ids";
import { parseUntrustedJson } from "../../lib/json-guard";
import { hashSecret, newSecret } from "../../lib/secrets";
import {
  badGateway,
  invalid,
  isDomainError,
  notFound,
  rejectedCredential,
  timedOut,
  unavailable,
  unauthenticated,
} from "../../lib/errors";
import type { AuditService } from "../audit/service";
import type { UserPrincipal } from "../auth/principal";
import type { BillingService } from "../billing/service";
import type { RuntimeService } from "../runtime/service";

export const GATEWAY_TOKEN_PREFIX = "gw_";

export interface GatewayConfig {
  llmBaseUrl?: string;
  llmApiKey?: string;
  searchBaseUrl?: string;
  searchApiKey?: string;
  /** Cost of one search call in micro-units. */
  searchPriceMicros: number;
  timeoutMs: number;
  maxJsonDepth: number;
}

export interface GatewayPrincipal {
  tenantId: string;
  tokenId: string;
  runtimeId: string | null;
  hostId: string | null;
}

/** The LLM routes: path upstream and the ledger's route name. */
export const LLM_ROUTES = {
  "chat/completions": { upstream: "/chat/completions", route: "llm.chat.completions" },
  responses: { upstream: "/responses", route: "llm.responses" },
} as const;
export type LlmRoute = keyof typeof LLM_ROUTES;

/** The search routes: path upstream and the ledger's route name. */
export const SEARCH_ROUTES = {
  web: { upstream: "/web/search", route: "search.web" },
  news: { upstream: "/news/search", route: "search.news" },
} as const;
export type SearchRoute = keyof typeof SEARCH_ROUTES;

type Token = typeof gatewayTokens.$inferSelect;
const present = (row: Token) => ({
  id: row.id,
  name: row.name,
  runtimeId: row.runtimeId,
  createdBy: row.createdBy,
  createdAt: row.createdAt,
  revokedAt: row.revokedAt,
  lastUsedAt: row.lastUsedAt,
  active: !row.revokedAt,
});

interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** Token usage in an OpenAI answer (chat: prompt/completion tokens; responses: input/output tokens). */
function usageOf(value: unknown): Usage | undefined {
  const body = value as { usage?: Record<string, unknown>; response?: { usage?: Record<string, unknown> } } | null;
  const u = body?.usage ?? body?.response?.usage;
  if (!u || typeof u !== "object") return undefined;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? Math.floor(v) : 0);
  return { inputTokens: n(u.prompt_tokens ?? u.input_tokens), outputTokens: n(u.completion_tokens ?? u.output_tokens) };
}

export class GatewayService {
  constructor(
    private readonly db: Db,
    private readonly runtime: RuntimeService,
    private readonly billing: BillingService,
    private readonly audit: AuditService,
    private readonly config: GatewayConfig,
  ) {}

  async createToken(principal: UserPrincipal, input: { name: string; runtimeId?: string }) {
    if (input.runtimeId) {
      if (!(await this.runtime.liveHostOf(input.runtimeId, principal.tenantId)))
        throw invalid(`unknown or revoked runtime identity ${input.runtimeId}`);
    }
    const token = newSecret(GATEWAY_TOKEN_PREFIX);
    const [row] = await this.db
      .insert(gatewayTokens)
      .values({
        id: newId("gwt"),
        tenantId: principal.tenantId,
        name: input.name,
        tokenHash: hashSecret(token),
        runtimeId: input.runtimeId ?? null,
        createdBy: principal.userId,
      })
      .returning();
    await this.audit.record({
      tenantId: principal.tenantId,
      actor: principal.userId,
      action: "gateway.token_created",
      target: row!.id,
      detail: { runtimeId: input.runtimeId ?? null },
    });
    return { ...present(row!), token };
  }

  async listTokens(tenantId: string) {
    const rows = await this.db
      .select()
      .from(gatewayTokens)
      .where(eq(gatewayTokens.tenantId, tenantId))
      .orderBy(desc(gatewayTokens.createdAt));
    return rows.map(present);
  }

  async revokeToken(principal: UserPrincipal, id: string) {
    const [row] = await this.db
      .select()
      .from(gatewayTokens)
      .where(and(eq(gatewayTokens.id, id), eq(gatewayTokens.tenantId, principal.tenantId)));
    if (!row) throw notFound("gateway token");
    if (row.revokedAt) return present(row);
    const [revoked] = await this.db
      .update(gatewayTokens)
      .set({ revokedAt: new Date() })
      .where(eq(gatewayTokens.id, id))
      .returning();
    await this.audit.record({
      tenantId: principal.tenantId,
      actor: principal.userId,
      action: "gateway.token_revoked",
      target: id,
    });
    return present(revoked!);
  }

  /** `Authorization: Bearer gw_...` or `x-api-key: gw_...`; a token bound to a runtime needs that runtime live. */
  async authenticate(headers: Headers): Promise<GatewayPrincipal> {
    const bearer = /^Bearer\s+(.+)$/i.exec(headers.get("authorization") ?? "")?.[1]?.trim();
    const token = bearer ?? headers.get("x-api-key")?.trim();
    if (!token) throw unauthenticated("missing gateway token (Authorization: Bearer or x-api-key)");
    if (!token.startsWith(GATEWAY_TOKEN_PREFIX)) throw rejectedCredential("unauthenticated", "invalid gateway token");
    // Looked up by its sha256 (an index lookup of a hash: no timing signal about the secret itself).
    const [row] = await this.db
      .select()
      .from(gatewayTokens)
      .where(and(eq(gatewayTokens.tokenHash, hashSecret(token)), isNull(gatewayTokens.revokedAt)));
    if (!row) throw rejectedCredential("unauthenticated", "invalid gateway token");
    let hostId: string | null = null;
    if (row.runtimeId) {
      hostId = (await this.runtime.liveHostOf(row.runtimeId)) ?? null;
      if (!hostId) throw rejectedCredential("unauthenticated", "the gateway token's runtime identity is revoked");
    }
    await this.db.update(gatewayTokens).set({ lastUsedAt: new Date() }).where(eq(gatewayTokens.id, row.id));
    return { tenantId: row.tenantId, tokenId: row.id, runtimeId: row.runtimeId, hostId };
  }

  private parseBody(raw: Uint8Array): Record<string, unknown> {
    const parsed = parseUntrustedJson(new TextDecoder().decode(raw), this.config.maxJsonDepth);
    if (!parsed.ok) throw invalid(`invalid request body: ${parsed.reason}`);
    const body = parsed.value as Record<string, unknown>;
    if (!body || typeof body !== "object" || Array.isArray(body)) throw invalid("invalid request body: not an object");
    return body;
  }

  /** An upstream refusal: 502 for its failures and credential problems, the caller's mistakes as 400/429. */
  private static async refusal(upstream: Response, apiKey: string): Promise<Response> {
    const text = await upstream.text().catch(() => "");
    if (upstream.status === 401 || upstream.status === 403 || upstream.status >= 500)
      throw badGateway(`the upstream provider failed (status ${upstream.status})`);
    // The caller's own mistake (bad model, bad parameters): its message, with any trace of the key removed.
    let message = `the upstream provider refused the request (status ${upstream.status})`;
    const detail = (() => {
      try {
        return (JSON.parse(text) as { error?: { message?: unknown } })?.error?.message;
      } catch {
        return undefined;
      }
    })();
    if (typeof detail === "string") message += `: ${detail.split(apiKey).join("[redacted]").slice(0, 500)}`;
    return Response.json({ error: message }, { status: upstream.status === 429 ? 429 : 400 });
  }

  /** Proxies one search call to the configured search provider (JSON in, JSON out), metered per call. */
  async proxySearch(caller: GatewayPrincipal, which: SearchRoute, raw: Uint8Array): Promise<Response> {
    const { searchBaseUrl, searchApiKey } = this.config;
    if (!searchBaseUrl || !searchApiKey) throw unavailable("no search provider is configured for the gateway");
    const body = this.parseBody(raw);
    if (typeof body.query !== "string" || !body.query) throw invalid("invalid body: query: required string");
    await this.billing.assertCanSpend(
      caller.tenantId,
      caller.runtimeId && caller.hostId ? { runtimeId: caller.runtimeId, hostId: caller.hostId } : null,
    );
    const spec = SEARCH_ROUTES[which];
    let upstream: Response;
    let text: string;
    try {
      upstream = await fetch(searchBaseUrl.replace(/\/$/, "") + spec.upstream, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${searchApiKey}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
      if (!upstream.ok) return await GatewayService.refusal(upstream, searchApiKey);
      text = await upstream.text();
    } catch (err) {
      if (isDomainError(err)) throw err;
      if ((err as { name?: string })?.name === "TimeoutError")
        throw timedOut("the upstream provider did not answer in time");
      throw badGateway("the upstream provider is unreachable");
    }
    try {
      JSON.parse(text);
    } catch {
      throw badGateway("the upstream provider answered with something other than JSON");
    }
    await withTenant(caller.tenantId, () =>
      this.billing.record({
        tenantId: caller.tenantId,
        runtimeId: caller.runtimeId,
        hostId: caller.hostId,
        source: "gateway",
        route: spec.route,
        inputTokens: 0,
        outputTokens: 0,
        costMicros: this.config.searchPriceMicros,
      }),
    );
    return new Response(text, { status: 200, headers: { "content-type": "application/json" } });
  }

  /** Proxies one LLM call upstream; the answer (JSON or SSE stream) is the upstream's, its usage metered. */
  async proxyLlm(caller: GatewayPrincipal, which: LlmRoute, raw: Uint8Array): Promise<Response> {
    const { llmBaseUrl, llmApiKey } = this.config;
    if (!llmBaseUrl || !llmApiKey) throw unavailable("no LLM provider is configured for the gateway");
    const body = this.parseBody(raw);
    if (typeof body.model !== "string" || !body.model) throw invalid("invalid body: model: required string");
    const stream = body.stream === true;
    // Streamed chat completions report usage only when asked to: always ask, so every stream is metered.
    if (stream && which === "chat/completions")
      body.stream_options = { ...(body.stream_options as object | undefined), include_usage: true };
    await this.billing.assertCanSpend(
      caller.tenantId,
      caller.runtimeId && caller.hostId ? { runtimeId: caller.runtimeId, hostId: caller.hostId } : null,
    );
    const spec = LLM_ROUTES[which];
    const controller = new AbortController();
    let timer = setTimeout(() => controller.abort(), this.config.timeoutMs);
    let upstream: Response;
    try {
      upstream = await fetch(llmBaseUrl.replace(/\/$/, "") + spec.upstream, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${llmApiKey}`,
          accept: stream ? "text/event-stream" : "application/json",
        },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
    } catch {
      clearTimeout(timer);
      if (controller.signal.aborted) throw timedOut("the upstream provider did not answer in time");
      throw badGateway("the upstream provider is unreachable");
    }
    const meter = (usage: Usage | undefined) =>
      withTenant(caller.tenantId, () =>
        this.billing.record({
          tenantId: caller.tenantId,
          runtimeId: caller.runtimeId,
          hostId: caller.hostId,
          source: "gateway",
          route: spec.route,
          model: body.model as string,
          inputTokens: usage?.inputTokens ?? 0,
          outputTokens: usage?.outputTokens ?? 0,
          costMicros: this.billing.costOf(usage?.inputTokens ?? 0, usage?.outputTokens ?? 0),
        }),
      );
    if (!upstream.ok) {
      clearTimeout(timer);
      return GatewayService.refusal(upstream, llmApiKey);
    }
    const contentType = upstream.headers.get("content-type") ?? "";
    if (!stream || !contentType.includes("text/event-stream") || !upstream.body) {
      let text: string;
      try {
        text = await upstream.text();
      } catch {
        throw controller.signal.aborted
          ? timedOut("the upstream provider did not answer in time")
          : badGateway("the upstream provider's answer broke off");
      } finally {
        clearTimeout(timer);
      }
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw badGateway("the upstream provider answered with something other than JSON");
      }
      await meter(usageOf(value));
      return new Response(text, { status: upstream.status, headers: { "content-type": "application/json" } });
    }
    // SSE: every chunk goes to the caller as it arrives; the `data:` lines are watched for the usage report.
    const decoder = new TextDecoder();
    let pending = "";
    let usage: Usage | undefined;
    const idle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => controller.abort(), this.config.timeoutMs);
    };
    const scan = (text: string) => {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const data = /^data:\s?(.*)$/.exec(line.trimEnd())?.[1];
        if (!data || data === "[DONE]") continue;
        try {
          usage = usageOf(JSON.parse(data)) ?? usage;
        } catch {}
      }
    };
    let metered = false;
    const finish = async () => {
      clearTimeout(timer);
      if (metered) return;
      metered = true;
      scan("\n");
      await meter(usage);
    };
    const reader = upstream.body.getReader();
    const out = new ReadableStream<Uint8Array>({
      async pull(ctrl) {
        try {
          const { done, value } = await reader.read();
          if (done) {
            await finish();
            ctrl.close();
            return;
          }
          idle();
          scan(decoder.decode(value, { stream: true }));
          ctrl.enqueue(value);
        } catch (err) {
          await finish().catch(() => {});
          ctrl.error(err);
        }
      },
      async cancel() {
        controller.abort();
        await finish().catch(() => {});
      },
    });
    return new Response(out, {
      status: 200,
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  }
}
