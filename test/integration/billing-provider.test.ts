/**
 * The payment provider (Stripe adapter, through the official `stripe` package) against a local stand-in HTTP server
 * speaking Stripe's API shape for the calls used (form-encoded POST /v1/customers, /v1/checkout/sessions,
 * /v1/billing_portal/sessions; GET /v1/subscriptions, /v1/checkout/sessions), Stripe-signed webhook deliveries
 * (`t=…,v1=HMAC-SHA256(t.body)`), and the usage webhook's per-source rate limit; on PGlite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";

const backends = await availableBackends();
const STRIPE_KEY = `sk_test_${crypto.randomUUID().replaceAll("-", "")}`;
const WEBHOOK_SECRET = "whsec_standin_secret";

interface Session {
  id: string;
  object: "checkout.session";
  mode: string;
  customer: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  status: "open" | "complete";
  payment_status: "unpaid" | "paid";
  url: string;
  amount_total: number | null;
}

interface Call {
  method: string;
  path: string;
  contentType: string | null;
  form: URLSearchParams;
}

/** Stripe's API shape for the calls the adapter makes; `pay` and `subscribe` stand for what a person does there. */
function startStripeStandIn() {
  const calls: Call[] = [];
  const sessions = new Map<string, Session>();
  const subscriptions: Record<string, unknown>[] = [];
  let n = 0;
  const list = (data: unknown[], url: string) => ({ object: "list", data, has_more: false, url });
  const metadata = (form: URLSearchParams, prefix = "metadata") => {
    const out: Record<string, string> = {};
    for (const [k, v] of form) {
      const m = new RegExp(`^${prefix.replace(/[[\]]/g, "\\$&")}\\[([^\\]]+)\\]$`).exec(k);
      if (m) out[m[1]!] = v;
    }
    return out;
  };
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    async fetch(req) {
      const url = new URL(req.url);
      const form = new URLSearchParams(req.method === "GET" ? url.search : await req.text());
      calls.push({ method: req.method, path: url.pathname, contentType: req.headers.get("content-type"), form });
      if (req.headers.get("authorization") !== `Bearer ${STRIPE_KEY}`)
        return Response.json(
          { error: { type: "invalid_request_error", message: "Invalid API Key provided" } },
          { status: 401 },
        );
      if (req.method === "POST" && url.pathname === "/v1/customers")
        return Response.json({
          id: `cus_${++n}`,
          object: "customer",
          name: form.get("name"),
          metadata: metadata(form),
        });
      if (req.method === "POST" && url.pathname === "/v1/checkout/sessions") {
        if (form.get("line_items[0][price]") === "price_broken")
          return Response.json({ error: { type: "api_error", message: "Something went wrong" } }, { status: 500 });
        const id = `cs_test_${++n}`;
        const unit = Number(form.get("line_items[0][price_data][unit_amount]") ?? 0);
        const session: Session = {
          id,
          object: "checkout.session",
          mode: form.get("mode")!,
          customer: form.get("customer")!,
          client_reference_id: form.get("client_reference_id"),
          metadata: metadata(form),
          status: "open",
          payment_status: "unpaid",
          url: `https://checkout.stripe.test/c/pay/${id}`,
          amount_total: unit || null,
        };
        sessions.set(id, session);
        return Response.json(session);
      }
      if (req.method === "GET" && url.pathname === "/v1/checkout/sessions") {
        const data = [...sessions.values()].filter(
          (s) =>
            s.customer === url.searchParams.get("customer") &&
            (!url.searchParams.get("status") || s.status === url.searchParams.get("status")),
        );
        return Response.json(list(data, "/v1/checkout/sessions"));
      }
      if (req.method === "POST" && url.pathname === "/v1/billing_portal/sessions")
        return Response.json({
          id: `bps_${++n}`,
          object: "billing_portal.session",
          customer: form.get("customer"),
          return_url: form.get("return_url"),
          url: `https://billing.stripe.test/p/session/${n}`,
        });
      if (req.method === "GET" && url.pathname === "/v1/subscriptions") {
        const data = subscriptions.filter((s) => s.customer === url.searchParams.get("customer"));
        return Response.json(list(data, "/v1/subscriptions"));
      }
      return Response.json(
        { error: { type: "invalid_request_error", message: "Unrecognized request URL" } },
        { status: 404 },
      );
    },
  });
  return {
    base: `http://127.0.0.1:${server.port}`,
    calls,
    sessions,
    /** The person paid: the session is complete and paid. */
    pay(id: string) {
      const s = sessions.get(id)!;
      s.status = "complete";
      s.payment_status = "paid";
      return s;
    },
    subscribe(customer: string, price: string, status: string, tenantId: string) {
      const existing = subscriptions.find((s) => s.customer === customer);
      const sub = {
        id: (existing?.id as string) ?? `sub_${++n}`,
        object: "subscription",
        customer,
        status,
        metadata: { tenantId },
        items: { object: "list", data: [{ id: `si_${n}`, price: { id: price }, current_period_end: 1_900_000_000 }] },
      };
      if (existing) Object.assign(existing, sub);
      else subscriptions.push(sub);
      return sub;
    },
    stop: () => server.stop(true),
  };
}

/** A Stripe webhook delivery: the event JSON and its `Stripe-Signature` (t=…,v1=hex HMAC-SHA256 of `${t}.${body}`). */
function signedEvent(event: Record<string, unknown>, opts: { secret?: string; at?: number } = {}) {
  const body = JSON.stringify({ object: "event", api_version: "2025-01-01", created: 1, livemode: false, ...event });
  const t = opts.at ?? Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", opts.secret ?? WEBHOOK_SECRET)
    .update(`${t}.${body}`)
    .digest("hex");
  return { body, signature: `t=${t},v1=${v1}` };
}

describe.each(backends)("payment provider (Stripe stand-in) on $name", (backend) => {
  let t: TestPlane;
  let bare: TestPlane;
  let stripe: ReturnType<typeof startStripeStandIn>;
  let tenantId: string;
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    t.api.request("POST", path, { rawBody: typeof body === "string" ? body : JSON.stringify(body), headers });
  const webhook = (delivery: { body: string; signature?: string }) =>
    post("/api/webhooks/stripe", delivery.body, {
      "content-type": "application/json",
      ...(delivery.signature ? { "stripe-signature": delivery.signature } : {}),
    });

  beforeAll(async () => {
    stripe = startStripeStandIn();
    t = await startTestPlane(backend, {
      stripeSecretKey: STRIPE_KEY,
      stripeWebhookSecret: WEBHOOK_SECRET,
      stripeApiBase: stripe.base,
      stripePlans: { pro: "price_pro", broken: "price_broken" },
      stripeCreditUnitAmount: 100,
      rateLimitUsageWebhook: 3,
    });
    bare = await startTestPlane(backend);
    tenantId = (await t.api.get("/api/users/me", t.adminKey)).body.tenantId;
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    await bare?.stop();
    stripe?.stop();
  }, 30_000);

  test("without a configured provider: checkout, credits checkout, portal, sync and the webhook answer 503 {error}", async () => {
    const calls = [
      bare.api.post("/api/billing/checkout", { plan: "pro" }, bare.adminKey),
      bare.api.post("/api/billing/credits/checkout", { amount: 5 }, bare.adminKey),
      bare.api.post("/api/billing/portal", {}, bare.adminKey),
      bare.api.post("/api/billing/sync", undefined, bare.adminKey),
      bare.api.request("POST", "/api/webhooks/stripe", { rawBody: "{}", headers: { "stripe-signature": "t=1,v1=00" } }),
    ];
    for (const r of await Promise.all(calls)) {
      expect(r.status).toBe(503);
      expect(typeof r.body.error).toBe("string");
    }
    expect((await bare.api.get("/api/billing/summary", bare.adminKey)).body.paymentProvider).toBeNull();
  });

  test("credits checkout: Stripe's form-encoded calls; a signed checkout.session.completed credits the tenant exactly once", async () => {
    const start = await t.api.post("/api/billing/credits/checkout", { amount: 12.5 }, t.adminKey);
    expect(start.status).toBe(200);
    expect(start.body.url).toStartWith("https://checkout.stripe.test/c/pay/cs_test_");
    const customerCall = stripe.calls.find((c) => c.path === "/v1/customers")!;
    expect(customerCall.contentType).toContain("application/x-www-form-urlencoded");
    expect(customerCall.form.get("metadata[tenantId]")).toBe(tenantId);
    const checkoutCall = stripe.calls.findLast((c) => c.path === "/v1/checkout/sessions")!;
    expect(checkoutCall.method).toBe("POST");
    expect(checkoutCall.form.get("mode")).toBe("payment");
    expect(checkoutCall.form.get("line_items[0][price_data][unit_amount]")).toBe("1250");
    expect(checkoutCall.form.get("line_items[0][price_data][currency]")).toBe("usd");
    expect(checkoutCall.form.get("success_url")).toStartWith("http");
    const before = (await t.api.get("/api/billing/summary", t.adminKey)).body;
    expect(before.paymentProvider).toBe("stripe");

    const session = stripe.pay(start.body.id);
    const event = { id: `evt_${crypto.randomUUID()}`, type: "checkout.session.completed", data: { object: session } };
    const delivery = signedEvent(event);
    const first = await webhook(delivery);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ received: true, handled: true });
    // Stripe redelivers the same event; and async_payment_succeeded names the same session: credited once.
    expect((await webhook(delivery)).body).toEqual({ received: true, handled: false });
    const other = signedEvent({
      ...event,
      id: `evt_${crypto.randomUUID()}`,
      type: "checkout.session.async_payment_succeeded",
    });
    expect((await webhook(other)).body).toEqual({ received: true, handled: false });
    const after = (await t.api.get("/api/billing/summary", t.adminKey)).body;
    expect(after.credit).toBeCloseTo(before.credit + 12.5, 6);
    // A sync sees the same paid session: nothing more.
    const sync = await t.api.post("/api/billing/sync", undefined, t.adminKey);
    expect(sync.status).toBe(200);
    expect(sync.body.paymentsCredited).toBe(0);
    expect(sync.body.credit).toBeCloseTo(after.credit, 6);
  });

  test("webhook signature: missing, wrong secret, altered body and a stale timestamp are 401; unknown events are acknowledged", async () => {
    const event = { id: `evt_${crypto.randomUUID()}`, type: "invoice.paid", data: { object: { id: "in_1" } } };
    const good = signedEvent(event);
    expect((await webhook({ body: good.body })).status).toBe(401);
    expect((await webhook(signedEvent(event, { secret: "whsec_wrong" }))).status).toBe(401);
    const altered = await webhook({ body: good.body.replace("in_1", "in_2"), signature: good.signature });
    expect(altered.status).toBe(401);
    expect(altered.body.error).toContain("Stripe-Signature");
    const stale = await webhook(signedEvent(event, { at: Math.floor(Date.now() / 1000) - 3600 }));
    expect(stale.status).toBe(401);
    expect((await webhook({ body: good.body, signature: "garbage" })).status).toBe(401);
    const ok = await webhook(good);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ received: true, handled: false });
  });

  test("a paid credits checkout the webhook never reported is credited by sync, once", async () => {
    const start = await t.api.post("/api/billing/credits/checkout", { amount: 3 }, t.adminKey);
    expect(start.status).toBe(200);
    stripe.pay(start.body.id);
    const before = (await t.api.get("/api/billing/summary", t.adminKey)).body.credit;
    const first = await t.api.post("/api/billing/sync", undefined, t.adminKey);
    expect(first.body.paymentsCredited).toBe(1);
    expect(first.body.credit).toBeCloseTo(before + 3, 6);
    const again = await t.api.post("/api/billing/sync", undefined, t.adminKey);
    expect(again.body.paymentsCredited).toBe(0);
    expect(again.body.credit).toBeCloseTo(before + 3, 6);
  });

  test("subscription checkout for a configured plan; subscription events set the plan and the gateway entitlement", async () => {
    expect((await t.api.post("/api/billing/checkout", { plan: "gold" }, t.adminKey)).status).toBe(400);
    const start = await t.api.post(
      "/api/billing/checkout",
      { plan: "pro", successUrl: "https://app.example/ok", cancelUrl: "https://app.example/no" },
      t.adminKey,
    );
    expect(start.status).toBe(200);
    const call = stripe.calls.findLast((c) => c.path === "/v1/checkout/sessions")!;
    expect(call.form.get("mode")).toBe("subscription");
    expect(call.form.get("line_items[0][price]")).toBe("price_pro");
    expect(call.form.get("success_url")).toBe("https://app.example/ok");
    const customer = stripe.sessions.get(start.body.id)!.customer;

    const sub = stripe.subscribe(customer, "price_pro", "active", tenantId);
    const updated = await webhook(
      signedEvent({ id: `evt_${crypto.randomUUID()}`, type: "customer.subscription.updated", data: { object: sub } }),
    );
    expect(updated.body).toEqual({ received: true, handled: true });
    let summary = (await t.api.get("/api/billing/summary", t.adminKey)).body;
    expect(summary).toMatchObject({ plan: "pro", gatewayEnabled: true, subscriptionStatus: "active" });

    const cancelled = stripe.subscribe(customer, "price_pro", "canceled", tenantId);
    await webhook(
      signedEvent({
        id: `evt_${crypto.randomUUID()}`,
        type: "customer.subscription.deleted",
        data: { object: cancelled },
      }),
    );
    summary = (await t.api.get("/api/billing/summary", t.adminKey)).body;
    expect(summary).toMatchObject({ plan: "none", gatewayEnabled: false, subscriptionStatus: "canceled" });

    // Sync reads the same state from GET /v1/subscriptions.
    stripe.subscribe(customer, "price_pro", "trialing", tenantId);
    const sync = await t.api.post("/api/billing/sync", undefined, t.adminKey);
    expect(sync.body).toMatchObject({
      plan: "pro",
      gatewayEnabled: true,
      subscriptionStatus: "trialing",
      customer: true,
    });
    expect(stripe.calls.some((c) => c.method === "GET" && c.path === "/v1/subscriptions")).toBe(true);
  });

  test("portal session; a provider failure is 502 without the secret key; bad return URLs are 400", async () => {
    const portal = await t.api.post("/api/billing/portal", { returnUrl: "https://app.example/billing" }, t.adminKey);
    expect(portal.status).toBe(200);
    expect(portal.body.url).toStartWith("https://billing.stripe.test/p/session/");
    expect(stripe.calls.findLast((c) => c.path === "/v1/billing_portal/sessions")!.form.get("return_url")).toBe(
      "https://app.example/billing",
    );
    const broken = await t.api.post("/api/billing/checkout", { plan: "broken" }, t.adminKey);
    expect(broken.status).toBe(502);
    expect(JSON.stringify(broken.body)).not.toContain(STRIPE_KEY);
    const bad = await t.api.post("/api/billing/portal", { returnUrl: "javascript:alert(1)" }, t.adminKey);
    expect(bad.status).toBe(400);
    expect((await t.api.post("/api/billing/credits/checkout", { amount: -1 }, t.adminKey)).status).toBe(400);
    expect((await t.api.post("/api/billing/credits/checkout", { amount: "5" }, t.adminKey)).status).toBe(400);
    expect((await t.api.post("/api/billing/checkout", {}, t.adminKey)).status).toBe(400);
    expect((await t.api.post("/api/billing/checkout", { plan: "pro" })).status).toBe(401);
  });

  test("usage webhook: per-source budget, then 429 {error, retryAfterSeconds} with Retry-After", async () => {
    const body = JSON.stringify({ tenantId, events: [{ route: "search.web", cost: 0.01 }] });
    const bareTenant = (await bare.api.get("/api/users/me", bare.adminKey)).body.tenantId;
    const send = () => post("/api/webhooks/usage", body, { "content-type": "application/json" });
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(200);
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(typeof limited.body.error).toBe("string");
    expect(limited.body.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get("retry-after"))).toBe(limited.body.retryAfterSeconds);
    // Another plane (another process's budget) is not affected: the budget is per source and per process.
    const elsewhere = JSON.stringify({ tenantId: bareTenant, events: [{ route: "search.web", cost: 0.01 }] });
    expect((await bare.api.request("POST", "/api/webhooks/usage", { rawBody: elsewhere })).status).toBe(200);
  });
});
