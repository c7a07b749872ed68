import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { isValidTimeZone, parseHHMM } from "./clock.ts";

const HHMM = "^([01]\\d|2[0-3]):[0-5]\\d$";

export const TimeWindowSchema = Type.Object(
  {
    /** 0 = Sunday … 6 = Saturday; the day the window starts. Omitted = every day. */
    days: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 6 }))),
    /** Inclusive local start, "HH:MM". */
    start: Type.String({ pattern: HHMM }),
    /** Exclusive local end, "HH:MM"; end < start crosses midnight. */
    end: Type.String({ pattern: HHMM }),
    /** IANA zone name, default UTC. */
    timezone: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** Safety rules of one policy. Shared with the control plane, which validates against it. */
export const PolicyRulesSchema = Type.Object(
  {
    /** If present, only these command kinds may run. */
    allowedKinds: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Never run these kinds (deny wins over allow). */
    deniedKinds: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Kind "exec": params.command must exactly match an entry. No policy with it = exec denied. */
    exec: Type.Optional(
      Type.Object({ allowedCommands: Type.Array(Type.String({ minLength: 1 })) }, { additionalProperties: false }),
    ),
    /** Numeric bounds for named params, e.g. { speed: { max: 1.5 } }. */
    paramBounds: Type.Optional(
      Type.Record(
        Type.String(),
        Type.Object(
          { min: Type.Optional(Type.Number()), max: Type.Optional(Type.Number()) },
          { additionalProperties: false },
        ),
      ),
    ),
    /** Sliding window over accepted commands. */
    rateLimit: Type.Optional(
      Type.Object(
        { maxCommands: Type.Integer({ minimum: 1 }), perSeconds: Type.Number({ exclusiveMinimum: 0 }) },
        { additionalProperties: false },
      ),
    ),
    maxConcurrent: Type.Optional(Type.Integer({ minimum: 1 })),
    /** Commands only run inside at least one window. */
    timeWindows: Type.Optional(Type.Array(TimeWindowSchema)),
  },
  { additionalProperties: false },
);

export type PolicyRules = Static<typeof PolicyRulesSchema>;
export type TimeWindow = Static<typeof TimeWindowSchema>;

export interface SafetyPolicy {
  id: string;
  name: string;
  enabled: boolean;
  rules: PolicyRules;
}

/** Validates rules against the schema plus semantic checks; returns the first problem or null. */
export function validateRules(rules: unknown): string | null {
  if (!Value.Check(PolicyRulesSchema, rules)) {
    const error = Value.Errors(PolicyRulesSchema, rules).First();
    return error ? `${error.path || "/"}: ${error.message}` : "invalid rules";
  }
  for (const [name, bounds] of Object.entries(rules.paramBounds ?? {})) {
    if (bounds.min !== undefined && bounds.max !== undefined && bounds.min > bounds.max) {
      return `/paramBounds/${name}: min ${bounds.min} is greater than max ${bounds.max}`;
    }
  }
  for (const [i, window] of (rules.timeWindows ?? []).entries()) {
    if (window.timezone !== undefined && !isValidTimeZone(window.timezone)) {
      return `/timeWindows/${i}/timezone: unknown IANA time zone "${window.timezone}"`;
    }
    if (parseHHMM(window.start) === parseHHMM(window.end)) {
      return `/timeWindows/${i}: start and end must differ (empty window)`;
    }
  }
  return null;
}
