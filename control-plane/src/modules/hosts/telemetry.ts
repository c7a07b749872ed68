/**
 * Telemetry from agents, point by point: a bad point (NUL or oversized name or tags, non-finite value, timestamp
 * outside [2000, now + 1 day], impossible seq) is refused on its own and counted; the good ones of its batch are kept.
 */
import { hasNul } from "../../lib/json-guard";

/** Points beyond this in one batch are refused. */
export const MAX_TELEMETRY_BATCH = 10_000;
export const MAX_POINT_NAME = 200;
export const MAX_POINT_TAGS = 32;
export const MAX_TAG_KEY = 100;
export const MAX_TAG_VALUE = 500;
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const MAX_FUTURE_MS = 24 * 3600 * 1000;

export interface RawPoint {
  seq: number;
  name: string;
  value: number;
  tags?: Record<string, string>;
  /** 0 = now. */
  atMs: number;
}

export interface CleanPoint {
  seq: number;
  name: string;
  value: number;
  tags: Record<string, string>;
  at: Date;
  /** Sent without a timestamp: `at` is the arrival, so a resend of it differs (the writer dedupes by seq). */
  stampedOnArrival: boolean;
}

const text = (s: unknown, max: number, min = 0): s is string =>
  typeof s === "string" && s.length >= min && s.length <= max && !hasNul(s);

/** Why a point is refused, or undefined. */
export function pointProblem(p: RawPoint, now: number): string | undefined {
  if (!Number.isSafeInteger(p.seq) || p.seq < 0) return "seq is not a non-negative integer";
  if (!text(p.name, MAX_POINT_NAME, 1)) return `name must be 1-${MAX_POINT_NAME} characters without NUL`;
  if (typeof p.value !== "number" || !Number.isFinite(p.value)) return "value is not a finite number";
  if (p.atMs !== 0 && !(Number.isSafeInteger(p.atMs) && p.atMs >= EARLIEST_MS && p.atMs <= now + MAX_FUTURE_MS))
    return "timestamp out of range";
  const tags = Object.entries(p.tags ?? {});
  if (tags.length > MAX_POINT_TAGS) return `more than ${MAX_POINT_TAGS} tags`;
  for (const [k, v] of tags)
    if (!text(k, MAX_TAG_KEY, 1) || !text(v, MAX_TAG_VALUE)) return "tag too long, empty or with NUL";
  return undefined;
}

/** Lone UTF-16 surrogates (which no database text can hold) become U+FFFD, as a UTF-8 encoder would make them. */
const wellFormed = (s: string) => (s.isWellFormed() ? s : s.toWellFormed());

function wellFormedTags(tags: Record<string, string> | undefined): Record<string, string> {
  if (!tags) return {};
  for (const [k, v] of Object.entries(tags))
    if (!k.isWellFormed() || !v.isWellFormed())
      return Object.fromEntries(Object.entries(tags).map(([k, v]) => [wellFormed(k), wellFormed(v)]));
  return tags;
}

export interface ScreenedBatch {
  accepted: CleanPoint[];
  rejected: number;
  /** The first refusal, for the log. */
  firstProblem?: string;
}

export function screenTelemetry(points: RawPoint[], now = Date.now()): ScreenedBatch {
  const accepted: CleanPoint[] = [];
  let rejected = Math.max(0, points.length - MAX_TELEMETRY_BATCH);
  let firstProblem = rejected ? `batch larger than ${MAX_TELEMETRY_BATCH} points` : undefined;
  for (const p of points.slice(0, MAX_TELEMETRY_BATCH)) {
    const problem = pointProblem(p, now);
    if (problem) {
      rejected++;
      firstProblem ??= problem;
    } else {
      accepted.push({
        seq: p.seq,
        name: wellFormed(p.name),
        value: p.value,
        tags: wellFormedTags(p.tags),
        at: new Date(p.atMs || now),
        stampedOnArrival: !p.atMs,
      });
    }
  }
  return { accepted, rejected, firstProblem };
}
