/**
 * Group commit of telemetry: points of every host are stored by one statement per batch (lib/group-commit.ts:
 * natural batching, no fixed delay: a write that finds the database idle goes at once, those that arrive while
 * statements run share the next one, up to `maxBatch` points); each write resolves once its points are committed, so the agent is told
 * "stored" only when they are. Memory is bounded: points queued or being written stay under `maxQueued`, writes
 * beyond it wait, and once `maxWaiting` points wait too, a write is refused at once (`TelemetryBusy`): the agent
 * keeps the message in its durable outbox and sends it again later — back-pressure instead of a growing backlog.
 */
import { asSystem } from "../../db/context";
import { GroupCommit } from "../../lib/group-commit";
import { sql } from "drizzle-orm";
import type { Db } from "../../db/connect";
import type { CleanPoint } from "./telemetry";

export interface TelemetryWriterOptions {
  /** Points per statement. */
  maxBatch: number;
  /** Statements in flight at once. */
  maxInFlight: number;
  /** Points queued or being written. */
  maxQueued: number;
  /** Points of writes waiting for room; beyond it writes are refused. */
  maxWaiting: number;
}

export const DEFAULT_TELEMETRY_WRITER: TelemetryWriterOptions = {
  maxBatch: 2_000,
  maxInFlight: 2,
  maxQueued: 20_000,
  maxWaiting: 20_000,
};

/** The ingest is saturated: the write was not stored (the agent resends it). */
export class TelemetryBusy extends Error {
  constructor() {
    super("telemetry ingest is saturated; the batch was not stored, send it again later");
    this.name = "TelemetryBusy";
  }
}

interface Write {
  rows: Row[];
  done: (error?: Error) => void;
}

/** One stored point: the columns of `telemetry_points` (receivedAt from the database's clock). */
interface Row {
  tenant_id: string;
  host_id: string;
  seq: number;
  name: string;
  value: number;
  tags: Record<string, string>;
  at: string;
  /** Only when true (see CleanPoint.stampedOnArrival). */
  on_arrival?: true;
}

export class TelemetryWriter {
  private readonly group: GroupCommit<Write>;
  private queuedPoints = 0;
  private readonly waiting: { write: Write; admit: () => void }[] = [];
  private waitingPoints = 0;
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly opts: TelemetryWriterOptions = DEFAULT_TELEMETRY_WRITER,
  ) {
    this.group = new GroupCommit<Write>(
      { maxInFlight: opts.maxInFlight },
      (queue) => this.take(queue),
      (batch) => {
        const points = batch.reduce((n, w) => n + w.rows.length, 0);
        // One statement may hold several tenants' points: whoever's write filled the batch, it is stored as the
        // system. The bookkeeping is chained to the store itself (inside the context), so room is freed as the
        // writes settle.
        return asSystem("telemetry group commit (several tenants' points in one statement)", () =>
          this.store(batch).finally(() => {
            this.queuedPoints -= points;
            this.admitWaiting();
          }),
        );
      },
    );
  }

  /** Resolves once the points are committed (a point whose host and seq are stored already is skipped). */
  write(tenantId: string, hostId: string, points: CleanPoint[]): Promise<void> {
    if (points.length === 0) return Promise.resolve();
    if (this.closed) return Promise.reject(new TelemetryBusy());
    const rows = points.map((p) => ({
      tenant_id: tenantId,
      host_id: hostId,
      seq: p.seq,
      name: p.name,
      value: p.value,
      tags: p.tags,
      at: p.at.toISOString(),
      ...(p.stampedOnArrival ? { on_arrival: true as const } : {}),
    }));
    return new Promise<void>((resolve, reject) => {
      const write: Write = { rows, done: (error) => (error ? reject(error) : resolve()) };
      if (this.queuedPoints + rows.length <= this.opts.maxQueued || this.queuedPoints === 0) return this.admit(write);
      if (this.waitingPoints + rows.length > this.opts.maxWaiting) return reject(new TelemetryBusy());
      this.waitingPoints += rows.length;
      this.waiting.push({ write, admit: () => this.admit(write) });
    });
  }

  /** Points accepted but not yet committed, and points waiting for room (for tests and benchmarks). */
  get backlog(): { queued: number; waiting: number } {
    return { queued: this.queuedPoints, waiting: this.waitingPoints };
  }

  /** Refuses new writes; those already accepted are still written. */
  close(): void {
    this.closed = true;
    for (const { write } of this.waiting.splice(0)) write.done(new TelemetryBusy());
    this.waitingPoints = 0;
  }

  private admit(write: Write): void {
    this.queuedPoints += write.rows.length;
    this.group.add(write);
  }

  /** Whole writes, in order, up to a batch of points (at least one write). */
  private take(queue: Write[]): { batch: Write[]; rest: Write[] } {
    let n = 0;
    let points = 0;
    while (n < queue.length && (n === 0 || points + queue[n]!.rows.length <= this.opts.maxBatch)) {
      points += queue[n]!.rows.length;
      n++;
    }
    return { batch: queue.slice(0, n), rest: queue.slice(n) };
  }

  private admitWaiting(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting[0]!;
      const n = next.write.rows.length;
      if (this.queuedPoints + n > this.opts.maxQueued && this.queuedPoints > 0) return;
      this.waiting.shift();
      this.waitingPoints -= n;
      next.admit();
    }
  }

  /** One statement for the batch; if it fails, each write is tried on its own so one bad write fails alone. */
  private async store(batch: Write[]): Promise<void> {
    try {
      await this.insert(batch.flatMap((w) => w.rows));
      for (const w of batch) w.done();
    } catch (error) {
      if (batch.length === 1) return batch[0]!.done(error as Error);
      for (const w of batch) {
        await this.insert(w.rows).then(
          () => w.done(),
          (e: Error) => w.done(e),
        );
      }
    }
  }

  /**
   * The rows travel as one JSON parameter expanded by `jsonb_to_recordset`: one small statement whatever the
   * batch size (a multi-row VALUES list needs 7 parameters a point, and its parse and plan grow with it).
   * A resent point is skipped by the key (host, seq, at); one stamped on arrival has a new `at` each time it is
   * sent, so it is looked up by (host, seq) (the key's prefix, in every week).
   */
  private async insert(rows: Row[]): Promise<void> {
    await this.db.execute(sql`
      insert into telemetry_points (tenant_id, host_id, seq, name, value, tags, at)
      select tenant_id, host_id, seq, name, value, tags, at
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as p(tenant_id text, host_id text, seq bigint, name text, value double precision, tags jsonb,
               at timestamptz, on_arrival boolean)
       where case when p.on_arrival
                  then not exists (select from telemetry_points t where t.host_id = p.host_id and t.seq = p.seq)
                  else true end
      on conflict do nothing`);
  }
}
