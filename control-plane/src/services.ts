/**
 * Builds the domain services over one database; controllers and transports receive this container. The database
 * itself is not in it: each table is reached through its owning service.
 */
import type { Config } from "./config";
import type { Db } from "./db/connect";
import { EventBus } from "./lib/events";
import type { Logger } from "@edge/proto/log";
import { ApiKeyService } from "./modules/auth/api-keys";
import { Authenticator } from "./modules/auth/authenticate";
import { DeviceLoginService } from "./modules/auth/device";
import { LoginService } from "./modules/auth/login";
import { isOwnJwt, SigningKeys } from "./modules/auth/signing-keys";
import { PeopleService } from "./modules/people/service";
import { SettingsService } from "./modules/settings/service";
import { ProjectMemberService } from "./modules/projects/members";
import { RateLimiter } from "./lib/rate-limit";
import type { JWK } from "jose";
import { SessionTokenService, type Subject } from "./modules/sessions/tokens";
import { USER_ACCESS_PREFIX, USER_REFRESH_PREFIX } from "./modules/auth/principal";
import { CommandService } from "./modules/commands/service";
import { EnvironmentService } from "./modules/environments/service";
import { HostService } from "./modules/hosts/service";
import { SafetyPolicyService } from "./modules/safety-policies/service";
import { TaskService } from "./modules/tasks/service";
import { TaskExecution } from "./modules/tasks/execution";
import { ProjectService } from "./modules/projects/service";
import { MachineService } from "./modules/machines/service";
import { WorkerService } from "./modules/workers/service";
import { TenantService } from "./modules/tenants/service";
import { TriggerService } from "./modules/triggers/service";
import { RuntimeService } from "./modules/runtime/service";
import { AuditService } from "./modules/audit/service";
import { ConsumerService } from "./modules/consumers/service";
import { DelegationService } from "./modules/delegations/service";
import { UpdateService } from "./modules/updates/service";
import { ReleaseKeyService } from "./modules/updates/release-keys";
import { RateLimits } from "./http/rate-limit";
import { SafetyService } from "./modules/safety/service";
import { FleetService } from "./modules/fleets/service";
import { RolloutService } from "./modules/rollouts/service";
import { RUNTIME_ACCESS_PREFIX, RUNTIME_REFRESH_PREFIX } from "./modules/runtime/principal";
import { AgentService } from "./modules/agents/service";
import { PtyService } from "./modules/pty/service";
import { TaskChannels } from "./modules/pty/channels";
import { NotificationService } from "./modules/notifications/service";
import { DashboardService } from "./modules/dashboard/service";
import { SearchService } from "./modules/search/service";
import { MetricsService } from "./modules/metrics/service";
import { AppManifestService } from "./modules/apps/service";
import { BillingService } from "./modules/billing/service";
import { StripeProvider } from "./modules/billing/payment-provider";
import { GatewayService } from "./modules/gateway/service";
import { ChatBotService } from "./modules/chatbots/service";
import { SecretBox } from "./modules/chatbots/secret-box";
import { CredentialChanges } from "./lib/credential-changes";
import { LiveHub } from "./modules/live/service";

export function createServices(db: Db, config: Config, log: Logger) {
  const events = new EventBus((err) => log.error("event listener failed", err));
  // What an API key authenticates as is cached (modules/auth/authenticate.ts); these changes drop the cache.
  const credentialChanges = new CredentialChanges();
  const apiKeys = new ApiKeyService(db, credentialChanges);
  const familyRevoked = (subject: Subject, familyId: string) =>
    events.publish({ type: "session.revoked", familyId, ...subject });
  const signingKeys = new SigningKeys(db, config.jwtSigningKeys as JWK[], () => config.accessTokenTtlSeconds);
  const userTokens = new SessionTokenService(
    db,
    {
      // Read at use time: system settings change them without a restart.
      get accessTokenTtlSeconds() {
        return config.accessTokenTtlSeconds;
      },
      get refreshTokenTtlSeconds() {
        return config.refreshTokenTtlSeconds;
      },
      accessPrefix: USER_ACCESS_PREFIX,
      refreshPrefix: USER_REFRESH_PREFIX,
      signer: {
        sign: (claims, expiresAt) => signingKeys.sign(claims, expiresAt),
        verify: (token) => signingKeys.verify(token),
        owns: isOwnJwt,
      },
    },
    familyRevoked,
  );
  const audit = new AuditService(db);
  const people = new PeopleService(db, audit, userTokens, credentialChanges);
  // Every ended user session (logout, refresh-token reuse, password change, disabling) is in the audit trail.
  events.subscribe((event) =>
    event.type === "session.revoked" && event.userId
      ? audit.record({
          tenantId: event.tenantId,
          actor: event.userId,
          action: "auth.session_revoked",
          target: event.familyId,
        })
      : undefined,
  );
  // Each asks the other (policy approvals read environment configs): the policy side asks through a late-bound call.
  const policies: SafetyPolicyService = new SafetyPolicyService(db, events, audit, (tenantId, policyId) =>
    environments.configsUsingPolicy(tenantId, policyId),
  );
  const environments: EnvironmentService = new EnvironmentService(db, policies, events);
  const hosts = new HostService(db, environments, events);
  const safety = new SafetyService(db, events, audit, hosts);
  const commands = new CommandService(db, events, hosts, safety);
  const projects = new ProjectService(db);
  const execution = new TaskExecution(db, commands, events, hosts, environments);
  // A stage's command moved: its task follows (replayed by the scheduler's reconcile if this replica stops first).
  events.subscribe((event) => (event.type === "command.transition" ? execution.onCommandTransition(event) : undefined));
  const tasks = new TaskService(db, environments, hosts, events, projects, execution, config.defaultAgentType);
  const triggers = new TriggerService(db, tasks);
  events.subscribe((event) => triggers.onEvent(event));
  const runtimeSessions = new SessionTokenService(
    db,
    {
      accessPrefix: RUNTIME_ACCESS_PREFIX,
      refreshPrefix: RUNTIME_REFRESH_PREFIX,
      accessTokenTtlSeconds: config.runtimeAccessTokenTtlSeconds,
      refreshTokenTtlSeconds: config.runtimeRefreshTokenTtlSeconds,
    },
    familyRevoked,
  );
  const runtime = new RuntimeService(db, hosts, runtimeSessions, events, config.bootstrapTokenTtlSeconds);
  const releaseKeys = new ReleaseKeyService(db, audit, config.updatePublicKeys);
  const updates = new UpdateService(db, hosts, audit, commands, releaseKeys, config.publicUrl, runtime);
  events.subscribe((event) => {
    // A runtime.update command that ended carries a grant nobody may use any more.
    if (
      event.type === "command.transition" &&
      event.kind === "runtime.update" &&
      ["completed", "failed", "cancelled", "expired"].includes(event.status)
    ) {
      return updates.scrubSpentGrants(event.hostId);
    }
  });
  const delegations = new DelegationService(db, hosts, audit, commands);
  const billing = new BillingService(
    db,
    hosts,
    audit,
    { inputPriceMicros: config.gatewayInputPriceMicros, outputPriceMicros: config.gatewayOutputPriceMicros },
    {
      provider: config.stripeSecretKey
        ? new StripeProvider({
            secretKey: config.stripeSecretKey,
            webhookSecret: config.stripeWebhookSecret,
            apiBase: config.stripeApiBase,
            currency: config.stripeCurrency,
            creditUnitAmount: config.stripeCreditUnitAmount,
            webhookToleranceSeconds: config.stripeWebhookToleranceSeconds,
            timeoutMs: config.gatewayTimeoutMs,
          })
        : undefined,
      plans: config.stripePlans,
      publicUrl: config.publicUrl,
    },
  );
  const gateway = new GatewayService(db, runtime, billing, audit, {
    llmBaseUrl: config.gatewayLlmBaseUrl,
    llmApiKey: config.gatewayLlmApiKey,
    searchBaseUrl: config.gatewaySearchBaseUrl,
    searchApiKey: config.gatewaySearchApiKey,
    searchPriceMicros: config.gatewaySearchPriceMicros,
    timeoutMs: config.gatewayTimeoutMs,
    maxJsonDepth: config.maxJsonDepth,
  });
  events.subscribe((event) => delegations.onEvent(event));
  const window = config.rateLimitWindowSeconds;
  const rateLimits = new RateLimits({
    authFailures: { limit: config.rateLimitAuthFailures, windowSeconds: window },
    credentialFailures: { limit: config.rateLimitCredentialFailures, windowSeconds: window },
    deviceStarts: { limit: config.rateLimitDeviceStarts, windowSeconds: window },
    usageWebhook: { limit: config.rateLimitUsageWebhook, windowSeconds: window },
    trustProxy: config.trustProxy,
  });
  const external =
    config.oidcIssuer && config.oidcJwksUrl && config.oidcAudience
      ? { issuer: config.oidcIssuer, jwksUrl: config.oidcJwksUrl, audience: config.oidcAudience }
      : undefined;
  const loginFailures = new RateLimiter({
    get limit() {
      return config.rateLimitLoginFailures;
    },
    get windowSeconds() {
      return config.loginLockoutSeconds;
    },
  });
  const agents = new AgentService(db, {
    commands,
    hosts,
    environments,
    runtime,
    safety,
    execution,
    triggers,
    events,
    log,
    limits: { maxBytes: config.maxBodyBytes, maxDepth: config.maxJsonDepth },
    runtimeForward: { timeoutMs: config.runtimeForwardTimeoutMs, idleTimeoutMs: config.runtimeForwardIdleMs },
  });
  // Fleets ask rollouts (built on fleets) whether one uses a fleet through a late-bound call.
  const fleets: FleetService = new FleetService(db, commands, tasks, hosts, (tenantId, fleetId) =>
    rollouts.aRolloutOf(tenantId, fleetId),
  );
  const appManifests = new AppManifestService(db);
  const rollouts: RolloutService = new RolloutService(
    db,
    fleets,
    commands,
    updates,
    events,
    policies,
    environments,
    safety,
    hosts,
    appManifests,
  );
  const projectMembers = new ProjectMemberService(db, projects, people, audit);
  // Tasks awaiting confirmation or finished, machines going offline or online, updates: each user's notifications.
  const notifications = new NotificationService(db, { events, people, projectMembers, tasks, hosts });
  events.subscribe((event) => notifications.onEvent(event));
  const metrics = new MetricsService({ hosts, commands, tasks, notifications });
  events.subscribe((event) => metrics.observe(event));
  const machines = new MachineService(hosts, runtime, execution);
  // Chat bots hear the same notices (they only enqueue; their delivery loop sends).
  const chatbots = new ChatBotService(
    db,
    new SecretBox(db, config.chatBotSecretKey),
    {
      telegramApiUrl: config.telegramApiUrl.replace(/\/$/, ""),
      slackApiUrl: config.slackApiUrl.replace(/\/$/, ""),
      timeoutMs: 10_000,
      retryBaseMs: config.chatRetryBaseMs,
      maxRetryDelayMs: 5 * 60_000,
      maxAttempts: config.chatMaxAttempts,
      perChatIntervalMs: config.chatPerChatIntervalMs,
      publicUrl: config.publicUrl.replace(/\/$/, ""),
    },
    { audit, people, projectMembers, tasks, machines, fleets, projects },
  );
  notifications.subscribe((notice) => chatbots.onNotice(notice).then(() => undefined));
  const authenticator = new Authenticator(people, apiKeys, userTokens, external, credentialChanges);
  const live = new LiveHub({
    authenticator,
    tasks,
    projectMembers,
    settings: config,
    onError: (msg, err) => log.error(msg, err),
  });
  return {
    billing,
    gateway,
    chatbots,
    notifications,
    dashboard: new DashboardService({ tasks, hosts, projectMembers, notifications }),
    search: new SearchService({ hosts, tasks, projects, projectMembers }),
    metrics,
    agents,
    pty: new PtyService({ agents, hosts, audit }, new TaskChannels(db, { tasks, agents, audit, log })),
    fleets,
    rollouts,
    appManifests,
    machines,
    workers: new WorkerService(db, runtime, config.workerTokenTtlSeconds, hosts),
    audit,
    consumers: new ConsumerService(db, events, audit),
    safety,
    rateLimits,
    releaseKeys,
    updates,
    delegations,
    config,
    log,
    events,
    apiKeys,
    userTokens,
    signingKeys,
    people,
    settings: new SettingsService(db, audit, config),
    projectMembers,
    login: new LoginService(db, people, userTokens, audit, loginFailures),
    credentialChanges,
    authenticator,
    live,
    device: new DeviceLoginService(db, userTokens, config, people),
    tenants: new TenantService(db, apiKeys, people),
    policies,
    environments,
    hosts,
    commands,
    projects,
    tasks,
    triggers,
    runtime,
  };
}

export type Services = ReturnType<typeof createServices>;
