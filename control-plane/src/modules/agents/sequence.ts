/**
 * One delivery sequence per agent, shared by MQTT and gRPC and by every replica (the `agent_sessions` table).
 * An agent numbers its messages with its durable outbox seq; the control plane applies each seq at most once
 * per identity and tells the agent what is processed (MQTT receipts, gRPC acks and welcome), so the agent keeps
 * a message until then and resends it after any gap. Applying is idempotent anyway (command transitions are
 * compare-and-set, telemetry is unique per point seq): a crash between applying and recording costs a re-apply,
 * never a second effect.
 */
import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db, Tx } from "../../db/connect";
import { agentSessions } from "../../db/schema";

/** Out-of-order processed seqs kept above the contiguous floor; beyond that the oldest are forgotten (re-applied if resent). */
const MAX_PROCESSED_ABOVE = 1024;

export interface AgentRef {
  tenantId: string;
  hostId: string;
  runtimeId: string;
}

export class AgentSequences {
  constructor(private readonly db: Db) {}

  /**
   * A gRPC session opens: every seq <= the returned one is processed. A different runtime identity than the
   * one recorded (a re-provisioned agent, new state) starts a new sequence.
   */
  async open(agent: AgentRef): Promise<number> {
    return this.db.transaction(async (tx) => {
      const row = await this.lock(tx, agent);
      await tx
        .update(agentSessions)
        .set({ connectedAt: new Date(), updatedAt: new Date() })
        .where(eq(agentSessions.hostId, agent.hostId));
      return row.lastAgentSeq;
    });
  }

  /**
   * Creates the sequence rows of agents that have none yet (agents coming online, in one statement), so that their
   * first numbered message is applied in a batch too rather than by the locked single path. A row of another
   * identity is left alone: that agent's first message takes the single path, which starts its new sequence.
   */
  async ensureMany(agents: AgentRef[]): Promise<void> {
    if (agents.length === 0) return;
    await this.db
      .insert(agentSessions)
      .values(agents.map((a) => ({ hostId: a.hostId, tenantId: a.tenantId, runtimeId: a.runtimeId })))
      .onConflictDoNothing();
  }

  /** Whether `seq` of this agent was processed already, and the contiguous floor if it was. */
  async processed(agent: AgentRef, seq: number): Promise<{ processed: false } | { processed: true; last: number }> {
    const [row] = await this.db
      .select({
        last: agentSessions.lastAgentSeq,
        above: agentSessions.processedSeqs,
        runtimeId: agentSessions.runtimeId,
      })
      .from(agentSessions)
      .where(and(eq(agentSessions.hostId, agent.hostId), eq(agentSessions.tenantId, agent.tenantId)));
    if (!row || (row.runtimeId !== null && row.runtimeId !== agent.runtimeId)) return { processed: false };
    return seq <= row.last || row.above.includes(seq) ? { processed: true, last: row.last } : { processed: false };
  }

  /**
   * Records `seq` as processed, and that every seq <= `floor` is settled (the agent's word: it holds none of
   * them any more). Returns the new contiguous floor: every seq <= it is processed. One statement in the usual
   * case (this runs once per agent message); the locked slow path creates the row or starts a new identity's.
   */
  async record(agent: AgentRef, seq: number, floor: number): Promise<number> {
    const last = sql`greatest(${agentSessions.lastAgentSeq}, ${floor}::bigint)`;
    const [row] = await this.db
      .update(agentSessions)
      .set({
        lastAgentSeq: last,
        processedSeqs: sql`array(select s from unnest(array_append(${agentSessions.processedSeqs}, ${seq}::bigint)) as s
          where s > ${last} group by s order by s desc limit ${MAX_PROCESSED_ABOVE})`,
        updatedAt: new Date(),
      })
      .where(and(eq(agentSessions.hostId, agent.hostId), eq(agentSessions.runtimeId, agent.runtimeId)))
      .returning({ last: agentSessions.lastAgentSeq, above: agentSessions.processedSeqs });
    if (row) return this.compact(agent, row.last, row.above);
    await this.db.transaction((tx) => this.lock(tx, agent));
    return this.record(agent, seq, floor);
  }

  /** Moves the floor over processed seqs that follow it (agents that send no floor, gRPC frames in order). */
  private async compact(agent: AgentRef, last: number, above: number[]): Promise<number> {
    const processed = new Set(above);
    if (!processed.has(last + 1)) return last;
    while (processed.delete(last + 1)) last++;
    const floor = sql`greatest(${agentSessions.lastAgentSeq}, ${last}::bigint)`;
    await this.db
      .update(agentSessions)
      .set({
        lastAgentSeq: floor,
        processedSeqs: sql`array(select s from unnest(${agentSessions.processedSeqs}) as s where s > ${floor})`,
      })
      .where(and(eq(agentSessions.hostId, agent.hostId), eq(agentSessions.runtimeId, agent.runtimeId)));
    return last;
  }

  /** Applies numbered message `seq` unless it was processed before, then records it; returns the contiguous floor. */
  async once(agent: AgentRef, seq: number, floor: number, apply: () => Promise<unknown>): Promise<number> {
    const seen = await this.processed(agent, seq);
    // A resend of something processed: nothing to record unless it moves the floor.
    if (seen.processed && floor <= seen.last) return seen.last;
    if (!seen.processed) await apply();
    return this.record(agent, seq, floor);
  }

  /** The host's row, locked for this transaction; created, or reset for a new runtime identity, as needed. */
  private async lock(tx: Tx, agent: AgentRef) {
    const select = () => tx.select().from(agentSessions).where(eq(agentSessions.hostId, agent.hostId)).for("update");
    let [row] = await select();
    if (!row) {
      await tx
        .insert(agentSessions)
        .values({ hostId: agent.hostId, tenantId: agent.tenantId, runtimeId: agent.runtimeId })
        .onConflictDoNothing();
      [row] = await select();
    }
    if (row!.runtimeId !== agent.runtimeId) {
      // Rows written before identities were recorded (null) belong to the current identity.
      const reset = row!.runtimeId !== null;
      const values = { runtimeId: agent.runtimeId, ...(reset ? { lastAgentSeq: 0, processedSeqs: [] } : {}) };
      await tx.update(agentSessions).set(values).where(eq(agentSessions.hostId, agent.hostId));
      row = { ...row!, ...values };
    }
    return row!;
  }

  /**
   * For a statement applying a batch of numbered reports (modules/agents/report-batch.ts), reading CTE `live` (i,
   * tenant_id, host_id, runtime_id, first_seq, seq, floor, ...; a row stands for seqs `first_seq` through `seq`, one
   * agent per row): `seqs`: each row of `live` with whether its agent has a sequence row for its identity (`known`),
   * whether its last seq was processed (`seen`) and the row's floor (`last`) and seqs above it (`processed`).
   * `recorded`: the seqs and floor recorded (the floor moved over processed seqs that follow it), for reports not
   * seen before or that move the floor.
   * Each CTE reads the previous one row by row, with no join between them: with no statistics for a batch's rows,
   * the generic plan joined such CTEs by comparing every row with every other (65,000 comparisons per join for 256
   * reports); the session row is one primary-key probe per report (a LATERAL with a LIMIT is never flattened).
   * The session row is locked as it is read: replicas applying the same agent's reports at once (a shared
   * subscription spreads an agent's messages over them) take turns, and each reads what the other recorded. The
   * batcher sends its reports ordered by host, so two batches lock their agents in the same order.
   */
  batchRecordSql(now: string): SQL {
    return sql`seqs as (
        select l.*, s.host_id is not null as known, s.last_agent_seq as last, s.processed_seqs as processed,
          coalesce(l.seq <= s.last_agent_seq or l.seq = any(s.processed_seqs), false) as seen
        from live l left join lateral (select s.host_id, s.last_agent_seq, s.processed_seqs from ${agentSessions} s
          where s.host_id = l.host_id and s.tenant_id = l.tenant_id and s.runtime_id = l.runtime_id limit 1
          for update) s on true
      ),
      next_seqs as (
        select q.i, q.host_id, q.runtime_id, f.last,
          case when g.in_order then '{}'::bigint[] else array(select x from unnest(m.merged) x where x > f.last
            order by x desc limit ${MAX_PROCESSED_ABOVE}) end as above
        from seqs q
          cross join lateral (select greatest(q.last, q.floor) as base) g0
          -- In order (nothing processed above the floor, the first seq at most the next one, as almost always): the
          -- floor moves to the seq and no array is sorted (unnesting and sorting cost ~40 µs per report).
          cross join lateral (select g0.base, cardinality(q.processed) = 0 and q.first_seq <= g0.base + 1 as in_order) g
          cross join lateral (select case when not g.in_order then array(select distinct x
            from unnest(q.processed || array(select generate_series(q.first_seq, q.seq))) x where x > g.base
            order by x) end as merged) m
          cross join lateral (select case when g.in_order then greatest(g.base, q.seq)
            else g.base + coalesce((select max(u.j) from unnest(m.merged) with ordinality u(x, j)
              where u.x = g.base + u.j), 0) end as last) f
        where q.known and (not q.seen or q.floor > q.last)
      ),
      recorded as (
        update ${agentSessions} s set last_agent_seq = n.last, processed_seqs = n.above,
          updated_at = ${now}::timestamptz
        from next_seqs n where s.host_id = n.host_id and s.runtime_id = n.runtime_id
        returning n.i, s.last_agent_seq as last
      )`;
  }
}
