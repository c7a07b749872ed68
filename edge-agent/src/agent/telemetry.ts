/**
 * Telemetry actor: gives each point a durable, strictly increasing seq (so the control plane can dedupe
 * redeliveries) and appends them to the outbox in TelemetryBatch messages of at most BATCH_SIZE points.
 */
import type { Database } from "bun:sqlite";
import type { ActorContext, Behavior, ReplyTo } from "../actors/index.ts";
import type { Logger } from "@edge/proto/log";
import type { Outbox } from "../store/outbox.ts";
import type { Sequence } from "../store/sequence.ts";
import { codecs, type TelemetryPoint } from "@edge/proto/wire";

export const BATCH_SIZE = 100;

export interface PointInput {
  name: string;
  value: number;
  tags?: Record<string, string>;
  /** Epoch ms; default now. */
  atMs?: number;
}

/** Replies with the number of points stored, once they are durable. */
export type TelemetryMsg = { type: "record"; points: PointInput[]; replyTo?: ReplyTo<number> };

export interface TelemetryDeps {
  db: Database;
  outbox: Outbox;
  sequence: Sequence;
  topic: string;
  log: Logger;
  now?: () => number;
}

export function telemetry(deps: TelemetryDeps) {
  const now = deps.now ?? Date.now;
  return (_ctx: ActorContext<TelemetryMsg>): Behavior<TelemetryMsg> => ({
    receive({ points, replyTo }) {
      const valid = points.filter((p) => p.name !== "" && Number.isFinite(p.value));
      if (valid.length < points.length)
        deps.log.warn(`dropped ${points.length - valid.length} telemetry point(s) without a name or finite value`);
      if (valid.length > 0) store(valid);
      replyTo?.(valid.length);
    },
  });

  function store(points: PointInput[]): void {
    const atMs = now();
    deps.db.transaction(() => {
      let seq = deps.sequence.reserve(points.length);
      for (let i = 0; i < points.length; i += BATCH_SIZE) {
        const batch: TelemetryPoint[] = points.slice(i, i + BATCH_SIZE).map((p) => ({
          name: p.name,
          value: p.value,
          tags: p.tags ?? {},
          atMs: p.atMs ?? atMs,
          seq: seq++,
        }));
        deps.outbox.append(deps.topic, codecs.telemetry.encode({ points: batch }));
      }
    })();
  }
}
