/**
 * Group commit of the agents' numbered reports — command reports (RUNNING / COMPLETED / FAILED / EXPIRED acks) and
 * status reports — over either transport and from every agent: reports are applied by ONE statement per batch
 * (lib/group-commit.ts: natural batching, no fixed delay: a report that finds the database idle goes at once, those
 * that arrive while statements run share the next one), which for each report at once
 *   - refuses it if its runtime identity is revoked (atomic with the effect: a report racing a revocation on another
 *     replica is not applied),
 *   - skips it if its seq was processed before (the per-agent sequence, `agent_sessions`),
 *   - stores a status report on its host (HostService's part of the statement),
 *   - moves the command (compare-and-set on its status, as a single transition would; a completion seen before its
 *     RUNNING passes through `running`; a sweeper's premature expiry is corrected),
 *   - records the seq and the agent's floor (the contiguous floor moved over processed seqs that follow it),
 *   - sends the transitions to every replica (NOTIFY, at commit),
 *   - and says whether the command runs a task stage and whether any event trigger listens (their listeners then
 *     need no lookup).
 * Each report resolves once its batch committed, so the agent is receipted only for what is durable: nothing is
 * acknowledged early, and a crash before the commit only means the agent sends the report again. A batch holds at
 * most one entry per agent (the next one waits for the following batch), so an agent's reports apply in order. One
 * entry may stand for two reports: a command's RUNNING queued right before its COMPLETED (the next seq) is applied
 * as that COMPLETED, which moves a pending command through `running` (its event, `started_at`) to `completed` in
 * the one statement, and records both seqs — an instant command costs one commit for its two acks, not two in a row.
 * An agent without a sequence row for its identity yet (its very first numbered message) takes the single path,
 * run here before the agent's next entry may go.
 */
import { type SQL, sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { GENERIC_PLAN, rowsOf, type Db } from "../../db/connect";
import { jsonValue } from "../../db/row-json";
import { latencyTraceOn, mark } from "../../lib/latency-trace";
import { asSystem } from "../../db/context";
import { GroupCommit } from "../../lib/group-commit";
import { CLUSTER_EVENTS_CHANNEL } from "../commands/service";
import { sourcesOf, type Status } from "../../lib/lifecycle";
import type { AgentDeps } from "./deps";
import type { AgentRef, AgentSequences } from "./sequence";
import type { BoundedStatus } from "../hosts/status-report";

export interface CommandReport {
  commandId: string;
  status: "running" | "completed" | "failed" | "expired";
  error?: string;
  result?: Record<string, unknown>;
}

/** A status report, bounded already (hosts/status-report.ts). */
export interface StatusReport {
  status: BoundedStatus;
}

export type AgentReport = CommandReport | StatusReport;
const isStatus = (r: AgentReport): r is StatusReport => typeof r.status === "object";

/** What became of a report: refused (identity revoked), or applied, with its agent's contiguous floor. */
export type ReportOutcome = { refused: true } | { floor: number };

export interface ReportBatchOptions {
  /** Reports per statement. */
  maxBatch: number;
  /** Statements in flight at once. */
  maxInFlight: number;
}

export const DEFAULT_REPORT_BATCH: ReportBatchOptions = { maxBatch: 256, maxInFlight: 2 };

/**
 * An agent's reports a transport may hand on while earlier ones are still being applied (handed to the batcher, not
 * committed); beyond that, its next message waits for them.
 */
export const MAX_REPORTS_APPLYING = 64;

interface Pending {
  agent: AgentRef;
  seq: number;
  floor: number;
  report: AgentReport;
  /** The single path (an agent with no sequence row for its identity yet): applies and records it; the floor. */
  single: () => Promise<number>;
  done: (outcome: ReportOutcome) => void;
  fail: (error: unknown) => void;
}

/** A batch entry: one report, or a RUNNING and the COMPLETED that followed it (`parts`, in order), applied as one. */
interface Entry {
  agent: AgentRef;
  /** The seqs it records: `firstSeq` through `seq`. */
  firstSeq: number;
  seq: number;
  floor: number;
  report: AgentReport;
  parts: Pending[];
}

const entryOf = (p: Pending): Entry => ({
  agent: p.agent,
  firstSeq: p.seq,
  seq: p.seq,
  floor: p.floor,
  report: p.report,
  parts: [p],
});

/** Whether `next` (the agent's next queued report) folds into `entry`: its command's COMPLETED, the next seq. */
function folds(entry: Entry, next: Pending): boolean {
  const [first] = entry.parts;
  return (
    entry.parts.length === 1 &&
    !isStatus(first!.report) &&
    first!.report.status === "running" &&
    !isStatus(next.report) &&
    next.report.status === "completed" &&
    next.report.commandId === first!.report.commandId &&
    next.seq === first!.seq + 1
  );
}

/** Longest error text carried in a transition notice (NOTIFY payloads are limited to 8000 bytes). */
const NOTICE_ERROR_CHARS = 2000;

/** Placeholder parameters of the cached statement: the batch (JSON) and the time. */
const INPUT = "\u0000report-batch:input";
const NOW = "\u0000report-batch:now";

/**
 * `statement` rendered once; returns a function that makes the same statement with the placeholder parameters (string
 * values named in `values`) replaced: a few chunks to render per call instead of the whole tree.
 */
function cachedStatement(statement: SQL): (values: Record<string, string>) => SQL {
  const { sql: text, params } = new PgDialect().sqlToQuery(statement);
  const parts = text.split(/\$(\d+)/);
  const strings: string[] = [];
  const indices: number[] = [];
  for (let k = 0; k < parts.length; k++) {
    if (k % 2 === 0) strings.push(parts[k]!);
    else indices.push(Number(parts[k]) - 1);
  }
  const template = Object.assign([...strings], { raw: [...strings] }) as unknown as TemplateStringsArray;
  return (values) =>
    sql(
      template,
      ...indices.map((n) => {
        const param = params[n];
        return typeof param === "string" && Object.hasOwn(values, param) ? values[param] : param;
      }),
    );
}

export class CommandReportBatcher {
  private readonly group: GroupCommit<Pending, Entry>;
  /** The batch statement (built on first use). */
  private template?: (values: Record<string, string>) => SQL;
  /** Agents (by host) with a report in a statement now: their next report waits for it (order). */
  private readonly busy = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly deps: AgentDeps,
    private readonly sequences: AgentSequences,
    private readonly opts: ReportBatchOptions = DEFAULT_REPORT_BATCH,
  ) {
    this.group = new GroupCommit<Pending, Entry>(
      // Two turns: an agent's RUNNING and COMPLETED, sent together, come in two socket reads and may then fold.
      { maxInFlight: opts.maxInFlight, turns: 2 },
      (queue) => this.take(queue),
      // Explicitly system: the flush runs in the context of whatever scheduled it (possibly a tenant's request).
      (batch) =>
        asSystem("agents' reports, batched across tenants", () => this.store(batch)).finally(() => {
          for (const e of batch) this.busy.delete(e.agent.hostId);
        }),
      (error, batch) => {
        for (const e of batch) for (const p of e.parts) p.fail(error);
      },
    );
  }

  /**
   * Applies a numbered report with others; resolves once committed. `single` applies and records it alone (the
   * path of an agent whose sequence row does not exist yet) and returns the floor.
   */
  apply(
    agent: AgentRef,
    seq: number,
    floor: number,
    report: AgentReport,
    single: () => Promise<number>,
  ): Promise<ReportOutcome> {
    if ("commandId" in report) mark(report.commandId, `report.${report.status}.add`);
    return new Promise((done, fail) => this.group.add({ agent, seq, floor, report, single, done, fail }));
  }

  /**
   * The next batch: at most one entry per agent and per command, none of an agent with an entry in flight (the
   * next waits, so an agent's reports apply in order); a COMPLETED right after its RUNNING folds into its entry.
   */
  private take(queue: Pending[]): { batch: Entry[]; rest: Pending[] } {
    const batch: Entry[] = [];
    const rest: Pending[] = [];
    /** Per agent: its entry in this batch while its next queued report may still fold into it; null once not. */
    const agents = new Map<string, Entry | null>();
    const commandIds = new Set<string>();
    for (const p of queue) {
      const mine = agents.get(p.agent.hostId);
      // A full batch takes nothing more but the folds of its entries: the rest stays, in order, without more ado.
      if (mine === undefined && batch.length >= this.opts.maxBatch) {
        rest.push(p);
        continue;
      }
      if (mine && folds(mine, p)) {
        mine.parts.push(p);
        Object.assign(mine, { seq: p.seq, floor: Math.max(mine.floor, p.floor), report: p.report });
        agents.set(p.agent.hostId, null);
        continue;
      }
      const commandId = isStatus(p.report) ? undefined : p.report.commandId;
      if (
        batch.length >= this.opts.maxBatch ||
        mine !== undefined ||
        this.busy.has(p.agent.hostId) ||
        (commandId !== undefined && commandIds.has(commandId))
      ) {
        rest.push(p);
        agents.set(p.agent.hostId, null); // a later report of this agent must not overtake it
      } else {
        const entry = entryOf(p);
        batch.push(entry);
        agents.set(p.agent.hostId, entry);
        if (commandId !== undefined) commandIds.add(commandId);
      }
    }
    for (const e of batch) this.busy.add(e.agent.hostId);
    return { batch, rest };
  }

  private async store(batch: Entry[]): Promise<void> {
    if (latencyTraceOn)
      for (const e of batch)
        for (const p of e.parts)
          if ("commandId" in p.report) mark(p.report.commandId, `report.${p.report.status}.store`);
    const now = new Date().toISOString();
    // One JSON parameter for the whole batch: the statement's text is the same for every batch (built once).
    // Ordered by host: the statement locks each agent's sequence row (then its command) in this order, so two
    // batches on different replicas never wait for each other in a cycle. `i` keeps each report's place in `batch`.
    const entries = batch.map((p, i) => ({ p, i })).sort((a, b) => (a.p.agent.hostId < b.p.agent.hostId ? -1 : 1));
    const input = JSON.stringify(
      entries.map(({ p, i }) => {
        const head = {
          i,
          tenant_id: p.agent.tenantId,
          host_id: p.agent.hostId,
          runtime_id: p.agent.runtimeId,
          first_seq: p.firstSeq,
          seq: p.seq,
          floor: p.floor,
        };
        if (isStatus(p.report)) {
          const { report, agentVersion } = p.report.status;
          return { ...head, kind: "status", last_status: report, agent_version: agentVersion ?? null };
        }
        const r = p.report;
        return {
          ...head,
          kind: "command",
          command_id: r.commandId,
          status: r.status,
          error: r.error ?? null,
          result: r.result ?? null,
          sources: sourcesOf(r.status as Status).join(","),
        };
      }),
    );
    this.template ??= this.buildTemplate();
    const statement = this.template({ [INPUT]: input, [NOW]: now });
    // One row, the batch's entries as one JSON array: a thousand rows of a dozen columns each cost the driver more
    // than one JSON.parse.
    const answer = rowsOf(await this.db.execute(statement))[0];
    const rows = jsonValue<Record<string, unknown>[] | null>(answer?.entries) ?? [];
    if (latencyTraceOn)
      for (const e of batch)
        for (const p of e.parts)
          if ("commandId" in p.report) mark(p.report.commandId, `report.${p.report.status}.stored`);
    const singles: Entry[] = [];
    for (const row of rows) {
      const e = batch[Number(row.i)]!;
      if (!row.live) for (const p of e.parts) p.done({ refused: true });
      else if (!row.known) singles.push(e);
      else {
        if (row.moved) this.announce(e, row);
        for (const p of e.parts) p.done({ floor: Number(row.recorded_floor ?? row.seen_floor) });
      }
    }
    // Rare (an agent's first numbered message): alone and in order, while the agent's next entry waits (busy).
    for (const e of singles) {
      for (const [k, p] of e.parts.entries()) {
        try {
          p.done({ floor: await p.single() });
        } catch (error) {
          for (const rest of e.parts.slice(k)) rest.fail(error);
          break;
        }
      }
    }
  }

  /**
   * The batch statement, built with drizzle once: its text is kept, and each call only puts the batch and the time
   * into its parameters (rebuilding the whole statement per batch was ~14% of the control plane's CPU at c=64).
   */
  private buildTemplate(): (values: Record<string, string>) => SQL {
    const { runtime, execution, triggers } = this.deps;
    const now = NOW;
    const statement = sql`${sql.raw(GENERIC_PLAN)}with input as (select * from json_to_recordset(${INPUT}::text::json) as t(i int, tenant_id text,
        host_id text, runtime_id text, first_seq bigint, seq bigint, floor bigint, kind text, command_id text, status text, error text,
        result jsonb, sources text, last_status jsonb, agent_version text)),
      live as (select * from input n where ${runtime.liveIdentitySql(sql`n.runtime_id`, sql`n.tenant_id`, sql`n.host_id`)}),
      ${this.sequences.batchRecordSql(now)},
      todo as (select q.* from seqs q where q.known and not q.seen),
      ${this.deps.commands.agentReportSql(now)},
      ${this.deps.hosts.statusReportSql(now)},
      ${execution.stageReportSql(now)},
      notices as (
        select pg_notify(${CLUSTER_EVENTS_CHANNEL}, json_build_object('type', 'command.transition',
          'tenantId', m.tenant_id, 'hostId', m.host_id, 'commandId', m.id, 'status', x.status,
          'error', case when x.status = m.status then left(m.error, ${NOTICE_ERROR_CHARS}) end, 'kind', m.kind,
          'notified', true)::text)
        from moved m cross join lateral (
          select 'running' as status, 0 as o where m.previous = 'pending' and m.status in ('completed')
          union all select m.status, 1) x
      )
      select json_agg(json_build_object('i', n.i, 'live', q.i is not null, 'known', coalesce(q.known, false),
        'recorded_floor', r.last, 'seen_floor', q.last, 'moved', m.status, 'previous', m.previous, 'kind', m.kind,
        'error', m.error,
        'task_stage', n.command_id is not null and ${execution.stageCommandSql(sql`n.tenant_id`, sql`n.command_id`)},
        'event_triggers', ${triggers.eventTriggersSql(sql`n.tenant_id`, sql`'command.' || n.status`)},
        'task_id', x.id, 'task_from', x.status, 'task_move', x.move, 'task_queued', x.queued, 'task_changes', x.changes)
        order by n.i) as entries,
        (select count(*)::int from notices) as notices, (select count(*)::int from statuses) as statuses
      from input n left join seqs q on q.i = n.i left join recorded r on r.i = n.i left join moved m on m.i = n.i
        left join task_transitions x on x.i = n.i`;
    return cachedStatement(statement);
  }

  /** The transitions a batch made, to this replica's listeners (other replicas got the NOTIFY). */
  private announce(p: Entry, row: Record<string, unknown>): void {
    const base = {
      type: "command.transition" as const,
      tenantId: p.agent.tenantId,
      hostId: p.agent.hostId,
      commandId: (p.report as CommandReport).commandId,
      kind: String(row.kind),
      notified: true,
      // A stage move this statement made already (stageReportSql) leaves nothing for onCommandTransition to do.
      taskStage: Boolean(row.task_stage) && row.task_id == null,
    };
    const status = String(row.moved) as Status;
    if (row.previous === "pending" && status === "completed")
      this.deps.events.publish({ ...base, status: "running", error: null, eventTriggers: true });
    this.deps.events.publish({
      ...base,
      status,
      error: (row.error as string | null) ?? null,
      eventTriggers: Boolean(row.event_triggers),
    });
    if (row.task_id != null)
      this.deps.execution.announceStageReport(p.agent.tenantId, {
        id: String(row.task_id),
        status: String(row.task_from),
        move: String(row.task_move),
        queued: Boolean(row.task_queued),
      });
  }
}
