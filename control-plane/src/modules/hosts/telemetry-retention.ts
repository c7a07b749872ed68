/**
 * Telemetry retention: every tenant's points older than its `telemetryRetentionDays` (by the point's timestamp)
 * are deleted in bounded batches (an index range on (tenant, at), a few thousand rows a statement, so a sweep never
 * holds long locks or grows a huge transaction). Safe with N replicas: each batch runs under a transaction-scoped
 * advisory lock taken with try-lock; a replica that finds it held skips its sweep (another one is sweeping).
 */
import { asSystem } from "../../db/context";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/connect";

/** Advisory lock key of the retention sweep. */
export const TELEMETRY_RETENTION_LOCK = 7_310_016;
const DELETE_BATCH = 5_000;
/** Batches per sweep at most, so one sweep ends; the next continues. */
const MAX_BATCHES_PER_SWEEP = 200;

export interface RetentionTenants {
  /** Every tenant with its telemetry retention in days. */
  telemetryRetentions(): Promise<{ tenantId: string; days: number }[]>;
}

const rowsOf = (result: unknown): Record<string, unknown>[] =>
  Array.isArray(result) ? result : ((result as { rows?: Record<string, unknown>[] }).rows ?? []);

export class TelemetryRetention {
  private timer?: ReturnType<typeof setInterval>;
  private running?: Promise<unknown>;

  constructor(
    private readonly db: Db,
    private readonly tenants: RetentionTenants,
    private readonly everyMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
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

  /** One pass over every tenant; returns the points deleted, or undefined if another replica holds the sweep. */
  async sweep(now = Date.now()): Promise<number | undefined> {
    let deleted = 0;
    let batches = 0;
    for (const { tenantId, days } of await this.tenants.telemetryRetentions()) {
      const before = new Date(now - days * 86_400_000).toISOString();
      while (batches++ < MAX_BATCHES_PER_SWEEP) {
        const n = await this.deleteBatch(tenantId, before);
        if (n === undefined) return deleted > 0 ? deleted : undefined;
        deleted += n;
        if (n < DELETE_BATCH) break;
      }
    }
    return deleted;
  }

  private deleteBatch(tenantId: string, before: string): Promise<number | undefined> {
    return this.db.transaction(async (tx) => {
      const [lock] = rowsOf(await tx.execute(sql`select pg_try_advisory_xact_lock(${TELEMETRY_RETENTION_LOCK}) as ok`));
      if (lock?.ok !== true) return undefined;
      const [row] = rowsOf(
        await tx.execute(sql`
          with gone as (
            delete from telemetry_points where ctid = any(array(
              select ctid from telemetry_points
               where tenant_id = ${tenantId} and at < ${before}::timestamptz
               limit ${DELETE_BATCH}))
            returning 1)
          select count(*)::int as n from gone`),
      );
      return Number(row?.n ?? 0);
    });
  }
}
