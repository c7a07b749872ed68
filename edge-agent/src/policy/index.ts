export {
  PolicyRulesSchema,
  TimeWindowSchema,
  validateRules,
  type PolicyRules,
  type SafetyPolicy,
  type TimeWindow,
} from "@edge/proto/policy/rules";
export {
  evaluateCommand,
  type CommandRequest,
  type EvaluationState,
  type PolicyDecision,
  type PolicyRuleName,
} from "./evaluate.ts";
export { acceptedWithin, pruneRecentAccepted, rateWindowMs } from "./rate-window.ts";
export { describeTimeWindow, isInTimeWindow } from "@edge/proto/policy/time-window";
export { isValidTimeZone, localClock, type LocalClock } from "@edge/proto/policy/clock";
