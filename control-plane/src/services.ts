/** Builds the domain services over one database; controllers receive this container. */
import type { Config } from "./config";
import type { Db } from "./db/connect";
import { EventBus } from "./lib/events";
import type { Logger } from "./lib/logger";
import { ApiKeyService } from "./modules/auth/api-keys";
import { Authenticator } from "./modules/auth/authenticate";
import { DeviceLoginService } from "./modules/auth/device";
import { UserTokenService } from "./modules/auth/tokens";
import { CommandService } from "./modules/commands/service";
import { EnvironmentService } from "./modules/environments/service";
import { HostService } from "./modules/hosts/service";
import { SafetyPolicyService } from "./modules/safety-policies/service";
import { TaskService } from "./modules/tasks/service";
import { TenantService } from "./modules/tenants/service";
import { TriggerService } from "./modules/triggers/service";

export function createServices(db: Db, config: Config, log: Logger) {
  const events = new EventBus((err) => log.error("event listener failed", err));
  const apiKeys = new ApiKeyService(db);
  const userTokens = new UserTokenService(db, config);
  const policies = new SafetyPolicyService(db);
  const environments = new EnvironmentService(db, policies);
  const tasks = new TaskService(db, environments, events);
  const triggers = new TriggerService(db, tasks);
  events.subscribe((event) => triggers.onEvent(event));
  return {
    db,
    config,
    log,
    events,
    apiKeys,
    userTokens,
    authenticator: new Authenticator(apiKeys, userTokens),
    device: new DeviceLoginService(db, userTokens, config),
    tenants: new TenantService(db, apiKeys),
    policies,
    environments,
    hosts: new HostService(db, environments, events),
    commands: new CommandService(db, events),
    tasks,
    triggers,
  };
}

export type Services = ReturnType<typeof createServices>;
