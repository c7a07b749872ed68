/** Environments: a robot configuration — its safety policies and available tools. Hosts belong to one. */
import { createHash } from "node:crypto";
import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db, Queryable } from "../../db/connect";
import { environmentPolicies, environments, type safetyPolicies } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { invalid, notFound } from "../../lib/errors";
import type { SafetyPolicyService } from "../safety-policies/service";
import type { EnvironmentCreateBody } from "./model";
import { checkSafetyConfig } from "./safety-config";

type EnvironmentInput = Static<typeof EnvironmentCreateBody>;

/** A policy as the agent receives it (a PolicySet entry). */
export interface WirePolicy {
  id: string;
  name: string;
  enabled: boolean;
  rulesJson: string;
  version: number;
}

/** The complete set a host's agent must enforce, and the fingerprint of its content (a new one = a new version). */
export interface HostPolicySet {
  policies: WirePolicy[];
  fingerprint: string;
}

export class EnvironmentService {
  constructor(
    private readonly db: Db,
    private readonly policies: SafetyPolicyService,
    private readonly events: EventBus,
  ) {}

  async create(tenantId: string, { safetyPolicyIds = [], ...fields }: EnvironmentInput) {
    checkSafetyConfig(fields.config);
    return this.db.transaction(async (tx) => {
      await this.policies.assertOwned(tx, tenantId, safetyPolicyIds);
      const [row] = await tx
        .insert(environments)
        .values({ ...fields, id: newId("env"), tenantId })
        .returning();
      await this.link(tx, row!.id, safetyPolicyIds);
      return { ...publicRow(row!), safetyPolicyIds };
    });
  }
  /** An environment's config (null without one), as an expression for a statement about `environmentId`. */
  configSql(environmentId: SQL): SQL {
    return sql`(select e.config from ${environments} e where e.id = ${environmentId})`;
  }

  async list(tenantId: string) {
    const rows = await this.db
      .select()
      .from(environments)
      .where(eq(environments.tenantId, tenantId))
      .orderBy(asc(environments.name));
    const links = await this.policyIdsOf(rows.map((r) => r.id));
    return rows.map((r) => ({ ...publicRow(r), safetyPolicyIds: links.get(r.id) ?? [] }));
  }

  async get(tenantId: string, id: string) {
    const row = await this.find(this.db, tenantId, id);
    const links = await this.policyIdsOf([id]);
    return { ...publicRow(row), safetyPolicyIds: links.get(id) ?? [] };
  }

  async update(tenantId: string, id: string, { safetyPolicyIds, ...fields }: Partial<EnvironmentInput>) {
    checkSafetyConfig(fields.config);
    const updated = await this.db.transaction(async (tx) => {
      await this.find(tx, tenantId, id);
      const [row] = await tx
        .update(environments)
        .set({ ...fields, updatedAt: new Date() })
        .where(and(eq(environments.id, id), eq(environments.tenantId, tenantId)))
        .returning();
      if (safetyPolicyIds) {
        await this.policies.assertOwned(tx, tenantId, safetyPolicyIds);
        await tx.delete(environmentPolicies).where(eq(environmentPolicies.environmentId, id));
        await this.link(tx, id, safetyPolicyIds);
      }
      const links = await this.policyIdsOf([id], tx);
      return { ...publicRow(row!), safetyPolicyIds: links.get(id) ?? [] };
    });
    if (safetyPolicyIds) this.events.publish({ type: "policies.changed", tenantId });
    return updated;
  }

  async remove(tenantId: string, id: string) {
    const [row] = await this.db
      .delete(environments)
      .where(and(eq(environments.id, id), eq(environments.tenantId, tenantId)))
      .returning({ id: environments.id });
    if (!row) throw notFound("environment");
    this.events.publish({ type: "policies.changed", tenantId });
    return { id: row.id, deleted: true };
  }

  /** Fails with 400 unless `id` is an environment of this tenant. */
  async assertOwned(q: Queryable, tenantId: string, id: string) {
    const [row] = await q
      .select({ id: environments.id })
      .from(environments)
      .where(and(eq(environments.id, id), eq(environments.tenantId, tenantId)));
    if (!row) throw invalid(`unknown environment ${id}`);
  }

  /** The `config` of each of the environments `ids` (safety settings such as the command deadline). */
  async configsOf(q: Queryable, ids: string[]): Promise<Map<string, Record<string, unknown>>> {
    if (ids.length === 0) return new Map();
    const rows = await q
      .select({ id: environments.id, config: environments.config })
      .from(environments)
      .where(inArray(environments.id, ids));
    return new Map(rows.map((r) => [r.id, r.config as Record<string, unknown>]));
  }

  /** The enabled-or-not policies attached to an environment (what its agents enforce). */
  async policiesOf(tenantId: string, environmentId: string) {
    const attached = this.db
      .select({ id: environmentPolicies.policyId })
      .from(environmentPolicies)
      .where(eq(environmentPolicies.environmentId, environmentId));
    return this.policies.listAmong(tenantId, attached);
  }

  /** The `config` of every environment of the tenant that uses the policy `policyId`. */
  async configsUsingPolicy(tenantId: string, policyId: string): Promise<Record<string, unknown>[]> {
    const rows = await this.db
      .select({ config: environments.config })
      .from(environmentPolicies)
      .innerJoin(environments, eq(environments.id, environmentPolicies.environmentId))
      .where(and(eq(environmentPolicies.policyId, policyId), eq(environments.tenantId, tenantId)));
    return rows.map((r) => r.config as Record<string, unknown>);
  }

  /**
   * The policy set each host must enforce: its environment's policies and those assigned to the host itself
   * (a safety-policy-set rollout), by name, each once. One definition for delivery (what is sent) and rollouts
   * (what the agent must acknowledge).
   */
  async policySetsOf(
    tenantId: string,
    targets: { id: string; environmentId: string | null }[],
    q: Queryable = this.db,
  ): Promise<Map<string, HostPolicySet>> {
    const envIds = [...new Set(targets.map((h) => h.environmentId).filter((e): e is string => e !== null))];
    const byEnv = new Map<string, (typeof safetyPolicies.$inferSelect)[]>();
    if (envIds.length) {
      const links = q
        .select({ ownerId: environmentPolicies.environmentId, policyId: environmentPolicies.policyId })
        .from(environmentPolicies)
        .where(inArray(environmentPolicies.environmentId, envIds))
        .as("l");
      const rows = await this.policies.linkedBy(q, tenantId, links);
      for (const r of rows) byEnv.set(r.ownerId, [...(byEnv.get(r.ownerId) ?? []), r.policy]);
    }
    const assigned = await this.policies.assignedTo(
      q,
      tenantId,
      targets.map((h) => h.id),
    );
    const out = new Map<string, HostPolicySet>();
    for (const h of targets) {
      const all = new Map<string, typeof safetyPolicies.$inferSelect>();
      for (const p of [...(h.environmentId ? (byEnv.get(h.environmentId) ?? []) : []), ...(assigned.get(h.id) ?? [])])
        all.set(p.id, p);
      const policies = [...all.values()]
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map((p) => ({
          id: p.id,
          name: p.name,
          enabled: p.enabled,
          rulesJson: JSON.stringify(p.rules),
          version: p.version,
        }));
      const fingerprint = createHash("sha256").update(JSON.stringify(policies)).digest("hex");
      out.set(h.id, { policies, fingerprint });
    }
    return out;
  }

  private async find(q: Queryable, tenantId: string, id: string) {
    const [row] = await q
      .select()
      .from(environments)
      .where(and(eq(environments.id, id), eq(environments.tenantId, tenantId)));
    if (!row) throw notFound("environment");
    return row;
  }

  private async link(q: Queryable, environmentId: string, policyIds: string[]) {
    if (policyIds.length === 0) return;
    await q.insert(environmentPolicies).values(policyIds.map((policyId) => ({ environmentId, policyId })));
  }

  private async policyIdsOf(environmentIds: string[], q: Queryable = this.db) {
    const map = new Map<string, string[]>();
    if (environmentIds.length === 0) return map;
    const rows = await q
      .select()
      .from(environmentPolicies)
      .where(inArray(environmentPolicies.environmentId, environmentIds))
      .orderBy(asc(environmentPolicies.policyId));
    for (const r of rows) map.set(r.environmentId, [...(map.get(r.environmentId) ?? []), r.policyId]);
    return map;
  }
}
