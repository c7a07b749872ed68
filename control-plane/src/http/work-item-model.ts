/** Schemas shared by the command and task APIs (same lifecycle). */
import { t } from "elysia";
import { oneOf } from "./params";
import { COMMAND_STATUSES } from "../lib/lifecycle";

export const WorkStatus = oneOf(COMMAND_STATUSES);

export const TransitionBody = t.Object({
  status: WorkStatus,
  result: t.Optional(t.Record(t.String(), t.Unknown())),
  error: t.Optional(t.String({ maxLength: 10_000 })),
});
