/**
 * The payment provider behind checkout, credits checkout, the customer portal, sync and the provider's webhook.
 * One adapter: Stripe, through the official `stripe` package (its HTTP API: form-encoded POST /v1/customers,
 * /v1/checkout/sessions, /v1/billing_portal/sessions; GET /v1/subscriptions, /v1/checkout/sessions), with the
 * host overridable (`STRIPE_API_BASE`) so tests run it against a local stand-in. No HTTP of ours here.
 */
import Stripe from "stripe";
import { badGateway, rejectedCredential, unavailable } from "../../lib/errors";

export interface CheckoutSession {
  id: string;
  url: string;
}

export interface ProviderSubscription {
  id: string;
  status: string;
  priceIds: string[];
  currentPeriodEnd: number | null;
}

/** A paid checkout session found by a sync (credits the tenant once, by its id). */
export interface PaidCredits {
  sessionId: string;
  tenantId: string | null;
  credits: number;
}

/** A provider event the billing service acts on, already verified. */
export type ProviderEvent =
  | {
      id: string;
      type: "credits.paid";
      sessionId: string;
      tenantId: string | null;
      customerId: string | null;
      credits: number;
    }
  | { id: string; type: "subscription.changed"; tenantId: string | null; customerId: string | null }
  | { id: string; type: "ignored"; providerType: string };

export interface PaymentProvider {
  readonly name: string;
  createCustomer(tenantId: string): Promise<string>;
  subscriptionCheckout(input: {
    customerId: string;
    tenantId: string;
    plan: string;
    priceId: string;
    successUrl: string;
    cancelUrl: string;
  }): Promise<CheckoutSession>;
  creditsCheckout(input: {
    customerId: string;
    tenantId: string;
    credits: number;
    successUrl: string;
    cancelUrl: string;
  }): Promise<CheckoutSession>;
  portal(input: { customerId: string; returnUrl: string }): Promise<{ url: string }>;
  subscriptions(customerId: string): Promise<ProviderSubscription[]>;
  paidCredits(customerId: string): Promise<PaidCredits[]>;
  /** Verifies a webhook delivery's signature (401 otherwise) and reads the event. */
  verifyEvent(raw: Uint8Array, signature: string | null): Promise<ProviderEvent>;
}

export interface StripeSettings {
  secretKey: string;
  webhookSecret?: string;
  /** e.g. `http://127.0.0.1:4242` (tests); unset = api.stripe.com. */
  apiBase?: string;
  currency: string;
  /** Price of one credit unit in the currency's smallest unit (cents). */
  creditUnitAmount: number;
  /** Seconds a webhook timestamp may be off. */
  webhookToleranceSeconds: number;
  timeoutMs: number;
}

const CREDITS_KIND = "credits";

export class StripeProvider implements PaymentProvider {
  readonly name = "stripe";
  private readonly stripe: Stripe;

  constructor(private readonly settings: StripeSettings) {
    const base = settings.apiBase ? new URL(settings.apiBase) : undefined;
    this.stripe = new Stripe(settings.secretKey, {
      maxNetworkRetries: 1,
      timeout: settings.timeoutMs,
      ...(base
        ? {
            host: base.hostname,
            port: base.port || (base.protocol === "https:" ? 443 : 80),
            protocol: base.protocol === "https:" ? "https" : "http",
          }
        : {}),
    });
  }

  /** A provider failure as a 502 that never carries the secret key (Stripe's messages do not; ours say only what). */
  private async call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      const message = error instanceof Error ? error.message.replaceAll(this.settings.secretKey, "[key]") : "";
      throw badGateway(
        `payment provider: ${what} failed${status ? ` (${status})` : ""}${message ? `: ${message.slice(0, 300)}` : ""}`,
      );
    }
  }

  async createCustomer(tenantId: string) {
    const customer = await this.call("creating the customer", () =>
      this.stripe.customers.create({ name: tenantId, metadata: { tenantId } }),
    );
    return customer.id;
  }

  async subscriptionCheckout(input: {
    customerId: string;
    tenantId: string;
    plan: string;
    priceId: string;
    successUrl: string;
    cancelUrl: string;
  }) {
    const session = await this.call("creating the checkout session", () =>
      this.stripe.checkout.sessions.create({
        mode: "subscription",
        customer: input.customerId,
        client_reference_id: input.tenantId,
        line_items: [{ price: input.priceId, quantity: 1 }],
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        metadata: { tenantId: input.tenantId, kind: "plan", plan: input.plan },
        subscription_data: { metadata: { tenantId: input.tenantId, plan: input.plan } },
      }),
    );
    return this.session(session);
  }

  async creditsCheckout(input: {
    customerId: string;
    tenantId: string;
    credits: number;
    successUrl: string;
    cancelUrl: string;
  }) {
    const session = await this.call("creating the credits checkout session", () =>
      this.stripe.checkout.sessions.create({
        mode: "payment",
        customer: input.customerId,
        client_reference_id: input.tenantId,
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: this.settings.currency,
              unit_amount: Math.round(input.credits * this.settings.creditUnitAmount),
              product_data: { name: `${input.credits} credits` },
            },
          },
        ],
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
        metadata: { tenantId: input.tenantId, kind: CREDITS_KIND, credits: String(input.credits) },
      }),
    );
    return this.session(session);
  }

  private session(s: Stripe.Checkout.Session): CheckoutSession {
    if (!s.url) throw badGateway("payment provider: the checkout session has no URL");
    return { id: s.id, url: s.url };
  }

  async portal(input: { customerId: string; returnUrl: string }) {
    const session = await this.call("creating the portal session", () =>
      this.stripe.billingPortal.sessions.create({ customer: input.customerId, return_url: input.returnUrl }),
    );
    return { url: session.url };
  }

  async subscriptions(customerId: string) {
    const list = await this.call("listing subscriptions", () =>
      this.stripe.subscriptions.list({ customer: customerId, status: "all", limit: 100 }),
    );
    return list.data.map((s) => {
      const item = s.items?.data?.[0] as { current_period_end?: number } | undefined;
      const end = (s as { current_period_end?: number }).current_period_end ?? item?.current_period_end ?? null;
      return {
        id: s.id,
        status: s.status,
        priceIds: (s.items?.data ?? []).map((i) => i.price?.id).filter((id): id is string => Boolean(id)),
        currentPeriodEnd: end,
      };
    });
  }

  async paidCredits(customerId: string) {
    const list = await this.call("listing checkout sessions", () =>
      this.stripe.checkout.sessions.list({ customer: customerId, status: "complete", limit: 100 }),
    );
    return list.data.flatMap((s) => (creditsOf(s) ? [creditsOf(s)!] : []));
  }

  async verifyEvent(raw: Uint8Array, signature: string | null): Promise<ProviderEvent> {
    if (!this.settings.webhookSecret)
      throw unavailable("the payment provider's webhook is not configured (STRIPE_WEBHOOK_SECRET)");
    if (!signature) throw rejectedCredential("unauthenticated", "missing Stripe-Signature");
    let event: Stripe.Event;
    try {
      event = await this.stripe.webhooks.constructEventAsync(
        Buffer.from(raw),
        signature,
        this.settings.webhookSecret,
        this.settings.webhookToleranceSeconds,
      );
    } catch {
      throw rejectedCredential("unauthenticated", "invalid Stripe-Signature");
    }
    const object = (event.data?.object ?? {}) as unknown as Record<string, unknown>;
    const meta = (object.metadata ?? {}) as Record<string, string>;
    const customer = typeof object.customer === "string" ? object.customer : null;
    switch (event.type) {
      case "checkout.session.completed":
      case "checkout.session.async_payment_succeeded": {
        const credits = creditsOf(object as unknown as Stripe.Checkout.Session);
        if (credits) return { id: event.id, type: "credits.paid", ...credits, customerId: customer };
        return { id: event.id, type: "subscription.changed", tenantId: meta.tenantId ?? null, customerId: customer };
      }
      case "customer.subscription.created":
      case "customer.subscription.updated":
      case "customer.subscription.deleted":
        return { id: event.id, type: "subscription.changed", tenantId: meta.tenantId ?? null, customerId: customer };
      default:
        return { id: event.id, type: "ignored", providerType: event.type };
    }
  }
}

/** A paid credits checkout session: its id, tenant and credits (from the metadata we set); otherwise undefined. */
function creditsOf(s: Stripe.Checkout.Session): PaidCredits | undefined {
  const meta = (s.metadata ?? {}) as Record<string, string>;
  if (s.mode !== "payment" || meta.kind !== CREDITS_KIND || s.payment_status !== "paid") return undefined;
  const credits = Number(meta.credits);
  if (!Number.isFinite(credits) || credits <= 0) return undefined;
  return { sessionId: s.id, tenantId: meta.tenantId ?? s.client_reference_id ?? null, credits };
}
