export { ActorSystem, type ActorSystemOptions, type SpawnOptions } from "./system.ts";
export {
  DEFAULT_SUPERVISION,
  RestartTracker,
  backoffDelayMs,
  resolveSupervision,
  type SupervisionOptions,
  type SupervisorDecision,
} from "./supervisor.ts";
export { Mailbox } from "./mailbox.ts";
export { ActorStoppedError, AskTimeoutError, MailboxFullError } from "./errors.ts";
export type {
  ActorContext,
  ActorEvent,
  ActorRef,
  Behavior,
  BehaviorFactory,
  ReplyTo,
  StopOptions,
  TimerScheduler,
} from "./types.ts";
