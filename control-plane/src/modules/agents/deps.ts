/** What the agents module uses of the other modules: their services, never their tables. */
import type { EventBus } from "../../lib/events";
import type { Logger } from "@edge/proto/log";
import type { CommandService } from "../commands/service";
import type { EnvironmentService } from "../environments/service";
import type { HostService } from "../hosts/service";
import type { RuntimeService } from "../runtime/service";
import type { SafetyService } from "../safety/service";
import type { TaskExecution } from "../tasks/execution";
import type { TriggerService } from "../triggers/service";

export interface AgentDeps {
  commands: CommandService;
  hosts: HostService;
  environments: EnvironmentService;
  runtime: RuntimeService;
  safety: SafetyService;
  execution: TaskExecution;
  triggers: TriggerService;
  events: EventBus;
  log: Logger;
  /** Bounds of what an agent may send as JSON (its command results). */
  limits: { maxBytes: number; maxDepth: number };
}
