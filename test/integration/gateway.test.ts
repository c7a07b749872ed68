/**
 * The managed gateway, billing/spend control and the usage webhook, end to end against a real local upstream HTTP
 * server speaking the OpenAI wire format (JSON and SSE streams), on PGlite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { hostWithRuntime } from "../support/runtime";

const backends = await availableBackends();
const UPSTREAM_KEY = `sk-upstream-${crypto.randomUUID()}`;
const WEBHOOK_SECRET = "whsec-test-secret";

interface Seen {
  path: string;
  authorization: string | null;
  body: Record<string, unknown>;
}

/** A local OpenAI-compatible provider: chat completions and responses, streamed (SSE) or not, with usage. */
function startUpstream() {
  const seen: Seen[] = [];
  /** The stream's second part waits for this: the test releases it once the first part has reached the caller. */
  const gate = { release: () => {}, opened: Promise.resolve() };
  const closeGate = () => {
    gate.opened = new Promise<void>((resolve) => {
      gate.release = resolve;
    });
  };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      const body = (await req.json()) as Record<string, unknown>;
      seen.push({ path: url.pathname, authorization: req.headers.get("authorization"), body });
      if (req.headers.get("authorization") !== `Bearer ${UPSTREAM_KEY}`)
        return Response.json(
          { error: { message: `Incorrect API key provided: ${req.headers.get("authorization")}` } },
          { status: 401 },
        );
      if (body.model === "broken") return Response.json({ error: { message: "boom" } }, { status: 500 });
      if (body.model === "slow") {
        await new Promise((resolve) => req.signal.addEventListener("abort", resolve));
        return new Response(null, { status: 499 });
      }
      if (url.pathname === "/v1/chat/completions" && body.stream) {
        const enc = new TextEncoder();
        const chunk = (o: unknown) => enc.encode(`data: ${JSON.stringify(o)}\n\n`);
        const stream = new ReadableStream<Uint8Array>({
          async start(c) {
            c.enqueue(chunk({ id: "c1", object: "chat.completion.chunk", choices: [{ delta: { content: "Hel" } }] }));
            await gate.opened;
            c.enqueue(chunk({ id: "c1", object: "chat.completion.chunk", choices: [{ delta: { content: "lo" } }] }));
            c.enqueue(
              chunk({
                id: "c1",
                object: "chat.completion.chunk",
                choices: [],
                usage: { prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 },
              }),
            );
            c.enqueue(enc.encode("data: [DONE]\n\n"));
            c.close();
          },
        });
        return new Response(stream, { headers: { "content-type": "text/event-stream" } });
      }
      if (url.pathname === "/v1/chat/completions")
        return Response.json({
          id: "c0",
          object: "chat.completion",
          choices: [{ index: 0, message: { role: "assistant", content: "Hello" }, finish_reason: "stop" }],
          usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
        });
      if (url.pathname === "/v1/web/search" || url.pathname === "/v1/news/search")
        return Response.json({ query: body.query, results: [{ title: "t", url: "https://example.com" }] });
      if (url.pathname === "/v1/responses")
        return Response.json({ id: "r0", object: "response", usage: { input_tokens: 3, output_tokens: 4 } });
      return Response.json({ error: { message: "not found" } }, { status: 404 });
    },
  });
  return { server, seen, gate, closeGate, url: `http://127.0.0.1:${server.port}/v1` };
}

const sign = (raw: string) => createHmac("sha256", WEBHOOK_SECRET).update(raw).digest("hex");

describe.each(backends)("gateway, billing and usage webhook on $name", (backend) => {
  const upstream = startUpstream();
  let t: TestPlane;
  let bare: TestPlane;
  let tenantId: string;
  let token: string;
  const gw = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${t.plane.url}/api/gateway/llm/v1${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    t = await startTestPlane(backend, {
      gatewayLlmBaseUrl: upstream.url,
      gatewayLlmApiKey: UPSTREAM_KEY,
      gatewayInputPriceMicros: 1000,
      gatewayOutputPriceMicros: 2000,
      usageWebhookSecret: WEBHOOK_SECRET,
      gatewayTimeoutMs: 3000,
      gatewaySearchBaseUrl: upstream.url,
      gatewaySearchApiKey: UPSTREAM_KEY,
      gatewaySearchPriceMicros: 5000,
    });
    bare = await startTestPlane(backend);
    tenantId = (await t.api.get("/api/users/me", t.adminKey)).body.tenantId;
    const created = await t.api.post("/api/gateway/tokens", { name: "robots" }, t.adminKey);
    expect(created.status).toBe(201);
    expect(created.body.token).toStartWith("gw_");
    token = created.body.token;
  });
  afterAll(async () => {
    await t?.stop();
    await bare?.stop();
    upstream.server.stop(true);
  });

  test("no entitlement → 402; no provider configured → 503; bad or missing token → 401", async () => {
    const res = await gw("/chat/completions", { model: "m", messages: [] }, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(402);
    expect(((await res.json()) as { error: string }).error).toContain("entitlement");
    expect((await gw("/chat/completions", { model: "m" }, {})).status).toBe(401);
    expect((await gw("/chat/completions", { model: "m" }, { "x-api-key": "gw_nope" })).status).toBe(401);

    const other = (await bare.api.post("/api/gateway/tokens", { name: "x" }, bare.adminKey)).body.token;
    const unconfigured = await fetch(`${bare.plane.url}/api/gateway/llm/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": other },
      body: JSON.stringify({ model: "m", messages: [] }),
    });
    expect(unconfigured.status).toBe(503);
    expect(((await unconfigured.json()) as { error: string }).error).toContain("no LLM provider");
  });

  test("non-streamed and streamed completions pass through, usage metered to the tenant's ledger", async () => {
    const grant = await t.api.put(
      `/api/admin/billing/accounts/${tenantId}`,
      { plan: "pro", gatewayEnabled: true, addCredit: 10 },
      t.adminKey,
    );
    expect(grant.status).toBe(200);
    expect(grant.body.balance).toBe(10);

    const plain = await gw(
      "/chat/completions",
      { model: "m", messages: [{ role: "user", content: "hi" }] },
      { authorization: `Bearer ${token}` },
    );
    expect(plain.status).toBe(200);
    const answer = (await plain.json()) as { choices: { message: { content: string } }[] };
    expect(answer.choices[0].message.content).toBe("Hello");
    const last = upstream.seen.at(-1)!;
    expect(last.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);

    upstream.closeGate();
    const streamed = await gw("/chat/completions", { model: "m", stream: true, messages: [] }, { "x-api-key": token });
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get("content-type")).toContain("text/event-stream");
    // The first part reaches the caller while the provider still holds the rest (a buffering gateway hangs here).
    const reader = streamed.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    while (!text.includes('"Hel"')) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('"Hel"');
    expect(text).not.toContain("[DONE]");
    upstream.gate.release();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    expect(text).toContain('"Hel"');
    expect(text).toContain("data: [DONE]");
    // The gateway asked the provider for the stream's usage.
    expect(upstream.seen.at(-1)!.body.stream_options).toEqual({ include_usage: true });

    const responses = await gw("/responses", { model: "m", input: "hi" }, { "x-api-key": token });
    expect(responses.status).toBe(200);

    // 10+20 tokens, 7+5, 3+4: cost = in*0.001 + out*0.002.
    const summary = (await t.api.get("/api/billing/summary", t.adminKey)).body;
    expect(summary.spent).toBeCloseTo(0.01 + 0.04 + 0.007 + 0.01 + 0.003 + 0.008, 9);
    const usage = (await t.api.get("/api/billing/usage-summary?days=7", t.adminKey)).body;
    const chat = usage.byRoute.find((r: { route: string }) => r.route === "llm.chat.completions");
    expect(chat).toMatchObject({ requests: 2, inputTokens: 17, outputTokens: 25 });
    expect(usage.byRoute.find((r: { route: string }) => r.route === "llm.responses")).toMatchObject({
      requests: 1,
      inputTokens: 3,
      outputTokens: 4,
    });
  });

  test("search routes proxy to the search provider, metered per call; unconfigured → 503", async () => {
    const before = (await t.api.get("/api/billing/summary", t.adminKey)).body.spent;
    const web = await fetch(`${t.plane.url}/api/gateway/search/v1/web/search`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": token },
      body: JSON.stringify({ query: "robots" }),
    });
    expect(web.status).toBe(200);
    expect(((await web.json()) as { results: unknown[] }).results).toHaveLength(1);
    const news = await fetch(`${t.plane.url}/api/gateway/search/v1/news/search`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: "robots" }),
    });
    expect(news.status).toBe(200);
    expect((await t.api.get("/api/billing/summary", t.adminKey)).body.spent - before).toBeCloseTo(0.01, 9);
    const other = (await bare.api.post("/api/gateway/tokens", { name: "s" }, bare.adminKey)).body.token;
    const unconfigured = await fetch(`${bare.plane.url}/api/gateway/search/v1/web/search`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": other },
      body: JSON.stringify({ query: "x" }),
    });
    expect(unconfigured.status).toBe(503);
  });

  test("upstream failure → 502 without the upstream key; revoked token → 401", async () => {
    const res = await gw("/chat/completions", { model: "broken", messages: [] }, { "x-api-key": token });
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(text).not.toContain(UPSTREAM_KEY);
    expect(JSON.parse(text).error).toContain("upstream");
    const slow = await gw("/chat/completions", { model: "slow", messages: [] }, { "x-api-key": token });
    expect(slow.status).toBe(504);
    expect(((await slow.json()) as { error: string }).error).toContain("in time");

    const extra = (await t.api.post("/api/gateway/tokens", { name: "temp" }, t.adminKey)).body;
    expect((await gw("/responses", { model: "m" }, { "x-api-key": extra.token })).status).toBe(200);
    const revoked = await t.api.post(`/api/gateway/tokens/${extra.id}/revoke`, undefined, t.adminKey);
    expect(revoked.body.active).toBe(false);
    expect((await gw("/responses", { model: "m" }, { "x-api-key": extra.token })).status).toBe(401);
    const list = (await t.api.get("/api/gateway/tokens", t.adminKey)).body.items;
    expect(JSON.stringify(list)).not.toContain(extra.token);
  });

  test("over the credit → 402", async () => {
    const other = await t.api.post("/api/v1/tenants", { name: `poor-${crypto.randomUUID()}` }, t.adminKey);
    const poorTenant = other.body.tenant.id;
    const key = other.body.apiKey.key;
    await t.api.put(
      `/api/admin/billing/accounts/${poorTenant}`,
      { gatewayEnabled: true, addCredit: 0.001 },
      t.adminKey,
    );
    const tok = (await t.api.post("/api/gateway/tokens", { name: "p" }, key)).body.token;
    expect((await gw("/chat/completions", { model: "m", messages: [] }, { "x-api-key": tok })).status).toBe(200);
    const res = await gw("/chat/completions", { model: "m", messages: [] }, { "x-api-key": tok });
    expect(res.status).toBe(402);
    expect(((await res.json()) as { error: string }).error).toContain("credit");
  });

  test("spend requests: auto-approved under the policy, else approved by a person; agent's gateway calls count", async () => {
    const agent = await hostWithRuntime(t, "spender");
    const policy = await t.api.put(
      `/api/billing/runtime-spend-policies/${agent.hostId}`,
      { autoApprovePerRequest: 5, autoApprovePerDay: 8 },
      t.adminKey,
    );
    expect(policy.status).toBe(200);
    const self = await t.api.get("/api/runtime/self/spend-policy", agent.token);
    expect(self.body).toMatchObject({ configured: true, autoApprovePerRequest: 5, autoApprovePerDay: 8 });

    // A bound token: the agent has a policy and nothing approved yet → 402.
    const bound = (await t.api.post("/api/gateway/tokens", { name: "a", runtimeId: agent.runtimeId }, t.adminKey)).body
      .token;
    expect((await gw("/responses", { model: "m" }, { "x-api-key": bound })).status).toBe(402);

    const auto = await t.api.post("/api/runtime/billing/requests", { amount: 4, purpose: "llm" }, agent.token);
    expect(auto.status).toBe(201);
    expect(auto.body).toMatchObject({ status: "approved", decidedBy: "policy", amount: 4 });
    expect((await gw("/responses", { model: "m" }, { "x-api-key": bound })).status).toBe(200);

    // Over the day's auto-approval (4 + 5 > 8): pending until a person decides.
    const pending = await t.api.post("/api/runtime/billing/requests", { amount: 5, purpose: "more" }, agent.token);
    expect(pending.status).toBe(202);
    expect(pending.body.status).toBe("pending");
    const big = await t.api.post("/api/runtime/billing/requests", { amount: 50, purpose: "big" }, agent.token);
    expect(big.body.status).toBe("pending");
    const listed = (await t.api.get("/api/billing/runtime-requests?status=pending", t.adminKey)).body.items;
    expect(listed.map((r: { id: string }) => r.id).sort()).toEqual([pending.body.id, big.body.id].sort());

    const approved = await t.api.post(`/api/billing/runtime-requests/${pending.body.id}/approve`, {}, t.adminKey);
    expect(approved.status).toBe(200);
    expect(approved.body.status).toBe("approved");
    const denied = await t.api.post(`/api/billing/runtime-requests/${big.body.id}/deny`, { reason: "no" }, t.adminKey);
    expect(denied.body.status).toBe("denied");
    expect((await t.api.post(`/api/billing/runtime-requests/${big.body.id}/approve`, {}, t.adminKey)).status).toBe(409);

    const seen = await t.api.get(`/api/runtime/billing/requests/${pending.body.id}`, agent.token);
    expect(seen.body.status).toBe("approved");
    const other = await hostWithRuntime(t, "other");
    expect((await t.api.get(`/api/runtime/billing/requests/${pending.body.id}`, other.token)).status).toBe(404);
    expect((await t.api.post("/api/runtime/billing/requests", { amount: -1, purpose: "x" }, agent.token)).status).toBe(
      400,
    );
  });

  test("usage webhook: signature good/bad/missing, idempotent replay records once", async () => {
    const before = (await t.api.get("/api/billing/summary", t.adminKey)).body.spent;
    const raw = JSON.stringify({ tenantId, events: [{ route: "search.web", cost: 0.5 }] });
    const post = (headers: Record<string, string>, body = raw) =>
      fetch(`${t.plane.url}/api/webhooks/usage`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body,
      });
    expect((await post({})).status).toBe(401);
    expect((await post({ "x-roberto-signature": "0".repeat(64) })).status).toBe(401);
    expect((await post({ "x-roberto-signature": "sha256=zz" })).status).toBe(401);

    const key = crypto.randomUUID();
    const first = await post({ "x-roberto-signature": `sha256=${sign(raw)}`, "x-idempotency-key": key });
    expect(first.status).toBe(200);
    const firstBody = (await first.json()) as { recorded: number; ids: string[] };
    expect(firstBody.recorded).toBe(1);
    const again = await post({ "x-roberto-signature": sign(raw), "x-idempotency-key": key });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(firstBody);
    expect(again.headers.get("idempotent-replay")).toBe("true");
    const after = (await t.api.get("/api/billing/summary", t.adminKey)).body.spent;
    expect(after - before).toBeCloseTo(0.5, 9);

    const otherBody = JSON.stringify({ tenantId, events: [{ route: "x", cost: 1 }] });
    expect((await post({ "x-roberto-signature": sign(otherBody), "x-idempotency-key": key }, otherBody)).status).toBe(
      422,
    );
    const bad = JSON.stringify({ tenantId, events: [{ route: 5 }] });
    expect((await post({ "x-roberto-signature": sign(bad) }, bad)).status).toBe(400);
  });
});

// Bun checks idle timeouts every 4 s: with 1 s, a request quiet for 4 s or more is cut (without the routes' opt-out);
// GATEWAY_TIMEOUT_MS bounds the provider's silences instead.
describe(`gateway on a plane whose HTTP idle timeout is 1 s (${backends[0]!.name})`, () => {
  const upstream = startUpstream();
  let t: TestPlane;
  let token: string;

  beforeAll(async () => {
    t = await startTestPlane(backends[0]!, {
      httpIdleTimeoutSeconds: 1,
      gatewayLlmBaseUrl: upstream.url,
      gatewayLlmApiKey: UPSTREAM_KEY,
      gatewayTimeoutMs: 7_000,
    });
    const tenantId = (await t.api.get("/api/users/me", t.adminKey)).body.tenantId;
    await t.api.put(`/api/admin/billing/accounts/${tenantId}`, { gatewayEnabled: true, addCredit: 10 }, t.adminKey);
    token = (await t.api.post("/api/gateway/tokens", { name: "quiet" }, t.adminKey)).body.token;
  });
  afterAll(async () => {
    await t?.stop();
    upstream.server.stop(true);
  });

  test("a stream quiet for 5 s arrives whole; a provider that never answers is a 504 at GATEWAY_TIMEOUT_MS", async () => {
    const call = (body: object) =>
      fetch(`${t.plane.url}/api/gateway/llm/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-api-key": token },
        body: JSON.stringify(body),
      });
    upstream.closeGate();
    const release = setTimeout(() => upstream.gate.release(), 5_000);
    try {
      const [streamed, slow] = await Promise.all([
        call({ model: "m", stream: true, messages: [] }).then(async (r) => ({
          status: r.status,
          text: await r.text(),
        })),
        call({ model: "slow", messages: [] }).then(async (r) => ({ status: r.status, body: await r.json() })),
      ]);
      expect(streamed.status).toBe(200);
      expect(streamed.text).toContain('"Hel"');
      expect(streamed.text).toContain('"lo"');
      expect(streamed.text).toContain("data: [DONE]");
      expect(slow.status).toBe(504);
      expect((slow.body as { error: string }).error).toContain("in time");
    } finally {
      clearTimeout(release);
      upstream.gate.release();
    }
  }, 30_000);
});
