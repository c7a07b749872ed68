/** Safety policies: rules the edge agent enforces locally before running anything. */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { safetyPolicies } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { badRequest, notFound } from "../../http/errors";
import { validateRules } from "../../../../edge-agent/src/policy/rules";
import type { PolicyRules } from "../../../../edge-agent/src/policy/rules";

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
  if (problem) throw badRequest(`invalid body: rules${problem}`);
}

export class SafetyPolicyService {
  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
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
    const rows = await this.db.select().from(safetyPolicies).where(eq(safetyPolicies.tenantId, tenantId)).orderBy(asc(safetyPolicies.name));
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

  /** Partial update; every change bumps `version` so agents can tell stale caches. */
  async update(tenantId: string, id: string, input: Partial<PolicyInput>) {
    checkRules(input.rules);
    const [row] = await this.db
      .update(safetyPolicies)
      .set({
        ...input,
        version: sql`${safetyPolicies.version} + 1`,
        updatedAt: new Date(),
      })
      .where(and(eq(safetyPolicies.id, id), eq(safetyPolicies.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("safety policy");
    this.events.publish({ type: "policies.changed", tenantId });
    return publicRow(row);
  }

  async remove(tenantId: string, id: string) {
    const [row] = await this.db
      .delete(safetyPolicies)
      .where(and(eq(safetyPolicies.id, id), eq(safetyPolicies.tenantId, tenantId)))
      .returning({ id: safetyPolicies.id });
    if (!row) throw notFound("safety policy");
    this.events.publish({ type: "policies.changed", tenantId });
    return { id: row.id, deleted: true };
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
    if (missing) throw badRequest(`unknown safety policy ${missing}`);
  }
}
