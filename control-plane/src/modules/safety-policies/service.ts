/** Safety policies: rules the edge agent enforces locally before running anything. */
import { and, asc, desc, eq, inArray, type SQLWrapper, type Subquery, sql } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { hostPolicies, policyProposals, safetyPolicies } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { invalid, conflict, forbidden, notFound } from "../../lib/errors";
import type { AuditService } from "../audit/service";
import { requiresPolicyApproval } from "../environments/safety-config";
import { policyLoosenings } from "./loosening";
import { validateRules } from "@edge/proto/policy/rules";
import type { PolicyRules } from "@edge/proto/policy/rules";

export interface PolicyInput {
  name: string;
  description?: string;
  enabled?: boolean;
  rules: Record<string, unknown>;
}

/** Refuses rules the agent could not enforce exactly as written. */
function checkRules(rules: Record<string, unknown> | undefined): asserts rules is PolicyRules | undefined {
  if (rules === undefined) return;
  const problem = validateRules(rules);
  if (problem) throw invalid(`invalid body: rules${problem}`);
}

/** A change that needs a second person: stored, not applied (HTTP 202). */
export interface PendingApproval {
  status: "pending_approval";
  proposal: Omit<typeof policyProposals.$inferSelect, "tenantId">;
}

export class SafetyPolicyService {
  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    private readonly audit: AuditService,
    /** The configs of the tenant's environments that use a policy (asked of their owner, modules/environments). */
    private readonly environmentConfigsUsing: (
      tenantId: string,
      policyId: string,
    ) => Promise<Record<string, unknown>[]>,
  ) {}

  async create(tenantId: string, input: PolicyInput) {
    checkRules(input.rules);
    const [row] = await this.db
      .insert(safetyPolicies)
      .values({ ...input, id: newId("pol"), tenantId, rules: input.rules })
      .returning();
    return publicRow(row!);
  }

  async list(tenantId: string) {
    const rows = await this.db
      .select()
      .from(safetyPolicies)
      .where(eq(safetyPolicies.tenantId, tenantId))
      .orderBy(asc(safetyPolicies.name));
    return rows.map(publicRow);
  }

  /** The tenant's policies among `ids` (a subquery of policy ids), by name. */
  async listAmong(tenantId: string, ids: SQLWrapper) {
    const rows = await this.db
      .select()
      .from(safetyPolicies)
      .where(and(eq(safetyPolicies.tenantId, tenantId), inArray(safetyPolicies.id, ids)))
      .orderBy(asc(safetyPolicies.name));
    return rows.map(publicRow);
  }

  async get(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(safetyPolicies)
      .where(and(eq(safetyPolicies.id, id), eq(safetyPolicies.tenantId, tenantId)));
    if (!row) throw notFound("safety policy");
    return publicRow(row);
  }

  /**
   * Partial update by `userId`; every change bumps `version` so agents can tell stale caches. A loosening change
   * to a policy of an environment with `requirePolicyApproval` becomes a pending proposal instead (two-person rule).
   */
  async update(tenantId: string, id: string, input: Partial<PolicyInput>, userId: string) {
    checkRules(input.rules);
    const current = await this.get(tenantId, id);
    const loosenings = policyLoosenings(
      { enabled: current.enabled, rules: current.rules as PolicyRules },
      { enabled: input.enabled ?? current.enabled, rules: (input.rules ?? current.rules) as PolicyRules },
    );
    if (loosenings.length && (await this.requiresApproval(tenantId, id))) {
      return this.propose(tenantId, current, "update", input as Record<string, unknown>, loosenings, userId);
    }
    const row = await this.apply(this.db, tenantId, id, input);
    await this.audit.record({
      tenantId,
      actor: userId,
      action: "policy.update",
      detail: { policyId: id, version: row.version, loosenings },
    });
    this.events.publish({ type: "policies.changed", tenantId });
    return row;
  }

  private async apply(q: Queryable, tenantId: string, id: string, input: Partial<PolicyInput>) {
    const [row] = await q
      .update(safetyPolicies)
      .set({
        ...input,
        version: sql`${safetyPolicies.version} + 1`,
        updatedAt: new Date(),
      })
      .where(and(eq(safetyPolicies.id, id), eq(safetyPolicies.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("safety policy");
    return publicRow(row);
  }

  /** Deletes a policy; deleting an enabled one of an environment requiring approval is proposed instead. */
  async remove(tenantId: string, id: string, userId: string) {
    const current = await this.get(tenantId, id);
    const loosenings = policyLoosenings({ enabled: current.enabled, rules: current.rules as PolicyRules }, undefined);
    if (loosenings.length && (await this.requiresApproval(tenantId, id)))
      return this.propose(tenantId, current, "delete", {}, loosenings, userId);
    const removed = await this.delete(this.db, tenantId, id);
    await this.audit.record({ tenantId, actor: userId, action: "policy.delete", detail: { policyId: id } });
    this.events.publish({ type: "policies.changed", tenantId });
    return removed;
  }

  private async delete(q: Queryable, tenantId: string, id: string) {
    const [row] = await q
      .delete(safetyPolicies)
      .where(and(eq(safetyPolicies.id, id), eq(safetyPolicies.tenantId, tenantId)))
      .returning({ id: safetyPolicies.id });
    if (!row) throw notFound("safety policy");
    return { id: row.id, deleted: true };
  }

  /** Whether any environment using this policy asks for a second person on loosening changes. */
  private async requiresApproval(tenantId: string, policyId: string): Promise<boolean> {
    const configs = await this.environmentConfigsUsing(tenantId, policyId);
    return configs.some((config) => requiresPolicyApproval(config));
  }

  private async propose(
    tenantId: string,
    current: { id: string; version: number },
    action: "update" | "delete",
    changes: Record<string, unknown>,
    loosenings: string[],
    userId: string,
  ): Promise<PendingApproval> {
    const [row] = await this.db
      .insert(policyProposals)
      .values({
        id: newId("prop"),
        tenantId,
        policyId: current.id,
        action,
        changes,
        loosenings,
        baseVersion: current.version,
        proposedBy: userId,
      })
      .returning();
    await this.audit.record({
      tenantId,
      actor: userId,
      action: "policy.proposal",
      detail: { proposalId: row!.id, policyId: current.id, action, loosenings },
    });
    return { status: "pending_approval", proposal: publicRow(row!) };
  }

  async proposals(tenantId: string, status?: "pending" | "approved" | "rejected") {
    const where = [eq(policyProposals.tenantId, tenantId), ...(status ? [eq(policyProposals.status, status)] : [])];
    const rows = await this.db
      .select()
      .from(policyProposals)
      .where(and(...where))
      .orderBy(desc(policyProposals.createdAt));
    return rows.map(publicRow);
  }

  /**
   * A different user approves: the change is applied (and pushed) only now, if the policy has not changed since the
   * proposal (otherwise 409: propose again against the current version). The proposer may only reject.
   */
  async decide(tenantId: string, proposalId: string, userId: string, decision: "approved" | "rejected") {
    const result = await this.db.transaction(async (tx) => {
      const [proposal] = await tx
        .select()
        .from(policyProposals)
        .where(and(eq(policyProposals.id, proposalId), eq(policyProposals.tenantId, tenantId)))
        .for("update");
      if (!proposal) throw notFound("policy proposal");
      if (proposal.status !== "pending") throw conflict(`proposal is already ${proposal.status}`);
      if (decision === "approved") {
        if (proposal.proposedBy === userId)
          throw forbidden("two-person rule: a different user must approve this change");
        const [policy] = await tx
          .select({ version: safetyPolicies.version })
          .from(safetyPolicies)
          .where(and(eq(safetyPolicies.id, proposal.policyId), eq(safetyPolicies.tenantId, tenantId)))
          .for("update");
        if (!policy) throw notFound("safety policy");
        if (policy.version !== proposal.baseVersion)
          throw conflict(
            `policy changed since the proposal (version ${proposal.baseVersion} → ${policy.version}); propose again`,
          );
        if (proposal.action === "update")
          await this.apply(tx, tenantId, proposal.policyId, proposal.changes as Partial<PolicyInput>);
        else await this.delete(tx, tenantId, proposal.policyId);
      }
      const [row] = await tx
        .update(policyProposals)
        .set({ status: decision, decidedBy: userId, decidedAt: new Date() })
        .where(eq(policyProposals.id, proposalId))
        .returning();
      await this.audit.record(
        {
          tenantId,
          actor: userId,
          action: decision === "approved" ? "policy.approve" : "policy.reject",
          detail: { proposalId, policyId: proposal.policyId, proposedBy: proposal.proposedBy },
        },
        tx,
      );
      return row!;
    });
    if (decision === "approved") this.events.publish({ type: "policies.changed", tenantId });
    return publicRow(result);
  }

  /** Fails with 400 unless every id is a policy of this tenant. */
  async assertOwned(q: Queryable, tenantId: string, ids: string[]) {
    if (ids.length === 0) return;
    const found = await q
      .select({ id: safetyPolicies.id })
      .from(safetyPolicies)
      .where(and(eq(safetyPolicies.tenantId, tenantId), inArray(safetyPolicies.id, ids)));
    const known = new Set(found.map((r) => r.id));
    const missing = ids.find((id) => !known.has(id));
    if (missing) throw invalid(`unknown safety policy ${missing}`);
  }

  /**
   * Replaces the policies assigned to each of `hostIds` (beside their environment's) by `policyIds`, set-based.
   * The caller publishes `policies.changed` after its transaction commits, so the agents get their new sets.
   */
  async assignToHosts(q: Queryable, tenantId: string, hostIds: string[], policyIds: string[], assignedBy: string) {
    if (hostIds.length === 0) return;
    await q.delete(hostPolicies).where(and(eq(hostPolicies.tenantId, tenantId), inArray(hostPolicies.hostId, hostIds)));
    const rows = hostIds.flatMap((hostId) => policyIds.map((policyId) => ({ hostId, policyId, tenantId, assignedBy })));
    for (let i = 0; i < rows.length; i += 1000) await q.insert(hostPolicies).values(rows.slice(i, i + 1000));
  }

  /** The policies assigned to each of `hostIds` (by name), hosts without any absent from the map. */
  async assignedTo(q: Queryable, tenantId: string, hostIds: string[]) {
    const out = new Map<string, (typeof safetyPolicies.$inferSelect)[]>();
    if (hostIds.length === 0) return out;
    const rows = await q
      .select({ hostId: hostPolicies.hostId, policy: safetyPolicies })
      .from(hostPolicies)
      .innerJoin(safetyPolicies, eq(safetyPolicies.id, hostPolicies.policyId))
      .where(and(eq(hostPolicies.tenantId, tenantId), inArray(hostPolicies.hostId, hostIds)))
      .orderBy(asc(safetyPolicies.name));
    for (const r of rows) out.set(r.hostId, [...(out.get(r.hostId) ?? []), r.policy]);
    return out;
  }

  /**
   * The tenant's policies linked by `links` (a subquery of `ownerId`/`policyId` pairs that the owner of the links
   * hands in, e.g. environment links), each with its link's owner, in one statement.
   */
  async linkedBy(q: Queryable, tenantId: string, links: Subquery & { ownerId: SQLWrapper; policyId: SQLWrapper }) {
    return q
      .select({ ownerId: sql<string>`${links.ownerId}`, policy: safetyPolicies })
      .from(links)
      .innerJoin(safetyPolicies, sql`${safetyPolicies.id} = ${links.policyId}`)
      .where(eq(safetyPolicies.tenantId, tenantId));
  }

  /** The tenant's policies of `ids` (400 naming the first unknown one). */
  async findMany(tenantId: string, ids: string[]) {
    await this.assertOwned(this.db, tenantId, ids);
    return this.db
      .select()
      .from(safetyPolicies)
      .where(and(eq(safetyPolicies.tenantId, tenantId), inArray(safetyPolicies.id, ids)))
      .orderBy(asc(safetyPolicies.name));
  }
}
