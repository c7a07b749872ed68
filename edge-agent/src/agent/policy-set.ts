/** Turns a wire PolicySet into the SafetyPolicy list evaluateCommand understands. */
import type { SafetyPolicy } from "../policy/index.ts";
import { parseJsonObject } from "@edge/proto/json";
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
    // A plain object, or unreadable; schema validation is evaluateCommand's job (it fails closed).
    const rules = parseJsonObject(p.rulesJson);
    if (rules.ok)
      policies.push({ id: p.id, name: p.name, enabled: p.enabled, rules: rules.value as SafetyPolicy["rules"] });
    else if (p.enabled) unreadable.push({ id: p.id, name: p.name });
  }
  return { policies, unreadable, issuedAtMs: set.issuedAtMs };
}
