export {
  PolicyRulesSchema,
  TimeWindowSchema,
  validateRules,
  type PolicyRules,
  type SafetyPolicy,
  type TimeWindow,
} from "./rules.ts";
export {
  evaluateCommand,
  type CommandRequest,
  type EvaluationState,
  type PolicyDecision,
  type PolicyRuleName,
} from "./evaluate.ts";
export { acceptedWithin, pruneRecentAccepted, rateWindowMs } from "./rate-window.ts";
export { describeTimeWindow, isInTimeWindow } from "./time-window.ts";
export { isValidTimeZone, localClock, type LocalClock } from "./clock.ts";
