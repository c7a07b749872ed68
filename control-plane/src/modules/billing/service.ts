/**
 * Billing and spend control: the tenant's account (plan, gateway entitlement, credit), the append-only usage
 * ledger, runtime spend policies and spend requests, and the usage webhook's idempotent ingest. No HTTP here.
 * Amounts are kept in micro-units (1e-6 of a credit unit); the API speaks plain numbers (`amount: 2.5`).
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { and, desc, eq, gte, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/connect";
import {
  billingAccounts,
  billingPayments,
  runtimeSpendPolicies,
  spendRequests,
  usageLedger,
  usageWebhookReceipts,
} from "../../db/schema";
import { newId } from "../../lib/ids";
import {
  conflict,
  invalid,
  notFound,
  paymentRequired,
  rejectedCredential,
  unavailable,
  unprocessable,
} from "../../lib/errors";
import type { PaymentProvider, ProviderSubscription } from "./payment-provider";
import type { HostService } from "../hosts/service";
import type { AuditService } from "../audit/service";
import type { UserPrincipal } from "../auth/principal";
import type { RuntimePrincipal } from "../runtime/principal";

export const MICROS = 1_000_000;
export const toMicros = (amount: number) => Math.round(amount * MICROS);
const fromMicros = (micros: number) => micros / MICROS;

export interface UsageEntry {
  tenantId: string;
  runtimeId?: string | null;
  hostId?: string | null;
  source: "gateway" | "webhook";
  route: string;
  model?: string | null;
  inputTokens: number;
  outputTokens: number;
  costMicros: number;
}

export interface Prices {
  inputPriceMicros: number;
  outputPriceMicros: number;
}

export interface PaymentSettings {
  /** Absent: checkout, credits checkout, portal and sync answer 503. */
  provider?: PaymentProvider;
  /** Plan name → the provider's price id (`pro=price_...`). */
  plans: Record<string, string>;
  /** Where the provider sends people back by default (`{publicUrl}/console`). */
  publicUrl: string;
}

/** Subscription states that keep the plan's gateway entitlement. */
const ENTITLED = new Set(["active", "trialing", "past_due"]);

type SpendRequest = typeof spendRequests.$inferSelect;
const presentRequest = (r: SpendRequest) => ({
  id: r.id,
  runtimeId: r.runtimeId,
  agentId: r.hostId,
  amount: fromMicros(r.amountMicros),
  purpose: r.purpose,
  status: r.status,
  decidedBy: r.decidedBy,
  decidedAt: r.decidedAt,
  reason: r.reason,
  createdAt: r.createdAt,
});

type Policy = typeof runtimeSpendPolicies.$inferSelect;
const presentPolicy = (agentId: string, p: Policy | undefined) => ({
  controllerAgentId: agentId,
  configured: Boolean(p),
  autoApprovePerRequest: fromMicros(p?.autoApprovePerRequestMicros ?? 0),
  autoApprovePerDay: fromMicros(p?.autoApprovePerDayMicros ?? 0),
  updatedAt: p?.updatedAt ?? null,
});

const startOfUtcDay = (d = new Date()) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
const startOfUtcMonth = (d = new Date()) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));

/** A usage event of the webhook (validated by the route's schema). */
export interface UsageEvent {
  runtimeId?: string;
  agentId?: string;
  route: string;
  model?: string;
  inputTokens?: number;
  outputTokens?: number;
  cost?: number;
}

export class BillingService {
  constructor(
    private readonly db: Db,
    private readonly hosts: HostService,
    private readonly audit: AuditService,
    private readonly prices: Prices,
    private readonly payments: PaymentSettings = { plans: {}, publicUrl: "http://localhost:8080" },
  ) {}

  costOf(inputTokens: number, outputTokens: number) {
    return inputTokens * this.prices.inputPriceMicros + outputTokens * this.prices.outputPriceMicros;
  }

  private async account(tenantId: string) {
    const [row] = await this.db.select().from(billingAccounts).where(eq(billingAccounts.tenantId, tenantId));
    return row;
  }

  private async spentMicros(tenantId: string, since?: Date, runtimeId?: string) {
    const [row] = await this.db
      .select({ total: sql<string>`coalesce(sum(${usageLedger.costMicros}), 0)` })
      .from(usageLedger)
      .where(
        and(
          eq(usageLedger.tenantId, tenantId),
          since ? gte(usageLedger.createdAt, since) : undefined,
          runtimeId ? eq(usageLedger.runtimeId, runtimeId) : undefined,
        ),
      );
    return Number(row?.total ?? 0);
  }

  /** Installation admin: a tenant's plan, gateway entitlement, credit granted (added) and monthly limit. */
  async setAccount(
    actor: UserPrincipal,
    tenantId: string,
    input: { plan?: string; gatewayEnabled?: boolean; addCredit?: number; monthlySpendLimit?: number | null },
  ) {
    const add = toMicros(input.addCredit ?? 0);
    const limit =
      input.monthlySpendLimit === undefined
        ? undefined
        : input.monthlySpendLimit === null
          ? null
          : toMicros(input.monthlySpendLimit);
    await this.db
      .insert(billingAccounts)
      .values({
        tenantId,
        plan: input.plan ?? "none",
        gatewayEnabled: input.gatewayEnabled ?? false,
        creditMicros: add,
        monthlySpendLimitMicros: limit ?? null,
      })
      .onConflictDoUpdate({
        target: billingAccounts.tenantId,
        set: {
          ...(input.plan !== undefined ? { plan: input.plan } : {}),
          ...(input.gatewayEnabled !== undefined ? { gatewayEnabled: input.gatewayEnabled } : {}),
          ...(limit !== undefined ? { monthlySpendLimitMicros: limit } : {}),
          creditMicros: sql`${billingAccounts.creditMicros} + ${add}`,
          updatedAt: new Date(),
        },
      });
    await this.audit.record({
      tenantId,
      actor: actor.userId,
      action: "billing.account_set",
      target: tenantId,
      detail: { ...input },
    });
    return this.summary(tenantId);
  }

  async summary(tenantId: string) {
    const account = await this.account(tenantId);
    const spent = await this.spentMicros(tenantId);
    const monthSpent = await this.spentMicros(tenantId, startOfUtcMonth());
    const credit = account?.creditMicros ?? 0;
    return {
      plan: account?.plan ?? "none",
      gatewayEnabled: account?.gatewayEnabled ?? false,
      credit: fromMicros(credit),
      spent: fromMicros(spent),
      balance: fromMicros(credit - spent),
      monthSpent: fromMicros(monthSpent),
      monthlySpendLimit: account?.monthlySpendLimitMicros == null ? null : fromMicros(account.monthlySpendLimitMicros),
      subscriptionStatus: account?.subscriptionStatus ?? null,
      paymentProvider: this.payments.provider?.name ?? null,
    };
  }

  // Payment provider: checkout, credits checkout, portal, sync and its webhook.

  private provider(): PaymentProvider {
    const provider = this.payments.provider;
    if (!provider) throw unavailable("no payment provider is configured (STRIPE_SECRET_KEY)");
    return provider;
  }

  /** The tenant's customer at the provider, made once (a concurrent second one loses the race and is not used). */
  private async customerOf(tenantId: string): Promise<string> {
    const provider = this.provider();
    const existing = (await this.account(tenantId))?.providerCustomerId;
    if (existing) return existing;
    const created = await provider.createCustomer(tenantId);
    await this.db.insert(billingAccounts).values({ tenantId }).onConflictDoNothing();
    const [won] = await this.db
      .update(billingAccounts)
      .set({ providerCustomerId: created, updatedAt: new Date() })
      .where(and(eq(billingAccounts.tenantId, tenantId), isNull(billingAccounts.providerCustomerId)))
      .returning();
    return won ? created : (await this.account(tenantId))!.providerCustomerId!;
  }

  private returnUrl(given: string | undefined, fallback: string) {
    const url = given ?? `${this.payments.publicUrl}${fallback}`;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalid(`not a URL: ${url.slice(0, 200)}`);
    }
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") throw invalid("return URLs must be http(s)");
    return parsed.toString();
  }

  /** A subscription checkout for one of the configured plans: the provider's session URL to send the person to. */
  async checkout(actor: UserPrincipal, input: { plan: string; successUrl?: string; cancelUrl?: string }) {
    const provider = this.provider();
    const priceId = this.payments.plans[input.plan];
    if (!priceId)
      throw invalid(
        `unknown plan "${input.plan}" (configured: ${Object.keys(this.payments.plans).join(", ") || "none"})`,
      );
    const session = await provider.subscriptionCheckout({
      customerId: await this.customerOf(actor.tenantId),
      tenantId: actor.tenantId,
      plan: input.plan,
      priceId,
      successUrl: this.returnUrl(input.successUrl, "/console?checkout=success"),
      cancelUrl: this.returnUrl(input.cancelUrl, "/console?checkout=cancelled"),
    });
    await this.audit.record({
      tenantId: actor.tenantId,
      actor: actor.userId,
      action: "billing.checkout_started",
      target: session.id,
      detail: { plan: input.plan },
    });
    return session;
  }

  /** A one-off payment for `amount` credit units; credited when the provider reports it paid (webhook or sync). */
  async creditsCheckout(actor: UserPrincipal, input: { amount: number; successUrl?: string; cancelUrl?: string }) {
    const provider = this.provider();
    const session = await provider.creditsCheckout({
      customerId: await this.customerOf(actor.tenantId),
      tenantId: actor.tenantId,
      credits: input.amount,
      successUrl: this.returnUrl(input.successUrl, "/console?credits=success"),
      cancelUrl: this.returnUrl(input.cancelUrl, "/console?credits=cancelled"),
    });
    await this.audit.record({
      tenantId: actor.tenantId,
      actor: actor.userId,
      action: "billing.credits_checkout_started",
      target: session.id,
      detail: { amount: input.amount },
    });
    return session;
  }

  async portal(actor: UserPrincipal, input: { returnUrl?: string }) {
    const provider = this.provider();
    return provider.portal({
      customerId: await this.customerOf(actor.tenantId),
      returnUrl: this.returnUrl(input.returnUrl, "/console"),
    });
  }

  /**
   * Reads the tenant's state at the provider: its subscriptions set the plan and the gateway entitlement (when it
   * has any), and paid credits checkouts not credited yet are credited (once: a payment is credited by its id).
   */
  async sync(actor: UserPrincipal) {
    const provider = this.provider();
    const customerId = (await this.account(actor.tenantId))?.providerCustomerId;
    let credited = 0;
    if (customerId) {
      await this.applySubscriptions(actor.tenantId, await provider.subscriptions(customerId));
      for (const paid of await provider.paidCredits(customerId)) {
        if (paid.tenantId && paid.tenantId !== actor.tenantId) continue;
        if (await this.creditPayment(actor.tenantId, paid.sessionId, paid.credits, null)) credited++;
      }
    }
    return { ...(await this.summary(actor.tenantId)), customer: customerId != null, paymentsCredited: credited };
  }

  private async applySubscriptions(tenantId: string, subscriptions: ProviderSubscription[]) {
    if (subscriptions.length === 0) return; // never subscribed: the plan stays as an admin set it
    const live = subscriptions.find((s) => ENTITLED.has(s.status));
    const current = live ?? subscriptions[0]!;
    const plan = live
      ? (Object.entries(this.payments.plans).find(([, price]) => live.priceIds.includes(price))?.[0] ?? "custom")
      : "none";
    await this.db
      .update(billingAccounts)
      .set({ plan, gatewayEnabled: Boolean(live), subscriptionStatus: current.status, updatedAt: new Date() })
      .where(eq(billingAccounts.tenantId, tenantId));
  }

  /** Credits a paid payment once (its id is the key); true when this call credited it. */
  private async creditPayment(tenantId: string, paymentId: string, credits: number, eventId: string | null) {
    const amount = toMicros(credits);
    return this.db.transaction(async (tx) => {
      const inserted = await tx
        .insert(billingPayments)
        .values({ id: paymentId, tenantId, amountMicros: amount, eventId })
        .onConflictDoNothing()
        .returning();
      if (inserted.length === 0) return false;
      await tx
        .update(billingAccounts)
        .set({ creditMicros: sql`${billingAccounts.creditMicros} + ${amount}`, updatedAt: new Date() })
        .where(eq(billingAccounts.tenantId, tenantId));
      return true;
    });
  }

  /**
   * The provider's webhook (runs in the system context: the event names its tenant): verified by signature, then
   * a paid credits checkout credits its tenant exactly once, a subscription change re-reads the subscriptions.
   * Events of unknown customers or kinds are acknowledged and ignored (the provider would otherwise retry).
   */
  async providerEvent(raw: Uint8Array, signature: string | null) {
    if (!signature) throw rejectedCredential("unauthenticated", "missing Stripe-Signature");
    const provider = this.provider();
    const event = await provider.verifyEvent(raw, signature);
    if (event.type === "ignored") return { received: true, handled: false };
    const tenantId = await this.tenantOfCustomer(event.customerId, event.tenantId);
    if (!tenantId) return { received: true, handled: false };
    if (event.type === "credits.paid") {
      const credited = await this.creditPayment(tenantId, event.sessionId, event.credits, event.id);
      if (credited)
        await this.audit.record({
          tenantId,
          actor: `provider:${provider.name}`,
          action: "billing.credits_paid",
          target: event.sessionId,
          detail: { amount: event.credits, eventId: event.id },
        });
      return { received: true, handled: credited };
    }
    const customerId = (await this.account(tenantId))?.providerCustomerId;
    if (customerId) await this.applySubscriptions(tenantId, await provider.subscriptions(customerId));
    return { received: true, handled: true };
  }

  /** The tenant of a provider customer (by the stored customer id; else the event's tenant when its customer matches). */
  private async tenantOfCustomer(customerId: string | null, tenantId: string | null) {
    if (customerId) {
      const [row] = await this.db
        .select({ tenantId: billingAccounts.tenantId })
        .from(billingAccounts)
        .where(eq(billingAccounts.providerCustomerId, customerId));
      return row?.tenantId;
    }
    if (!tenantId) return undefined;
    return (await this.account(tenantId))?.tenantId;
  }

  async usageSummary(tenantId: string, days: number) {
    const since = new Date(Date.now() - days * 24 * 3600 * 1000);
    const where = and(eq(usageLedger.tenantId, tenantId), gte(usageLedger.createdAt, since));
    const totals = {
      requests: sql<string>`count(*)`,
      inputTokens: sql<string>`coalesce(sum(${usageLedger.inputTokens}), 0)`,
      outputTokens: sql<string>`coalesce(sum(${usageLedger.outputTokens}), 0)`,
      cost: sql<string>`coalesce(sum(${usageLedger.costMicros}), 0)`,
    };
    const shape = (r: { requests: string; inputTokens: string; outputTokens: string; cost: string }) => ({
      requests: Number(r.requests),
      inputTokens: Number(r.inputTokens),
      outputTokens: Number(r.outputTokens),
      cost: fromMicros(Number(r.cost)),
    });
    const day = sql<string>`to_char(${usageLedger.createdAt} at time zone 'UTC', 'YYYY-MM-DD')`;
    const byDay = await this.db
      .select({ day, ...totals })
      .from(usageLedger)
      .where(where)
      .groupBy(day)
      .orderBy(day);
    const byAgent = await this.db
      .select({ agentId: usageLedger.hostId, runtimeId: usageLedger.runtimeId, ...totals })
      .from(usageLedger)
      .where(where)
      .groupBy(usageLedger.hostId, usageLedger.runtimeId);
    const byRoute = await this.db
      .select({ route: usageLedger.route, ...totals })
      .from(usageLedger)
      .where(where)
      .groupBy(usageLedger.route)
      .orderBy(usageLedger.route);
    return {
      days,
      byDay: byDay.map((r) => ({ day: r.day, ...shape(r) })),
      byAgent: byAgent.map((r) => ({ agentId: r.agentId, runtimeId: r.runtimeId, ...shape(r) })),
      byRoute: byRoute.map((r) => ({ route: r.route, ...shape(r) })),
    };
  }

  /**
   * 402 unless the tenant may spend now: entitled to the gateway, credit left, under its monthly limit; an agent
   * under a spend policy also needs approved spend left (its gateway costs count against what was approved).
   */
  async assertCanSpend(tenantId: string, runtime?: { runtimeId: string; hostId: string } | null) {
    const account = await this.account(tenantId);
    if (!account?.gatewayEnabled) throw paymentRequired("the tenant has no gateway entitlement");
    const spent = await this.spentMicros(tenantId);
    if (spent >= account.creditMicros) throw paymentRequired("the tenant's credit is used up");
    if (account.monthlySpendLimitMicros != null) {
      const month = await this.spentMicros(tenantId, startOfUtcMonth());
      if (month >= account.monthlySpendLimitMicros)
        throw paymentRequired("the tenant's monthly spend limit is reached");
    }
    if (!runtime) return;
    const policy = await this.policyRow(tenantId, runtime.hostId);
    if (!policy) return;
    const [approved] = await this.db
      .select({ total: sql<string>`coalesce(sum(${spendRequests.amountMicros}), 0)` })
      .from(spendRequests)
      .where(
        and(
          eq(spendRequests.tenantId, tenantId),
          eq(spendRequests.runtimeId, runtime.runtimeId),
          eq(spendRequests.status, "approved"),
        ),
      );
    const used = await this.spentMicros(tenantId, undefined, runtime.runtimeId);
    if (used >= Number(approved?.total ?? 0))
      throw paymentRequired("the agent's approved spend is used up: request more (POST /api/runtime/billing/requests)");
  }

  async record(entry: UsageEntry) {
    await this.db.insert(usageLedger).values({ id: newId("use"), ...entry });
  }

  // Spend policies and requests.

  private async policyRow(tenantId: string, hostId: string) {
    const [row] = await this.db
      .select()
      .from(runtimeSpendPolicies)
      .where(and(eq(runtimeSpendPolicies.tenantId, tenantId), eq(runtimeSpendPolicies.hostId, hostId)));
    return row;
  }

  async getPolicy(tenantId: string, agentId: string) {
    await this.hosts.assertOwned(tenantId, agentId, { what: "agent" });
    return presentPolicy(agentId, await this.policyRow(tenantId, agentId));
  }

  async setPolicy(
    principal: UserPrincipal,
    agentId: string,
    input: { autoApprovePerRequest: number; autoApprovePerDay: number },
  ) {
    await this.hosts.assertOwned(principal.tenantId, agentId, { what: "agent" });
    const values = {
      autoApprovePerRequestMicros: toMicros(input.autoApprovePerRequest),
      autoApprovePerDayMicros: toMicros(input.autoApprovePerDay),
      updatedBy: principal.userId,
      updatedAt: new Date(),
    };
    const [row] = await this.db
      .insert(runtimeSpendPolicies)
      .values({ tenantId: principal.tenantId, hostId: agentId, ...values })
      .onConflictDoUpdate({ target: [runtimeSpendPolicies.tenantId, runtimeSpendPolicies.hostId], set: values })
      .returning();
    await this.audit.record({
      tenantId: principal.tenantId,
      hostId: agentId,
      actor: principal.userId,
      action: "billing.spend_policy_set",
      target: agentId,
      detail: { ...input },
    });
    return presentPolicy(agentId, row);
  }

  selfPolicy(me: RuntimePrincipal) {
    return this.getPolicy(me.tenantId, me.hostId);
  }

  /** An agent asks to spend: approved at once within its policy's limits, else pending for a person. */
  async requestSpend(me: RuntimePrincipal, input: { amount: number; purpose: string }) {
    const amount = toMicros(input.amount);
    if (amount <= 0) throw invalid("amount must be positive");
    return this.db.transaction(async (tx) => {
      // One decision at a time per agent: the day's auto-approved total is read and extended under this lock.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`spend:${me.tenantId}:${me.hostId}`}))`);
      const [policy] = await tx
        .select()
        .from(runtimeSpendPolicies)
        .where(and(eq(runtimeSpendPolicies.tenantId, me.tenantId), eq(runtimeSpendPolicies.hostId, me.hostId)));
      let status = "pending";
      if (policy && amount <= policy.autoApprovePerRequestMicros) {
        const [today] = await tx
          .select({ total: sql<string>`coalesce(sum(${spendRequests.amountMicros}), 0)` })
          .from(spendRequests)
          .where(
            and(
              eq(spendRequests.tenantId, me.tenantId),
              eq(spendRequests.hostId, me.hostId),
              eq(spendRequests.status, "approved"),
              eq(spendRequests.decidedBy, "policy"),
              gte(spendRequests.createdAt, startOfUtcDay()),
            ),
          );
        if (Number(today?.total ?? 0) + amount <= policy.autoApprovePerDayMicros) status = "approved";
      }
      const [row] = await tx
        .insert(spendRequests)
        .values({
          id: newId("spr"),
          tenantId: me.tenantId,
          runtimeId: me.runtimeId,
          hostId: me.hostId,
          amountMicros: amount,
          purpose: input.purpose,
          status,
          ...(status === "approved" ? { decidedBy: "policy", decidedAt: new Date() } : {}),
        })
        .returning();
      return presentRequest(row!);
    });
  }

  async requestOfRuntime(me: RuntimePrincipal, id: string) {
    const [row] = await this.db
      .select()
      .from(spendRequests)
      .where(
        and(
          eq(spendRequests.id, id),
          eq(spendRequests.tenantId, me.tenantId),
          eq(spendRequests.runtimeId, me.runtimeId),
        ),
      );
    if (!row) throw notFound("spend request");
    return presentRequest(row);
  }

  async listRequestsOfRuntime(me: RuntimePrincipal) {
    const rows = await this.db
      .select()
      .from(spendRequests)
      .where(and(eq(spendRequests.tenantId, me.tenantId), eq(spendRequests.runtimeId, me.runtimeId)))
      .orderBy(desc(spendRequests.createdAt))
      .limit(200);
    return rows.map(presentRequest);
  }

  async listRequests(tenantId: string, status?: string) {
    const rows = await this.db
      .select()
      .from(spendRequests)
      .where(and(eq(spendRequests.tenantId, tenantId), status ? eq(spendRequests.status, status) : undefined))
      .orderBy(desc(spendRequests.createdAt))
      .limit(500);
    return rows.map(presentRequest);
  }

  async getRequest(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(spendRequests)
      .where(and(eq(spendRequests.id, id), eq(spendRequests.tenantId, tenantId)));
    if (!row) throw notFound("spend request");
    return presentRequest(row);
  }

  /** A person decides a pending request (409 once decided). */
  async decide(principal: UserPrincipal, id: string, decision: "approved" | "denied", reason?: string) {
    await this.getRequest(principal.tenantId, id);
    const [row] = await this.db
      .update(spendRequests)
      .set({ status: decision, decidedBy: principal.userId, decidedAt: new Date(), reason: reason ?? null })
      .where(
        and(
          eq(spendRequests.id, id),
          eq(spendRequests.tenantId, principal.tenantId),
          eq(spendRequests.status, "pending"),
        ),
      )
      .returning();
    if (!row) throw conflict("the spend request is already decided");
    await this.audit.record({
      tenantId: principal.tenantId,
      hostId: row.hostId,
      actor: principal.userId,
      action: decision === "approved" ? "billing.spend_approved" : "billing.spend_denied",
      target: id,
      detail: { amount: fromMicros(row.amountMicros) },
    });
    return presentRequest(row);
  }

  // Usage webhook.

  /** 401 unless `signature` is the hex HMAC-SHA256 of the raw body under `secret` (optional `sha256=` prefix). */
  static verifySignature(secret: string, raw: Uint8Array, signature: string | null) {
    if (!signature) throw rejectedCredential("unauthenticated", "missing x-roberto-signature");
    const presented = signature.trim().replace(/^sha256=/i, "");
    const expected = createHmac("sha256", secret).update(raw).digest();
    const given = /^[0-9a-f]{64}$/i.test(presented) ? Buffer.from(presented, "hex") : Buffer.alloc(0);
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw rejectedCredential("unauthenticated", "invalid x-roberto-signature");
  }

  /**
   * Records a delivery's events in the ledger exactly once: under an idempotency key, a replay (same body) answers
   * the first answer and records nothing; the same key with another body is 422.
   */
  async ingest(
    tenantId: string,
    events: UsageEvent[],
    raw: Uint8Array,
    idempotencyKey?: string,
  ): Promise<{ replayed: boolean; response: Record<string, unknown> }> {
    const requestHash = createHash("sha256").update(raw).digest("hex");
    return this.db.transaction(async (tx) => {
      if (idempotencyKey) {
        const inserted = await tx
          .insert(usageWebhookReceipts)
          .values({ idempotencyKey, requestHash, status: 200, response: {} })
          .onConflictDoNothing()
          .returning();
        if (inserted.length === 0) {
          const [first] = await tx
            .select()
            .from(usageWebhookReceipts)
            .where(eq(usageWebhookReceipts.idempotencyKey, idempotencyKey));
          if (first!.requestHash !== requestHash)
            throw unprocessable("x-idempotency-key was already used for another delivery");
          return { replayed: true, response: first!.response };
        }
      }
      for (const agentId of new Set(events.flatMap((e) => (e.agentId ? [e.agentId] : []))))
        await this.hosts.assertOwned(tenantId, agentId, { what: "agent", reference: true, q: tx });
      const rows = events.map((e) => {
        const inputTokens = e.inputTokens ?? 0;
        const outputTokens = e.outputTokens ?? 0;
        return {
          id: newId("use"),
          tenantId,
          runtimeId: e.runtimeId ?? null,
          hostId: e.agentId ?? null,
          source: "webhook",
          route: e.route,
          model: e.model ?? null,
          inputTokens,
          outputTokens,
          costMicros: e.cost !== undefined ? toMicros(e.cost) : this.costOf(inputTokens, outputTokens),
        };
      });
      if (rows.length) await tx.insert(usageLedger).values(rows);
      const response = { ok: true, recorded: rows.length, ids: rows.map((r) => r.id) };
      if (idempotencyKey)
        await tx
          .update(usageWebhookReceipts)
          .set({ response })
          .where(eq(usageWebhookReceipts.idempotencyKey, idempotencyKey));
      return { replayed: false, response };
    });
  }
}
