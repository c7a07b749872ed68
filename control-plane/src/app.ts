/** Assembles the control plane: database, services, HTTP API and background jobs. */
import { Elysia, t } from "elysia";
import { openapi } from "@elysiajs/openapi";
import { loadConfig, type Config } from "./config";
import { openDatabase, type Database } from "./db/connect";
import { errorHandler } from "./http/errors";
import { Obj, responses } from "./http/responses";
import { requestGuard } from "./http/request-guard";
import { AccessGuard, accessGuard } from "./modules/access/guard";
import { rateLimiting } from "./http/rate-limit";
import { createStructuredLogger } from "./lib/logger";
import { currentRequestId, requestStartedAt } from "./db/context";
import { publicAuthController, userAuthController } from "./modules/auth";
import { devicePage } from "./modules/auth/device-page";
import { developersController, profileController } from "./modules/people";
import { projectMembersController } from "./modules/projects/members";
import { commandsController } from "./modules/commands";
import { environmentsController } from "./modules/environments";
import { hostsController } from "./modules/hosts";
import { hostRuntimeController } from "./modules/host-runtime";
import {
  ptySocketController,
  ptyTokenController,
  taskChannelsController,
  workerPtySocketController,
} from "./modules/pty";
import { safetyPoliciesController } from "./modules/safety-policies";
import { tasksController, webTasksController } from "./modules/tasks";
import { adminProjectsController, webProjectsController } from "./modules/projects";
import { TaskScheduler } from "./modules/scheduler/scheduler";
import { adminMachinesController, webMachinesController } from "./modules/machines";
import { workerApiController, workerTokensController } from "./modules/workers";
import { telemetrySettingsController, tenantsController } from "./modules/tenants";
import { TelemetryRetention } from "./modules/hosts/telemetry-retention";
import { triggersController } from "./modules/triggers";
import { runtimeAuthController, runtimeIdentitiesController } from "./modules/runtime";
import { startTransport, type Transport } from "./transport";
import { startPortMux } from "./transport/port-mux";
import { auditController } from "./modules/audit";
import { consumersController } from "./modules/consumers";
import { delegationsController, runtimeControlController } from "./modules/delegations";
import { releasesController, runtimeUpdatesController } from "./modules/updates";
import { TriggerScheduler } from "./modules/triggers/scheduler";
import { estopController } from "./modules/safety";
import { SafetySweeper } from "./modules/safety/sweeper";
import { createServices, type Services } from "./services";
import { fleetsController } from "./modules/fleets";
import { rolloutsController } from "./modules/rollouts";
import { appManifestsController } from "./modules/apps";
import { RolloutDriver } from "./modules/rollouts/driver";
import { notificationsController } from "./modules/notifications";
import { dashboardController } from "./modules/dashboard";
import { searchController } from "./modules/search";
import { metricsController } from "./modules/metrics";
import { consoleController } from "./modules/console";
import { liveController } from "./modules/live";
import { gatewayLlmController, gatewaySearchController, gatewayTokensController } from "./modules/gateway";
import {
  billingAdminController,
  billingController,
  runtimeBillingController,
  stripeWebhookController,
  usageWebhookController,
} from "./modules/billing";
import { chatBotsController, chatInboundController, chatLinkController } from "./modules/chatbots";
import { ChatDelivery } from "./modules/chatbots/delivery";

/** The operators' surfaces beyond the resources: notifications, dashboard, search, metrics and the web console. */
const operatorToolsController = (services: Services): Elysia =>
  new Elysia()
    .use(notificationsController(services))
    .use(dashboardController(services))
    .use(searchController(services))
    .use(liveController(services))
    .use(metricsController(services))
    .use(consoleController())
    .use(chatBotsController(services))
    .use(chatLinkController(services))
    .use(chatInboundController(services)) as unknown as Elysia;

export function createHttpApp(services: Services) {
  // normalize: false — Elysia's default normalisation rewrites wrong-typed values before validating them
  // (`true` → `{}`); the request guard validates bodies strictly instead.
  const app = new Elysia({ normalize: false });
  return (
    app
      // First: every answer (refusals included) echoes the request's id (the access guard's wrap chose it).
      .onRequest(({ set }) => {
        const id = currentRequestId();
        if (id) set.headers["x-request-id"] = id;
      })
      // Before the error handler: it counts failed authentications in its onError before the handler answers.
      .use(rateLimiting(services.rateLimits))
      .use(errorHandler((msg, err) => services.log.error(msg, err)))
      // Before the request guard reads the body: who may call a route is settled first (modules/access).
      .use(accessGuard(new AccessGuard(services, () => app.routes)))
      .use(requestGuard(services.config, () => app.routes))
      .onAfterResponse({ as: "global" }, ({ request, set, route: matched }) => {
        // The route template (`/api/v1/hosts/:id`), as the permission table writes it (no trailing slash).
        const route = matched && matched.length > 1 ? matched.replace(/\/$/, "") : matched;
        const status = typeof set.status === "number" ? set.status : 200;
        const started = requestStartedAt();
        const seconds = started === undefined ? undefined : (performance.now() - started) / 1000;
        services.metrics.countRequest(request.method, status, route || undefined, seconds);
        // One access line per request (its requestId comes with the request's context).
        const durationMs = seconds === undefined ? undefined : Math.round(seconds * 100_000) / 100;
        services.log.info("request", { method: request.method, route, status, durationMs });
      })
      .use(
        openapi({
          path: "/openapi",
          documentation: {
            info: { title: "Edge orchestrator control plane", version: "0.1.0" },
            components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
            security: [{ bearer: [] }],
          },
        }),
      )
      .get("/health", () => ({ status: "ok" as const }), {
        detail: { tags: ["health"], security: [] },
        response: responses({ 200: Obj({ status: t.Literal("ok") }) }),
      })
      .use(devicePage(services.config.publicUrl))
      .use(publicAuthController(services))
      .use(userAuthController(services))
      .use(profileController(services))
      .use(developersController(services))
      .use(projectMembersController(services))
      .use(tenantsController(services))
      .use(telemetrySettingsController(services))
      .use(environmentsController(services))
      .use(hostsController(services))
      .use(hostRuntimeController(services))
      .use(ptyTokenController(services))
      .use(ptySocketController(services))
      .use(taskChannelsController(services))
      .use(workerPtySocketController(services))
      .use(safetyPoliciesController(services))
      .use(commandsController(services))
      .use(tasksController(services))
      .use(webTasksController(services))
      .use(adminProjectsController(services))
      .use(webProjectsController(services))
      .use(webMachinesController(services))
      .use(adminMachinesController(services))
      .use(workerTokensController(services))
      .use(workerApiController(services))
      .use(triggersController(services))
      .use(runtimeIdentitiesController(services))
      .use(runtimeAuthController(services))
      .use(releasesController(services))
      .use(runtimeUpdatesController(services))
      .use(delegationsController(services))
      .use(runtimeControlController(services))
      .use(auditController(services))
      .use(estopController(services))
      .use(consumersController(services))
      .use(fleetsController(services))
      .use(rolloutsController(services))
      .use(appManifestsController(services))
      .use(operatorToolsController(services))
      .use(gatewayTokensController(services))
      .use(gatewayLlmController(services))
      .use(gatewaySearchController(services))
      .use(billingController(services))
      .use(billingAdminController(services))
      .use(runtimeBillingController(services))
      .use(usageWebhookController(services))
      .use(stripeWebhookController(services))
  );
}

export interface ControlPlane {
  config: Config;
  services: Services;
  database: Database;
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:40123 (REST and, by default, gRPC on the same port). */
  url: string;
  /** The HTTP server's own port: `url`'s port, or its loopback port behind the one-port front (benchmarks). */
  httpPort: number;
  transport: Transport;
  /** Generated bootstrap admin key, only on the very first start without ADMIN_KEY. */
  generatedAdminKey?: string;
  /** The task scheduler's loop, to wait until it is quiet (tests). */
  taskScheduler: Pick<TaskScheduler, "settled">;
  stop(): Promise<void>;
}

/** Opens the database, migrates, bootstraps the admin, starts HTTP and the scheduler. */
export async function startControlPlane(overrides: Partial<Config> = {}): Promise<ControlPlane> {
  const config = loadConfig(process.env, overrides);
  const log = createStructuredLogger(config.logLevel, config.logFormat);
  const database = await openDatabase(config);
  const services = createServices(database.db, config, log);
  services.metrics.setPool(() => database.poolUse());
  await services.settings.load();
  await services.signingKeys.load();
  services.settings.startReloading((err) => log.error("settings reload failed", err));
  const boot = await services.tenants.bootstrap(config.adminKey);
  await services.runtime.listen(database);
  await services.authenticator.listen(database);
  const transport = await startTransport(config, services, database);
  services.live.start(transport.cluster);
  // No Bun `maxRequestBodySize` below its default: Bun would answer a plain-text 413 before the request guard
  // could answer `{error}`; the guard refuses by Content-Length before reading and bounds chunked bodies itself.
  // One port for REST and gRPC: the HTTP server moves to a loopback port of its own behind the front.
  // Its idle timeout is set here, not left to Elysia's (30 s): a client or proxy that keeps idle connections longer
  // (Bun's fetch, browsers, curl, Go, load balancers: 60 s and more) would otherwise send a request on a connection
  // the server is closing at that moment, and a POST that meets that close fails (ECONNRESET; it is not retried).
  const app = createHttpApp(services).listen({
    ...(config.sharedPort ? { port: 0, hostname: "127.0.0.1" } : { port: config.port, hostname: config.host }),
    idleTimeout: config.httpIdleTimeoutSeconds,
  });
  const mux = config.sharedPort
    ? await startPortMux({
        port: config.port,
        host: config.host,
        grpc: { host: transport.grpc.host, port: transport.grpc.port },
        http: { host: "127.0.0.1", port: app.server!.port! },
        peers: { http: services.rateLimits.peers, grpc: services.rateLimits.grpcPeers },
      })
    : undefined;
  const port = mux?.port ?? app.server!.port;
  const scheduler = new TriggerScheduler(services.triggers, config.schedulerTickMs, (err) =>
    log.error("scheduler tick failed", err),
  );
  scheduler.start();
  services.updates.startGrantSweeper(60_000, (err) => log.error("grant sweep failed", err));
  const sweeper = new SafetySweeper(services.commands, services.safety, config, (err) =>
    log.error("safety sweep failed", err),
  );
  sweeper.start();
  const retention = new TelemetryRetention(database.db, services.tenants, config.telemetryRetentionSweepMs, (err) =>
    log.error("telemetry retention sweep failed", err),
  );
  await retention.start();
  const taskScheduler = new TaskScheduler(
    services.tasks.execution,
    services.events,
    {
      tickMs: config.taskSchedulerTickMs,
      // Read at use time: system settings change them without a restart.
      get workerLossGraceMs() {
        return config.workerLossGraceMs;
      },
      get assignmentLeaseMs() {
        return config.taskAssignmentLeaseMs;
      },
    },
    (err) => log.error("task scheduler pass failed", err),
  );
  taskScheduler.start();
  const rolloutDriver = new RolloutDriver(services.rollouts, services.events, config.rolloutTickMs, (err) =>
    log.error("rollout pass failed", err),
  );
  rolloutDriver.start();
  const chatDelivery = new ChatDelivery(services.chatbots, config.chatDeliveryTickMs, (err) =>
    log.error("chat delivery pass failed", err),
  );
  chatDelivery.start();
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  return {
    config,
    services,
    database,
    url: `http://${host}:${port}`,
    httpPort: app.server!.port!,
    transport,
    generatedAdminKey: boot.generatedKey,
    taskScheduler,
    async stop() {
      services.settings.stop();
      await scheduler.stop();
      services.updates.stop();
      await sweeper.stop();
      await retention.stop();
      await taskScheduler.stop();
      await rolloutDriver.stop();
      await mux?.stop();
      await chatDelivery.stop();
      services.live.stop();
      await app.stop(true);
      services.hosts.telemetryWriter.close(); // refuses new batches (agents resend them); accepted ones are written
      await transport.stop();
      await services.runtime.stop();
      await services.authenticator.stop();
      await database.close();
    },
  };
}
