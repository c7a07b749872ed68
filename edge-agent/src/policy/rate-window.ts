import type { SafetyPolicy } from "@edge/proto/policy/rules";

/**
 * Longest rate-limit window (ms) across policies, disabled ones included so
 * history survives a policy being re-enabled. 0 when no policy limits rate.
 */
export function rateWindowMs(policies: readonly SafetyPolicy[]): number {
  let longest = 0;
  for (const { rules } of policies) {
    const seconds = rules.rateLimit?.perSeconds;
    if (seconds !== undefined && seconds * 1000 > longest) longest = seconds * 1000;
  }
  return longest;
}

/** Timestamps within `windowMs` before `nowMs` (window is (now - windowMs, now]; future stamps kept). */
export function acceptedWithin(recentAcceptedAt: readonly number[], nowMs: number, windowMs: number): number[] {
  return recentAcceptedAt.filter((t) => nowMs - t < windowMs);
}

/** Drops accepted-command timestamps no rate limit can need any more. */
export function pruneRecentAccepted(
  recentAcceptedAt: readonly number[],
  policies: readonly SafetyPolicy[],
  nowMs: number,
): number[] {
  return acceptedWithin(recentAcceptedAt, nowMs, rateWindowMs(policies));
}
