/**
 * Latency tracing of a command's path, off unless EDGE_LATENCY_TRACE is set (bench/command-rtt.ts sets it): each
 * `mark(commandId, label)` records the absolute time (performance.timeOrigin + performance.now(), comparable across
 * processes on one machine) at which the command passed a point. Costs one boolean check when off.
 */
export const latencyTraceOn = Boolean(process.env.EDGE_LATENCY_TRACE);

/** commandId → [label, absolute ms] in order. */
export const latencyMarks = new Map<string, [string, number][]>();

export function mark(commandId: string, label: string): void {
  if (!latencyTraceOn) return;
  const marks = latencyMarks.get(commandId) ?? [];
  latencyMarks.set(commandId, marks);
  marks.push([label, performance.timeOrigin + performance.now()]);
}
