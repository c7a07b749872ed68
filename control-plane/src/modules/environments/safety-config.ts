/**
 * Safety settings an environment may carry in its `config`:
 * - `commandTtlSeconds`: default deadline of commands for its hosts (a command not started by then never runs);
 * - `requirePolicyApproval`: a change loosening one of its safety policies waits for a second person's approval.
 */
import { invalid } from "../../lib/errors";

const MAX_TTL_SECONDS = 30 * 86_400;

/** 400 on a present but malformed safety setting (the rest of `config` is free-form). */
export function checkSafetyConfig(config: Record<string, unknown> | undefined): void {
  if (!config) return;
  const ttl = config.commandTtlSeconds;
  if (ttl !== undefined && !(Number.isInteger(ttl) && (ttl as number) >= 1 && (ttl as number) <= MAX_TTL_SECONDS)) {
    throw invalid(`invalid body: config.commandTtlSeconds must be an integer from 1 to ${MAX_TTL_SECONDS}`);
  }
  const approval = config.requirePolicyApproval;
  if (approval !== undefined && typeof approval !== "boolean")
    throw invalid("invalid body: config.requirePolicyApproval must be a boolean");
}

export const commandTtlSecondsOf = (config: Record<string, unknown> | null | undefined): number | undefined =>
  typeof config?.commandTtlSeconds === "number" ? config.commandTtlSeconds : undefined;

export const requiresPolicyApproval = (config: Record<string, unknown> | null | undefined): boolean =>
  config?.requirePolicyApproval === true;
