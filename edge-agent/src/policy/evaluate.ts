import { isJsonObject } from "@edge/proto/json";
import { acceptedWithin } from "./rate-window.ts";
import { type PolicyRules, type SafetyPolicy, validateRules } from "@edge/proto/policy/rules";
import { describeTimeWindow, isInTimeWindow } from "@edge/proto/policy/time-window";

export interface CommandRequest {
  kind: string;
  params: Record<string, unknown>;
}

export interface EvaluationState {
  now: Date;
  /** Commands currently executing. */
  running: number;
  /** Epoch ms of recently accepted commands (see pruneRecentAccepted). */
  recentAcceptedAt: readonly number[];
}

export type PolicyRuleName =
  | "invalidInput"
  | "invalidRules"
  | "deniedKinds"
  | "allowedKinds"
  | "exec"
  | "paramBounds"
  | "timeWindows"
  | "maxConcurrent"
  | "rateLimit";

export type PolicyDecision =
  | { allowed: true }
  | { allowed: false; reason: string; policyId?: string; rule: PolicyRuleName };

/** Returns a violation description, or null if the rule passes. */
type Check = (rules: PolicyRules, command: CommandRequest, state: EvaluationState) => string | null;

// Each rule is checked across all policies before the next, permanent denials before
// transient ones (time, load, rate), so the reported reason is the one that matters most.
const CHECKS: readonly (readonly [PolicyRuleName, Check])[] = [
  ["deniedKinds", checkDeniedKinds],
  ["allowedKinds", checkAllowedKinds],
  ["exec", checkExec],
  ["paramBounds", checkParamBounds],
  ["timeWindows", checkTimeWindows],
  ["maxConcurrent", checkMaxConcurrent],
  ["rateLimit", checkRateLimit],
];

/**
 * Decides whether a command may run. Every enabled policy must pass (most
 * restrictive wins); disabled ones are ignored. Fails closed on malformed
 * input or rules. Pure: the caller supplies the clock and load state.
 */
export function evaluateCommand(
  policies: readonly SafetyPolicy[],
  command: CommandRequest,
  state: EvaluationState,
): PolicyDecision {
  const inputProblem = checkInput(command, state);
  if (inputProblem) return deny("invalidInput", inputProblem);

  const active = policies.filter((policy) => policy.enabled === true);
  for (const policy of active) {
    const problem = validateRules(policy.rules);
    if (problem) return deny("invalidRules", `${label(policy)}: invalid rules: ${problem}`, policy.id);
  }

  for (const [rule, check] of CHECKS) {
    if (rule === "exec" && command.kind === "exec" && !active.some((policy) => policy.rules.exec)) {
      return deny("exec", 'command kind "exec" is denied by default: no enabled policy defines exec.allowedCommands');
    }
    for (const policy of active) {
      const violation = check(policy.rules, command, state);
      if (violation) return deny(rule, `${label(policy)}: ${violation}`, policy.id);
    }
  }
  return { allowed: true };
}

function deny(rule: PolicyRuleName, reason: string, policyId?: string): PolicyDecision {
  return policyId === undefined ? { allowed: false, reason, rule } : { allowed: false, reason, policyId, rule };
}

function label(policy: SafetyPolicy): string {
  return `policy ${JSON.stringify(policy.name)} (${policy.id})`;
}

function checkInput(command: CommandRequest, state: EvaluationState): string | null {
  if (typeof command?.kind !== "string" || command.kind === "") return "command kind must be a non-empty string";
  const { params } = command;
  if (!isJsonObject(params)) return "command params must be an object";
  if (!(state?.now instanceof Date) || Number.isNaN(state.now.getTime())) return "evaluation time is not a valid date";
  if (!Number.isFinite(state.running) || state.running < 0) return "running count must be a non-negative number";
  if (!Array.isArray(state.recentAcceptedAt)) return "recentAcceptedAt must be an array";
  return null;
}

function checkDeniedKinds(rules: PolicyRules, { kind }: CommandRequest): string | null {
  return rules.deniedKinds?.includes(kind) ? `command kind ${quote(kind)} is denied` : null;
}

function checkAllowedKinds(rules: PolicyRules, { kind }: CommandRequest): string | null {
  if (!rules.allowedKinds || rules.allowedKinds.includes(kind)) return null;
  return `command kind ${quote(kind)} is not allowed (allowedKinds: ${list(rules.allowedKinds)})`;
}

function checkExec(rules: PolicyRules, { kind, params }: CommandRequest): string | null {
  if (kind !== "exec" || !rules.exec) return null;
  const executable = ownParam(params, "command");
  if (typeof executable !== "string" || executable === "") {
    return `exec requires params.command to be a non-empty string, got ${describe(executable)}`;
  }
  if (rules.exec.allowedCommands.includes(executable)) return null;
  return `exec command ${quote(executable)} is not allowed (exec.allowedCommands: ${list(rules.exec.allowedCommands)})`;
}

function checkParamBounds(rules: PolicyRules, { params }: CommandRequest): string | null {
  for (const [name, { min, max }] of Object.entries(rules.paramBounds ?? {})) {
    const value = ownParam(params, name);
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return `param ${name} must be a finite number, got ${describe(value)}`;
    }
    if (min !== undefined && value < min) return `param ${name}=${value} is below min ${min}`;
    if (max !== undefined && value > max) return `param ${name}=${value} exceeds max ${max}`;
  }
  return null;
}

function checkTimeWindows(rules: PolicyRules, _command: CommandRequest, { now }: EvaluationState): string | null {
  const windows = rules.timeWindows;
  if (!windows) return null;
  if (windows.length === 0) return "no time window allows commands (timeWindows is empty)";
  const inside = windows.some((window) => {
    try {
      return isInTimeWindow(window, now);
    } catch {
      return false; // unknown zone: fail closed
    }
  });
  if (inside) return null;
  return `outside allowed time windows: ${windows.map((window) => describeTimeWindow(window, now)).join("; ")}`;
}

function checkMaxConcurrent(rules: PolicyRules, _command: CommandRequest, { running }: EvaluationState): string | null {
  const max = rules.maxConcurrent;
  if (max === undefined || running < max) return null;
  return `${running} command(s) already running (maxConcurrent ${max})`;
}

function checkRateLimit(rules: PolicyRules, _command: CommandRequest, state: EvaluationState): string | null {
  const limit = rules.rateLimit;
  if (!limit) return null;
  const count = acceptedWithin(state.recentAcceptedAt, state.now.getTime(), limit.perSeconds * 1000).length;
  if (count < limit.maxCommands) return null;
  return `rate limit reached: ${count} command(s) accepted in the last ${limit.perSeconds}s (max ${limit.maxCommands})`;
}

/** Own property only, so names like "constructor" don't hit the prototype. */
function ownParam(params: Record<string, unknown>, name: string): unknown {
  return Object.hasOwn(params, name) ? params[name] : undefined;
}

function quote(value: string): string {
  return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
}

function list(values: readonly string[]): string {
  return values.length === 0 ? "none" : values.map(quote).join(", ");
}

function describe(value: unknown): string {
  if (typeof value === "string") return quote(value);
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}
