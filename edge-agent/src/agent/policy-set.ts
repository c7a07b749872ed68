/** Turns a wire PolicySet into the SafetyPolicy list evaluateCommand understands. */
import type { SafetyPolicy } from "../policy/index.ts";
import type { PolicySet } from "@edge/proto/wire";

export interface ActivePolicies {
  /** Every policy whose rules_json is a JSON object (disabled ones included: the rate window spans them). */
  policies: SafetyPolicy[];
  /** Enabled policies whose rules_json is not a JSON object: while any exists, every command is refused. */
  unreadable: { id: string; name: string }[];
  issuedAtMs: number;
}

export function toActivePolicies(set: PolicySet): ActivePolicies {
  const policies: SafetyPolicy[] = [];
  const unreadable: ActivePolicies["unreadable"] = [];
  for (const p of set.policies) {
    const rules = parseRules(p.rulesJson);
    if (rules) policies.push({ id: p.id, name: p.name, enabled: p.enabled, rules: rules as SafetyPolicy["rules"] });
    else if (p.enabled) unreadable.push({ id: p.id, name: p.name });
  }
  return { policies, unreadable, issuedAtMs: set.issuedAtMs };
}

/** A plain object, or undefined. Schema validation is evaluateCommand's job (it fails closed). */
function parseRules(json: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
