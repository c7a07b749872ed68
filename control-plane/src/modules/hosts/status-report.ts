/**
 * Bounds on what an agent may store on its host row through a status report (MQTT and gRPC alike): a version string
 * of sane length and characters, and known numeric fields within physical ranges. Anything else is dropped.
 */
export const AGENT_VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}$/;

const TEN_YEARS_SECONDS = 10 * 365 * 86_400;
const PIB = 2 ** 50;

/** Field → inclusive upper bound (every field is ≥ 0). */
const NUMERIC_FIELDS: Record<string, number> = {
  uptimeSeconds: TEN_YEARS_SECONDS,
  load1: 100_000,
  memoryTotalBytes: PIB,
  memoryFreeBytes: PIB,
  runningCommands: 100_000,
  atMs: Date.UTC(2200, 0, 1),
};

export interface BoundedStatus {
  report: Record<string, number>;
  /** Undefined when the reported version is not acceptable: the stored one is kept. */
  agentVersion?: string;
}

export function boundStatusReport(report: Record<string, unknown>, agentVersion: unknown): BoundedStatus {
  const bounded: Record<string, number> = {};
  for (const [field, max] of Object.entries(NUMERIC_FIELDS)) {
    const raw = report[field];
    const value = typeof raw === "string" && raw.length <= 20 ? Number(raw) : raw;
    if (typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= max) bounded[field] = value;
  }
  if (
    bounded.memoryFreeBytes !== undefined &&
    bounded.memoryTotalBytes !== undefined &&
    bounded.memoryFreeBytes > bounded.memoryTotalBytes
  ) {
    delete bounded.memoryFreeBytes;
  }
  const version =
    typeof agentVersion === "string" && AGENT_VERSION_PATTERN.test(agentVersion) ? agentVersion : undefined;
  return { report: bounded, agentVersion: version };
}
