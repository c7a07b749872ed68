/**
 * Per-host safety state (owns `host_safety`): emergency stops requested vs acknowledged by the agent, and the
 * policy set version desired vs enforced. Everything shown is what the agent acknowledged, never what was asked.
 */
import { and, eq, inArray, lt, ne, sql, type SQL } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { hostSafety } from "../../db/schema";
import type { EventBus, EstopOrder } from "../../lib/events";
import { notFound } from "../../lib/errors";
import type { AuditService } from "../audit/service";
import type { HostScope, HostService } from "../hosts/service";
import type { UserPrincipal } from "../auth/principal";
import type { AgentSafetyState } from "@edge/proto/wire";

/** Which hosts a stop or reset applies to. */
export type EstopScope = HostScope;

type SafetyRow = typeof hostSafety.$inferSelect;

/** What the API shows of a host's emergency stop. */
export function estopView(row: SafetyRow | undefined) {
  if (!row) {
    return {
      state: "unknown" as const,
      requested: null,
      generation: 0,
      acknowledgedGeneration: null,
      remote: null,
      local: null,
      localReason: null,
      reason: null,
      requestedBy: null,
      requestedAt: null,
      acknowledgedAt: null,
      latencyMs: null,
      killed: null,
    };
  }
  const acked = row.ackGeneration !== null;
  const pending = row.estopGeneration > 0 && (row.ackGeneration ?? 0) < row.estopGeneration;
  const engaged = Boolean(row.ackRemoteEngaged || row.ackLocalEngaged);
  return {
    /** Acknowledged by the agent: engaged | released; pending while it has not acknowledged the latest request. */
    state: pending
      ? ("pending" as const)
      : !acked
        ? ("unknown" as const)
        : engaged
          ? ("engaged" as const)
          : ("released" as const),
    /** What the latest request asked (null: never requested). */
    requested: row.estopGeneration > 0 ? (row.estopEngaged ? ("engaged" as const) : ("released" as const)) : null,
    generation: row.estopGeneration,
    acknowledgedGeneration: row.ackGeneration,
    remote: row.ackRemoteEngaged,
    local: row.ackLocalEngaged,
    localReason: row.ackLocalReason || null,
    reason: row.estopReason,
    requestedBy: row.estopRequestedBy,
    requestedAt: row.estopRequestedAt,
    acknowledgedAt: row.ackAt,
    /** Request → acknowledgement (for a stop: all running work killed), once acknowledged. */
    latencyMs: pending ? null : row.ackLatencyMs,
    killed: row.ackKilled,
  };
}

export function policyView(row: SafetyRow | undefined) {
  return {
    desired: row?.policyDesired ?? 0,
    enforced: row?.policyEnforced ?? null,
    /** When the agent acknowledged the enforced version. */
    since: row?.policyEnforcedAt ?? null,
    lagging: row?.policyLagging ?? false,
  };
}

export class SafetyService {
  constructor(
    private readonly db: Db,
    private readonly events: EventBus,
    private readonly audit: AuditService,
    private readonly hosts: HostService,
  ) {}

  /** The tenant's hosts a scope designates; an unknown host is 404. */
  async resolveScope(tenantId: string, scope: EstopScope): Promise<string[]> {
    const ids = await this.hosts.idsIn(tenantId, scope);
    if ("hostId" in scope && ids.length === 0) throw notFound("host");
    return ids;
  }

  /**
   * Records a stop (engaged) or reset (released) for every host of the scope with a new generation each, audits
   * who and why, and hands the orders to the transports (every live path at once). Answers with the per-host state,
   * `pending` until each agent acknowledges.
   */
  async request(principal: UserPrincipal, scope: EstopScope, reason: string, engaged: boolean) {
    const { tenantId } = principal;
    const hostIds = await this.resolveScope(tenantId, scope);
    const now = new Date();
    const rows = hostIds.length
      ? await this.db
          .insert(hostSafety)
          .values(
            hostIds.map((hostId) => ({
              hostId,
              tenantId,
              estopGeneration: 1,
              estopEngaged: engaged,
              estopReason: reason,
              estopRequestedBy: principal.userId,
              estopRequestedAt: now,
            })),
          )
          .onConflictDoUpdate({
            target: hostSafety.hostId,
            set: {
              estopGeneration: sql`${hostSafety.estopGeneration} + 1`,
              estopEngaged: engaged,
              estopReason: reason,
              estopRequestedBy: principal.userId,
              estopRequestedAt: now,
              updatedAt: now,
            },
          })
          .returning()
      : [];
    const orders: EstopOrder[] = rows.map((r) => ({
      hostId: r.hostId,
      generation: r.estopGeneration,
      engaged,
      reason,
      atMs: now.getTime(),
    }));
    if (orders.length) this.events.publish({ type: "estop.requested", tenantId, orders });
    await this.audit.record({
      tenantId,
      hostId: hostIds.length === 1 ? hostIds[0] : undefined,
      actor: principal.userId,
      action: engaged ? "estop.engage" : "estop.reset",
      detail: { scope, reason, hosts: hostIds.length, hostIds: hostIds.slice(0, 100) },
    });
    return { engaged, reason, hosts: rows.length, items: rows.map((r) => ({ hostId: r.hostId, estop: estopView(r) })) };
  }

  /** The current order of a host, to re-send when its agent (re)connects; undefined if it never had one. */
  async currentOrder(tenantId: string, hostId: string): Promise<EstopOrder | undefined> {
    const [row] = await this.db
      .select()
      .from(hostSafety)
      .where(and(eq(hostSafety.tenantId, tenantId), eq(hostSafety.hostId, hostId)));
    if (!row || row.estopGeneration === 0) return undefined;
    return {
      hostId,
      generation: row.estopGeneration,
      engaged: row.estopEngaged,
      reason: row.estopReason ?? "",
      atMs: row.estopRequestedAt?.getTime() ?? 0,
    };
  }

  /**
   * What the agent reports it enforces (stop latch, policy version), in one statement (acknowledgements of a whole
   * fleet arrive at once). A report of an older generation than already acknowledged leaves the stop fields alone.
   */
  async recordAgentState(tenantId: string, hostId: string, state: AgentSafetyState): Promise<void> {
    const now = new Date();
    const generation = state.estopGeneration;
    const reported = state.policyVersion;
    const t = hostSafety;
    /**
     * The stop fields change only for a generation at least as new as the acknowledged one, and never beyond the
     * latest one requested: an agent cannot acknowledge a stop it was never sent (it would show a later stop as done).
     */
    const current = sql`${generation} >= coalesce(${t.ackGeneration}, 0) and ${generation} <= ${t.estopGeneration}`;
    const guarded = (
      column:
        | typeof t.ackRemoteEngaged
        | typeof t.ackLocalEngaged
        | typeof t.ackLocalReason
        | typeof t.ackKilled
        | typeof t.ackAt
        | typeof t.ackGeneration,
      name: string,
    ) => sql`case when ${current} then excluded.${sql.identifier(name)} else ${column} end`;
    await this.db
      .insert(t)
      .values({
        hostId,
        tenantId,
        ackGeneration: 0, // no row: nothing was requested yet
        ackRemoteEngaged: state.remoteEngaged,
        ackLocalEngaged: state.localEngaged,
        ackLocalReason: state.localReason,
        ackKilled: state.killed,
        ackAt: now,
        policyEnforced: state.policyVersion === 0 ? 0 : null, // no row: no policy set was sent yet
        policyEnforcedAt: now,
      })
      .onConflictDoUpdate({
        target: t.hostId,
        set: {
          ackGeneration: sql`case when ${current} then ${generation} else ${t.ackGeneration} end`,
          ackRemoteEngaged: guarded(t.ackRemoteEngaged, "ack_remote_engaged"),
          ackLocalEngaged: guarded(t.ackLocalEngaged, "ack_local_engaged"),
          ackLocalReason: guarded(t.ackLocalReason, "ack_local_reason"),
          ackKilled: guarded(t.ackKilled, "ack_killed"),
          ackAt: guarded(t.ackAt, "ack_at"),
          // Request → first acknowledgement of that generation; unknown for any other generation.
          ackLatencyMs: sql`case
            when not (${current}) then ${t.ackLatencyMs}
            when ${generation} <> ${t.estopGeneration} or ${t.estopRequestedAt} is null then null
            when ${t.ackGeneration} is not distinct from ${generation} and ${t.ackLatencyMs} is not null then ${t.ackLatencyMs}
            else greatest(0, round(extract(epoch from (excluded.ack_at - ${t.estopRequestedAt})) * 1000))::integer end`,
          // A version newer than any sent is no acknowledgement: the enforced one stays what it was.
          policyEnforcedAt: sql`case when ${reported} <= ${t.policyDesired} and ${t.policyEnforced} is distinct from ${reported} then excluded.policy_enforced_at else ${t.policyEnforcedAt} end`,
          policyEnforced: sql`case when ${reported} <= ${t.policyDesired} then ${reported} else ${t.policyEnforced} end`,
          policyLagging: sql`case when ${reported} = ${t.policyDesired} then false else ${t.policyLagging} end`,
          updatedAt: now,
        },
      });
  }

  async stateOf(tenantId: string, hostId: string) {
    const [row] = await this.db
      .select()
      .from(hostSafety)
      .where(and(eq(hostSafety.tenantId, tenantId), eq(hostSafety.hostId, hostId)));
    return { estop: estopView(row), policy: policyView(row) };
  }

  /** Every host's acknowledged stop state (hosts never stopped and never heard from are `unknown`). */
  async list(tenantId: string) {
    const [named, rows] = await Promise.all([
      this.hosts.names(tenantId),
      this.db.select().from(hostSafety).where(eq(hostSafety.tenantId, tenantId)),
    ]);
    const safety = new Map(rows.map((r) => [r.hostId, r]));
    return named.map((h) => ({ hostId: h.id, name: h.name, estop: estopView(safety.get(h.id)) }));
  }

  /**
   * The version of the policy set about to be sent to a host: bumped atomically when its content (fingerprint)
   * differs from the last one sent, so every distinct set has its own increasing version.
   */
  /** As `currentOrder`, for many hosts of a tenant in one statement: the hosts with a stop order. */
  async currentOrders(tenantId: string, hostIds: string[]): Promise<Map<string, EstopOrder>> {
    const out = new Map<string, EstopOrder>();
    if (hostIds.length === 0) return out;
    const rows = await this.db
      .select()
      .from(hostSafety)
      .where(
        and(eq(hostSafety.tenantId, tenantId), inArray(hostSafety.hostId, hostIds), ne(hostSafety.estopGeneration, 0)),
      );
    for (const row of rows)
      out.set(row.hostId, {
        hostId: row.hostId,
        generation: row.estopGeneration,
        engaged: row.estopEngaged,
        reason: row.estopReason ?? "",
        atMs: row.estopRequestedAt?.getTime() ?? 0,
      });
    return out;
  }

  /** As `policySetVersion`, for many hosts of a tenant in one statement. */
  async policySetVersions(
    tenantId: string,
    sets: { hostId: string; fingerprint: string }[],
  ): Promise<Map<string, number>> {
    if (sets.length === 0) return new Map();
    const now = new Date();
    const rows = await this.db
      .insert(hostSafety)
      .values(
        sets.map(({ hostId, fingerprint }) => ({
          hostId,
          tenantId,
          policyFingerprint: fingerprint,
          policyDesired: 1,
          policyDesiredAt: now,
        })),
      )
      .onConflictDoUpdate({
        target: hostSafety.hostId,
        set: {
          policyDesired: sql`case when ${hostSafety.policyFingerprint} is distinct from excluded.policy_fingerprint then ${hostSafety.policyDesired} + 1 else ${hostSafety.policyDesired} end`,
          policyDesiredAt: sql`case when ${hostSafety.policyFingerprint} is distinct from excluded.policy_fingerprint then excluded.policy_desired_at else ${hostSafety.policyDesiredAt} end`,
          policyFingerprint: sql`excluded.policy_fingerprint`,
          updatedAt: now,
        },
      })
      .returning({ hostId: hostSafety.hostId, version: hostSafety.policyDesired });
    return new Map(rows.map((r) => [r.hostId, r.version]));
  }

  async policySetVersion(tenantId: string, hostId: string, fingerprint: string): Promise<number> {
    const now = new Date();
    const [row] = await this.db
      .insert(hostSafety)
      .values({ hostId, tenantId, policyFingerprint: fingerprint, policyDesired: 1, policyDesiredAt: now })
      .onConflictDoUpdate({
        target: hostSafety.hostId,
        set: {
          policyDesired: sql`case when ${hostSafety.policyFingerprint} is distinct from excluded.policy_fingerprint then ${hostSafety.policyDesired} + 1 else ${hostSafety.policyDesired} end`,
          policyDesiredAt: sql`case when ${hostSafety.policyFingerprint} is distinct from excluded.policy_fingerprint then excluded.policy_desired_at else ${hostSafety.policyDesiredAt} end`,
          policyFingerprint: sql`excluded.policy_fingerprint`,
          updatedAt: now,
        },
      })
      .returning({ version: hostSafety.policyDesired });
    return row!.version;
  }

  /** Desired vs enforced policy version of a host now (recorded on each new command). */
  /** As `policyVersionsOf`, as a jsonb expression for a statement about host `hostId` (a column or value). */
  policyVersionsSql(hostId: SQL): SQL {
    return sql`coalesce((select jsonb_build_object('desired', hs.policy_desired, 'enforced', hs.policy_enforced)
      from ${hostSafety} hs where hs.host_id = ${hostId}), '{"desired":0,"enforced":null}'::jsonb)`;
  }

  async policyVersionsOf(tenantId: string, hostId: string): Promise<{ desired: number; enforced: number | null }> {
    const [row] = await this.db
      .select()
      .from(hostSafety)
      .where(and(eq(hostSafety.tenantId, tenantId), eq(hostSafety.hostId, hostId)));
    return { desired: row?.policyDesired ?? 0, enforced: row?.policyEnforced ?? null };
  }

  /**
   * Of each host: the version of the last set sent (desired), its content's fingerprint, and the version the agent
   * acknowledged enforcing (null: none). A set counts as applied only when enforced = desired for that fingerprint.
   */
  async policyStatesOf(q: Queryable, tenantId: string, hostIds: string[]) {
    const out = new Map<string, { desired: number; enforced: number | null; fingerprint: string | null }>();
    if (hostIds.length === 0) return out;
    const rows = await q
      .select({
        hostId: hostSafety.hostId,
        desired: hostSafety.policyDesired,
        enforced: hostSafety.policyEnforced,
        fingerprint: hostSafety.policyFingerprint,
      })
      .from(hostSafety)
      .where(and(eq(hostSafety.tenantId, tenantId), inArray(hostSafety.hostId, hostIds)));
    for (const { hostId, ...state } of rows) out.set(hostId, state);
    return out;
  }

  /**
   * Flags hosts whose enforced version has lagged the desired one longer than `boundMs` (one guarded UPDATE:
   * with several replicas each host is flagged, and its event published, once).
   */
  async flagPolicyLag(boundMs: number): Promise<number> {
    const cutoff = new Date(Date.now() - boundMs);
    const flagged = await this.db
      .update(hostSafety)
      .set({ policyLagging: true, updatedAt: new Date() })
      .where(
        and(
          eq(hostSafety.policyLagging, false),
          lt(hostSafety.policyDesiredAt, cutoff),
          sql`coalesce(${hostSafety.policyEnforced}, 0) < ${hostSafety.policyDesired}`,
        ),
      )
      .returning();
    for (const row of flagged) {
      this.events.publish({
        type: "host.policy_lagging",
        tenantId: row.tenantId,
        hostId: row.hostId,
        desired: row.policyDesired,
        enforced: row.policyEnforced,
      });
    }
    return flagged.length;
  }
}
