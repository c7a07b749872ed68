/** Routes: billing (users), runtime spend requests (runtimes), and the usage webhook (signed). */
import { Elysia, t } from "elysia";
import { Value } from "@sinclair/typebox/value";
import { ErrorBody, Items, Obj, Resource, responses } from "../../http/responses";
import { IdParams, oneOf } from "../../http/params";
import { badRequest } from "../../http/errors";
import { parseUntrustedJson } from "../../lib/json-guard";
import { asSystem } from "../../db/context";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { requireRuntime } from "../runtime/authenticate";
import { BillingService } from "./service";

const Amount = t.Number({ exclusiveMinimum: 0, maximum: 1_000_000 });
const SpendRequestView = Resource("a runtime's request to spend", {
  runtimeId: t.String(),
  agentId: t.String(),
  amount: t.Number(),
  purpose: t.String(),
  status: t.String({ description: "pending | approved | denied" }),
});
const SpendPolicyView = Obj({
  controllerAgentId: t.String(),
  configured: t.Boolean(),
  autoApprovePerRequest: t.Number(),
  autoApprovePerDay: t.Number(),
});
const SummaryView = Obj({
  plan: t.String(),
  gatewayEnabled: t.Boolean(),
  credit: t.Number(),
  spent: t.Number(),
  balance: t.Number(),
  monthSpent: t.Number(),
  monthlySpendLimit: t.Nullable(t.Number()),
  subscriptionStatus: t.Nullable(t.String()),
  paymentProvider: t.Nullable(t.String({ description: "stripe, or null when none is configured" })),
});
const Totals = { requests: t.Number(), inputTokens: t.Number(), outputTokens: t.Number(), cost: t.Number() };
const UsageSummaryView = Obj({
  days: t.Number(),
  byDay: t.Array(Obj({ day: t.String(), ...Totals })),
  byAgent: t.Array(Obj({ agentId: t.Nullable(t.String()), runtimeId: t.Nullable(t.String()), ...Totals })),
  byRoute: t.Array(Obj({ route: t.String(), ...Totals })),
});
const NOT_CONFIGURED = { 503: ErrorBody };
const PROVIDER_ERRORS = { 502: ErrorBody, 503: ErrorBody };
const CheckoutView = Obj({ id: t.String(), url: t.String({ description: "send the person here" }) });
const ReturnUrl = t.String({ minLength: 1, maxLength: 2000 });

export const billingController = ({ authenticator, billing }: Services) =>
  new Elysia({ prefix: "/api/billing", tags: ["billing"] })
    .use(requireUser(authenticator))
    .get("/summary", ({ principal }) => billing.summary(principal.tenantId), {
      response: responses({ 200: SummaryView }),
    })
    .get("/usage-summary", ({ principal, query }) => billing.usageSummary(principal.tenantId, query.days ?? 30), {
      query: t.Object({ days: t.Optional(t.Integer({ minimum: 1, maximum: 366 })) }),
      response: responses({ 200: UsageSummaryView }),
    })
    .get(
      "/runtime-requests",
      async ({ principal, query }) => ({ items: await billing.listRequests(principal.tenantId, query.status) }),
      {
        query: t.Object({ status: t.Optional(oneOf(["pending", "approved", "denied"])) }),
        response: responses({ 200: Items(SpendRequestView) }),
      },
    )
    .get("/runtime-requests/:id", ({ principal, params }) => billing.getRequest(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: SpendRequestView }),
    })
    .post(
      "/runtime-requests/:id/approve",
      ({ principal, params, body }) => billing.decide(principal, params.id, "approved", body?.reason),
      {
        params: IdParams,
        body: t.Optional(t.Object({ reason: t.Optional(t.String({ maxLength: 1000 })) })),
        response: responses({ 200: SpendRequestView }),
      },
    )
    .post(
      "/runtime-requests/:id/deny",
      ({ principal, params, body }) => billing.decide(principal, params.id, "denied", body?.reason),
      {
        params: IdParams,
        body: t.Optional(t.Object({ reason: t.Optional(t.String({ maxLength: 1000 })) })),
        response: responses({ 200: SpendRequestView }),
      },
    )
    .get(
      "/runtime-spend-policies/:controllerAgentId",
      ({ principal, params }) => billing.getPolicy(principal.tenantId, params.controllerAgentId),
      {
        params: t.Object({ controllerAgentId: t.String({ minLength: 1, maxLength: 100 }) }),
        response: responses({ 200: SpendPolicyView }),
      },
    )
    .put(
      "/runtime-spend-policies/:controllerAgentId",
      ({ principal, params, body }) => billing.setPolicy(principal, params.controllerAgentId, body),
      {
        params: t.Object({ controllerAgentId: t.String({ minLength: 1, maxLength: 100 }) }),
        body: t.Object({
          autoApprovePerRequest: t.Number({ minimum: 0, maximum: 1_000_000 }),
          autoApprovePerDay: t.Number({ minimum: 0, maximum: 1_000_000 }),
        }),
        response: responses({ 200: SpendPolicyView }),
      },
    )
    .post("/checkout", ({ principal, body }) => billing.checkout(principal, body), {
      body: t.Object({
        plan: t.String({ minLength: 1, maxLength: 100 }),
        successUrl: t.Optional(ReturnUrl),
        cancelUrl: t.Optional(ReturnUrl),
      }),
      response: responses({ 200: CheckoutView, ...PROVIDER_ERRORS }),
    })
    .post("/credits/checkout", ({ principal, body }) => billing.creditsCheckout(principal, body), {
      body: t.Object({ amount: Amount, successUrl: t.Optional(ReturnUrl), cancelUrl: t.Optional(ReturnUrl) }),
      response: responses({ 200: CheckoutView, ...PROVIDER_ERRORS }),
    })
    .post("/portal", ({ principal, body }) => billing.portal(principal, body ?? {}), {
      body: t.Optional(t.Object({ returnUrl: t.Optional(ReturnUrl) })),
      response: responses({ 200: Obj({ url: t.String() }), ...PROVIDER_ERRORS }),
    })
    .post("/sync", ({ principal }) => billing.sync(principal), {
      response: responses({
        200: Obj({ ...SummaryView.properties, customer: t.Boolean(), paymentsCredited: t.Integer() }),
        ...PROVIDER_ERRORS,
      }),
    });

/** Installation admins: a tenant's plan, gateway entitlement and credit (stand-in for a payment provider's sync). */
export const billingAdminController = ({ authenticator, billing }: Services) =>
  new Elysia({ prefix: "/api/admin/billing", tags: ["billing"] })
    .use(requireUser(authenticator))
    .put("/accounts/:id", ({ principal, params, body }) => billing.setAccount(principal, params.id, body), {
      params: IdParams,
      body: t.Object({
        plan: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
        gatewayEnabled: t.Optional(t.Boolean()),
        addCredit: t.Optional(t.Number({ minimum: 0, maximum: 1_000_000_000 })),
        monthlySpendLimit: t.Optional(t.Nullable(t.Number({ minimum: 0, maximum: 1_000_000_000 }))),
      }),
      response: responses({ 200: SummaryView, ...NOT_CONFIGURED }),
    });

export const runtimeBillingController = ({ runtime, billing }: Services) =>
  new Elysia({ prefix: "/api/runtime", tags: ["billing"] })
    .use(requireRuntime(runtime))
    .post(
      "/billing/requests",
      async ({ runtime: me, body, set }) => {
        const request = await billing.requestSpend(me, body);
        set.status = request.status === "approved" ? 201 : 202;
        return request;
      },
      {
        body: t.Object({ amount: Amount, purpose: t.String({ minLength: 1, maxLength: 1000 }) }),
        response: responses({ 201: SpendRequestView, 202: SpendRequestView }),
      },
    )
    .get("/billing/requests", async ({ runtime: me }) => ({ items: await billing.listRequestsOfRuntime(me) }), {
      response: responses({ 200: Items(SpendRequestView) }),
    })
    .get("/billing/requests/:id", ({ runtime: me, params }) => billing.requestOfRuntime(me, params.id), {
      params: IdParams,
      response: responses({ 200: SpendRequestView }),
    })
    .get("/self/spend-policy", ({ runtime: me }) => billing.selfPolicy(me), {
      response: responses({ 200: SpendPolicyView }),
    });

const UsageEventSchema = t.Object({
  runtimeId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  agentId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  route: t.String({ minLength: 1, maxLength: 200 }),
  model: t.Optional(t.String({ maxLength: 200 })),
  inputTokens: t.Optional(t.Integer({ minimum: 0, maximum: 1e9 })),
  outputTokens: t.Optional(t.Integer({ minimum: 0, maximum: 1e9 })),
  cost: t.Optional(t.Number({ minimum: 0, maximum: 1e6 })),
});
const WebhookBody = t.Object(
  {
    tenantId: t.String({ minLength: 1, maxLength: 100 }),
    events: t.Array(UsageEventSchema, { minItems: 1, maxItems: 1000 }),
  },
  { additionalProperties: false },
);

/**
 * `POST /api/webhooks/usage`: the raw body is what the signature covers, so the route reads it untouched (a raw
 * body route of the request guard) and validates it here.
 */
export const usageWebhookController = ({ billing, config, rateLimits }: Services) =>
  new Elysia({ tags: ["billing"] }).post(
    "/api/webhooks/usage",
    async ({ request, set, server }) => {
      // Budgeted per source before anything else (the signature check and the body cost work).
      rateLimits.usageWebhookBySource.take(
        rateLimits.source(request, server),
        "too many usage webhook deliveries from this source; retry later",
      );
      const raw = new Uint8Array(await request.arrayBuffer());
      if (config.usageWebhookSecret)
        BillingService.verifySignature(config.usageWebhookSecret, raw, request.headers.get("x-roberto-signature"));
      const key = request.headers.get("x-idempotency-key")?.trim() || undefined;
      if (key && key.length > 200) throw badRequest("x-idempotency-key longer than 200 characters");
      let text: string;
      try {
        text = new TextDecoder("utf-8", { fatal: true }).decode(raw);
      } catch {
        throw badRequest("invalid request body: not UTF-8");
      }
      const parsed = parseUntrustedJson(text, config.maxJsonDepth);
      if (!parsed.ok) throw badRequest(`invalid request body: ${parsed.reason}`);
      if (!Value.Check(WebhookBody, parsed.value)) {
        const first = Value.Errors(WebhookBody, parsed.value).First();
        throw badRequest(`invalid body: ${first?.path.replace(/^\//, "").replaceAll("/", ".")}: ${first?.message}`);
      }
      const body = parsed.value;
      const result = await asSystem("usage webhook: a signed delivery names its tenant", () =>
        billing.ingest(body.tenantId, body.events, raw, key),
      );
      if (result.replayed) set.headers["idempotent-replay"] = "true";
      return result.response as { ok: boolean; recorded: number; ids: string[] };
    },
    {
      detail: { security: [] },
      parse: "none",
      response: responses({
        200: Obj({ ok: t.Boolean(), recorded: t.Integer(), ids: t.Array(t.String()) }),
      }),
    },
  );

/** `POST /api/webhooks/stripe`: Stripe's events, verified by `Stripe-Signature` over the raw body. */
export const stripeWebhookController = ({ billing }: Services) =>
  new Elysia({ tags: ["billing"] }).post(
    "/api/webhooks/stripe",
    async ({ request }) => {
      const raw = new Uint8Array(await request.arrayBuffer());
      return asSystem("payment provider webhook: a verified event names its customer", () =>
        billing.providerEvent(raw, request.headers.get("stripe-signature")),
      );
    },
    {
      detail: { security: [] },
      parse: "none",
      response: responses({ 200: Obj({ received: t.Boolean(), handled: t.Boolean() }), 503: ErrorBody }),
    },
  );
