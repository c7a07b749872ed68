/**
 * Telemetry retention and partitions (telemetry_points is partitioned by week of `at`, migration 0024). Each sweep:
 * - makes the weeks from last week through next week (points may be stamped up to a day ahead; an agent back
 *   online sends last week's); a point of a week not made yet waits in the default partition and is moved in then;
 * - drops the weeks older than the longest retention of any tenant (a whole week at once, no row-by-row delete);
 * - deletes each tenant's remaining points older than its `telemetryRetentionDays` in bounded batches (an index
 *   range on (tenant, at), a few thousand rows a statement, so a sweep never holds long locks or grows a huge
 *   transaction).
 * Safe with N replicas: each step runs under a transaction-scoped advisory lock taken with try-lock; a replica that
 * finds it held skips its sweep (another one is sweeping).
 */
import { asSystem } from "../../db/context";
import { type SQL, sql } from "drizzle-orm";
import { rowsOf, type Db } from "../../db/connect";

/** Advisory lock key of the retention sweep. */
export const TELEMETRY_RETENTION_LOCK = 7_310_016;
const DELETE_BATCH = 5_000;
/** Batches per sweep at most, so one sweep ends; the next continues. */
const MAX_BATCHES_PER_SWEEP = 200;

export interface RetentionTenants {
  /** Every tenant with its telemetry retention in days. */
  telemetryRetentions(): Promise<{ tenantId: string; days: number }[]>;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;
const cutoff = (now: number, days: number) => new Date(now - days * DAY_MS).toISOString();

export interface RetentionSweep {
  /** Partitions (weeks) made. */
  weeksMade: number;
  /** Partitions dropped whole: every point in them was older than any tenant keeps. */
  weeksDropped: number;
  /** Points deleted one by one (a tenant that keeps less than the longest retention). */
  pointsDeleted: number;
}

export class TelemetryRetention {
  private timer?: ReturnType<typeof setInterval>;
  private running?: Promise<unknown>;

  constructor(
    private readonly db: Db,
    private readonly tenants: RetentionTenants,
    private readonly everyMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /**
   * Makes the current weeks now (a database made from an older template, or a control plane down for weeks, has
   * older ones only), then sweeps every `everyMs` (0: never; the weeks are still made at each start).
   */
  async start(): Promise<void> {
    // Never fails the start: until its week is made, a point waits in the default partition.
    await asSystem("telemetry partitions: the current weeks", () => this.makeWeeks()).catch(this.onError);
    if (this.everyMs <= 0) return;
    this.timer = setInterval(() => {
      this.running ??= asSystem("telemetry retention: every tenant's old points", () => this.sweep())
        .catch(this.onError)
        .finally(() => (this.running = undefined));
    }, this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One pass; undefined if another replica holds the sweep. */
  async sweep(now = Date.now()): Promise<RetentionSweep | undefined> {
    const made = await this.makeWeeks(now);
    if (made === undefined) return undefined;
    const retentions = await this.tenants.telemetryRetentions();
    const longest = Math.max(0, ...retentions.map((r) => r.days));
    const dropped =
      retentions.length === 0
        ? 0
        : await this.locked(sql`select edge_telemetry_drop_weeks(${cutoff(now, longest)}::timestamptz) as n`);
    if (dropped === undefined) return undefined;
    let deleted = 0;
    let batches = 0;
    for (const { tenantId, days } of retentions) {
      while (batches++ < MAX_BATCHES_PER_SWEEP) {
        const n = await this.locked(
          sql`select edge_telemetry_delete_before(${tenantId}, ${cutoff(now, days)}::timestamptz, ${DELETE_BATCH}) as n`,
        );
        if (n === undefined) return { weeksMade: made, weeksDropped: dropped, pointsDeleted: deleted };
        deleted += n;
        if (n < DELETE_BATCH) break;
      }
    }
    return { weeksMade: made, weeksDropped: dropped, pointsDeleted: deleted };
  }

  /** Makes the missing weeks from last week through next week; undefined if another replica holds the lock. */
  makeWeeks(now = Date.now()): Promise<number | undefined> {
    return this.locked(sql`select edge_telemetry_make_weeks(
      ${new Date(now - WEEK_MS).toISOString()}::timestamptz, ${new Date(now + WEEK_MS).toISOString()}::timestamptz) as n`);
  }

  /** Runs the statement (returning one integer `n`) in a transaction under the sweep's lock; undefined if held. */
  private locked(statement: SQL): Promise<number | undefined> {
    return this.db.transaction(async (tx) => {
      const [lock] = rowsOf(await tx.execute(sql`select pg_try_advisory_xact_lock(${TELEMETRY_RETENTION_LOCK}) as ok`));
      if (lock?.ok !== true) return undefined;
      const [row] = rowsOf(await tx.execute(statement));
      return Number(row?.n ?? 0);
    });
  }
}
