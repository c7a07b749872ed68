/** Every setting of the control plane, read once from the environment with defaults. */
import { LOG_LEVELS, defaultLogFormat, type ControlPlaneLogLevel, type LogFormat } from "./lib/logger";
export interface Config {
  /** HTTP listen port (0 = ephemeral). */
  port: number;
  host: string;
  /** Base URL printed in device-login verification links. */
  publicUrl: string;
  /** Real PostgreSQL when set; otherwise the embedded PGlite. */
  databaseUrl?: string;
  /** Connections of each PostgreSQL pool (the tenant-scoped one and the system one): `DATABASE_POOL_SIZE`. */
  databasePoolSize?: number;
  /** PGlite data directory; `memory://` keeps nothing on disk. */
  dataDir: string;
  /** External MQTT broker when set; otherwise the embedded aedes broker. */
  mqttUrl?: string;
  /**
   * A separate gRPC listener's port (agent sessions, operator watch); undefined = none, gRPC only on `port` (the
   * default with `sharedPort`).
   */
  grpcPort?: number;
  /** Port of the embedded broker. */
  mqttPort: number;
  /** Credentials of the control plane on an external broker. */
  mqttUsername?: string;
  mqttPassword?: string;
  /** Bootstrap admin API key (roz_sk_...) to install on start. */
  adminKey?: string;
  /** Shared-subscription group for agent messages on an external broker (spreads load over replicas). */
  mqttSharedGroup: string;
  /** Fixed MQTT client id of this replica: a persistent session (the broker queues agent messages while it is away). */
  mqttClientId?: string;
  /** Embedded broker: a consumer with more unsent bytes than this is disconnected (it is not keeping up). */
  mqttConsumerMaxBufferBytes: number;
  runtimeAccessTokenTtlSeconds: number;
  runtimeRefreshTokenTtlSeconds: number;
  bootstrapTokenTtlSeconds: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  deviceCodeTtlSeconds: number;
  devicePollIntervalSeconds: number;
  /** Commands still pending this long are sent to their (reachable) agent again; 0 = never. */
  commandRedeliverySeconds: number;
  /** How often the trigger scheduler looks for due triggers. */
  schedulerTickMs: number;
  /** How often overdue commands are expired and lagging policy versions flagged. */
  safetySweepMs: number;
  /** How often telemetry older than each tenant's retention is deleted; 0 = never. */
  telemetryRetentionSweepMs: number;
  /** Clock skew tolerated between agents and the control plane: a pending command expires this long after its deadline. */
  commandDeadlineGraceMs: number;
  /** A host whose enforced policy version lags the desired one longer than this is flagged. */
  policyLagSeconds: number;
  /** Task scheduler tick (it also runs at once when a task is queued or a slot frees up). */
  taskSchedulerTickMs: number;
  /** Rollout driver tick (it also runs at once when a rollout's host finishes or comes back). */
  rolloutTickMs: number;
  /** How long a machine may stay offline with assigned or running tasks before the worker-loss rules apply. */
  workerLossGraceMs: number;
  /** How long an assigned task may wait for its machine to start it before it is re-queued. */
  taskAssignmentLeaseMs: number;
  /** Agent type of tasks created without a project (the worker must be configured with it). */
  defaultAgentType: string;
  /** Lifetime of a worker enrollment token. */
  workerTokenTtlSeconds: number;
  /** The managed gateway's OpenAI-compatible upstream (base URL, e.g. https://api.openai.com/v1); unset = 503. */
  gatewayLlmBaseUrl?: string;
  /** Its API key: sent upstream only, never shown to callers. */
  gatewayLlmApiKey?: string;
  /** The managed gateway's search provider (POST {base}/web/search, /news/search); unset = 503. */
  gatewaySearchBaseUrl?: string;
  gatewaySearchApiKey?: string;
  /** Cost of one search call in micro-units. */
  gatewaySearchPriceMicros: number;
  /**
   * Serve REST and gRPC on `port` together (the default: a front tells them apart by the first bytes); false = the
   * HTTP server owns `port` itself and gRPC listens on `grpcPort` only (50051 unless set).
   */
  sharedPort: boolean;
  /**
   * Seconds the HTTP server keeps a connection that sends and receives nothing (an idle keep-alive connection, or a
   * request whose answer has not begun) before closing it; 0 = never. Longer than the pools of the usual clients and
   * proxies in front of it, so that they, not the server, close idle connections (README › Idle connections).
   */
  httpIdleTimeoutSeconds: number;
  /** Upstream answer deadline (first byte), then idle limit between streamed parts. */
  gatewayTimeoutMs: number;
  /** Price per input / output token in micro-units (1e-6 of a credit unit) metered into the usage ledger. */
  gatewayInputPriceMicros: number;
  gatewayOutputPriceMicros: number;
  /** Stripe: secret key (unset = no payment provider: checkout, portal and sync answer 503), webhook signing secret. */
  stripeSecretKey?: string;
  stripeWebhookSecret?: string;
  /** Stripe API base URL (tests: a local stand-in); unset = https://api.stripe.com. */
  stripeApiBase?: string;
  /** Plan name → Stripe price id, from `STRIPE_PLANS=pro=price_123,team=price_456`. */
  stripePlans: Record<string, string>;
  /** Currency of credits checkouts and the price of one credit unit in its smallest unit (cents). */
  stripeCurrency: string;
  stripeCreditUnitAmount: number;
  /** How far a webhook's signed timestamp may be from now. */
  stripeWebhookToleranceSeconds: number;
  /** Secret of the usage webhook's `x-roberto-signature` (HMAC-SHA256 of the raw body); unset = unsigned accepted. */
  usageWebhookSecret?: string;
  /** Base64 ed25519 keys releases must be signed with (empty: any self-consistent signature). */
  updatePublicKeys: string[];
  /** Largest request body accepted (bytes); larger ones get 413 before being read. */
  maxBodyBytes: number;
  /** Deepest JSON nesting accepted in a request body or an agent's JSON payload. */
  maxJsonDepth: number;
  /** Forwarded runtime API requests (/api/v1/hosts/:id/runtime/...): the agent's first answer within this (504). */
  runtimeForwardTimeoutMs: number;
  /** ...and a streamed answer may stay silent this long between parts. */
  runtimeForwardIdleMs: number;
  /** Rate limits (per process): window, failed authentications per client address, failed attempts per credential. */
  rateLimitWindowSeconds: number;
  rateLimitAuthFailures: number;
  rateLimitCredentialFailures: number;
  /** Device-login starts per client address per window. */
  rateLimitDeviceStarts: number;
  /** Usage webhook deliveries per source (client address) per window; 0 = unlimited. */
  rateLimitUsageWebhook: number;
  /** Pending (unexpired, unapproved) device codes allowed per client address, and in all. */
  deviceCodeMaxPendingPerSource: number;
  deviceCodeMaxPending: number;
  /** Client address from `X-Forwarded-For` (set only behind a proxy that overwrites it). */
  trustProxy: boolean;
  /** Private JWKs (ES256, each with a `kid`) signing user access tokens; the first signs. Empty = kept in the database. */
  jwtSigningKeys: Record<string, unknown>[];
  /** Failed sign-ins per account before it is locked for `loginLockoutSeconds`. */
  rateLimitLoginFailures: number;
  loginLockoutSeconds: number;
  /** External OpenID Connect issuer whose ID tokens are accepted as user bearer tokens (all three or none). */
  oidcIssuer?: string;
  oidcJwksUrl?: string;
  oidcAudience?: string;
  /** Chat bot credentials' AES-256-GCM key (32 bytes, base64); absent = generated once and kept in the database. */
  chatBotSecretKey?: string;
  /** Telegram Bot API and Slack Web API base URLs (tests point them at local servers). */
  telegramApiUrl: string;
  slackApiUrl: string;
  /** Chat delivery: loop tick, first retry delay (doubling), attempts before a message is dead, per-chat pacing. */
  chatDeliveryTickMs: number;
  chatRetryBaseMs: number;
  chatMaxAttempts: number;
  chatPerChatIntervalMs: number;
  /**
   * Live updates (`GET /api/web/events`): a comment line every `liveHeartbeatMs`; at most `liveMaxConnectionsPerUser`
   * open streams per user; a stream with more than `liveMaxBufferedBytes` unsent is dropped (its client is not
   * keeping up); each stream's credential and project roles are checked again every `liveRecheckMs`.
   */
  liveHeartbeatMs: number;
  liveMaxConnectionsPerUser: number;
  liveMaxBufferedBytes: number;
  liveRecheckMs: number;
  /** The structured log's level (pino's levels; `silent` = nothing). */
  logLevel: ControlPlaneLogLevel;
  /** `json` (one object per line) or `pretty`; default json unless stdout is a terminal. */
  logFormat: LogFormat;
}

/** Per pool: two pools, so a control plane opens up to twice this many connections (plus 2 for LISTEN/migrations). */
export const DEFAULT_DATABASE_POOL_SIZE = 20;

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`config: ${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

/** Bun's HTTP server takes at most 255 s. */
const MAX_HTTP_IDLE_TIMEOUT_SECONDS = 255;

function httpIdleTimeoutSeconds(env: Env): number {
  const value = int(env, "HTTP_IDLE_TIMEOUT_SECONDS", 120);
  if (value > MAX_HTTP_IDLE_TIMEOUT_SECONDS)
    throw new Error(`config: HTTP_IDLE_TIMEOUT_SECONDS must be at most ${MAX_HTTP_IDLE_TIMEOUT_SECONDS}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (raw === "true" || raw === "1") return true;
  if (raw === "false" || raw === "0") return false;
  throw new Error(`config: ${name} must be true or false, got "${raw}"`);
}

function str(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === "" ? undefined : raw;
}

function jwks(env: Env, name: string): Record<string, unknown>[] {
  const raw = str(env, name);
  if (raw === undefined) return [];
  try {
    const parsed = JSON.parse(raw);
    const keys = Array.isArray(parsed) ? parsed : parsed?.keys;
    if (Array.isArray(keys) && keys.length > 0 && keys.every((k) => k && typeof k === "object")) return keys;
  } catch {}
  throw new Error(`config: ${name} must be a JWK set ({"keys":[...]}) of private keys`);
}

function plans(env: Env, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of (str(env, name) ?? "").split(",").map((e) => e.trim())) {
    if (!entry) continue;
    const [plan, price] = entry.split("=").map((p) => p.trim());
    if (!plan || !price) throw new Error(`config: ${name} must be plan=price_id[,plan=price_id...], got "${entry}"`);
    out[plan] = price;
  }
  return out;
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const port = int(env, "PORT", 8080);
  const sharedPort = bool(env, "SHARED_PORT", true);
  const grpcPort = env.GRPC_PORT ? int(env, "GRPC_PORT", 50051) : sharedPort ? undefined : 50051;
  const logLevel = str(env, "LOG_LEVEL") ?? "info";
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new Error(`config: LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got "${logLevel}"`);
  }
  const logFormat = str(env, "LOG_FORMAT") ?? defaultLogFormat();
  if (logFormat !== "json" && logFormat !== "pretty") {
    throw new Error(`config: LOG_FORMAT must be json or pretty, got "${logFormat}"`);
  }
  return {
    port,
    host: str(env, "HOST") ?? "0.0.0.0",
    publicUrl: str(env, "PUBLIC_URL") ?? `http://localhost:${port}`,
    databaseUrl: str(env, "DATABASE_URL"),
    databasePoolSize: int(env, "DATABASE_POOL_SIZE", DEFAULT_DATABASE_POOL_SIZE, 1),
    dataDir: str(env, "DATA_DIR") ?? "./data/pglite",
    mqttUrl: str(env, "MQTT_URL"),
    mqttPort: int(env, "MQTT_PORT", 1883),
    grpcPort,
    mqttUsername: str(env, "MQTT_USERNAME"),
    mqttPassword: str(env, "MQTT_PASSWORD"),
    adminKey: str(env, "ADMIN_KEY"),
    mqttSharedGroup: str(env, "MQTT_SHARED_GROUP") ?? "control-plane",
    mqttClientId: str(env, "MQTT_CLIENT_ID"),
    mqttConsumerMaxBufferBytes: int(env, "MQTT_CONSUMER_MAX_BUFFER_BYTES", 1024 * 1024, 1024),
    runtimeAccessTokenTtlSeconds: int(env, "RUNTIME_ACCESS_TOKEN_TTL_SECONDS", 60 * 60, 1),
    runtimeRefreshTokenTtlSeconds: int(env, "RUNTIME_REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600, 1),
    bootstrapTokenTtlSeconds: int(env, "BOOTSTRAP_TOKEN_TTL_SECONDS", 24 * 3600, 1),
    accessTokenTtlSeconds: int(env, "ACCESS_TOKEN_TTL_SECONDS", 30 * 60, 1),
    refreshTokenTtlSeconds: int(env, "REFRESH_TOKEN_TTL_SECONDS", 30 * 24 * 3600, 1),
    deviceCodeTtlSeconds: int(env, "DEVICE_CODE_TTL_SECONDS", 15 * 60, 1),
    devicePollIntervalSeconds: int(env, "DEVICE_POLL_INTERVAL_SECONDS", 5, 1),
    schedulerTickMs: int(env, "SCHEDULER_TICK_MS", 1000, 10),
    commandRedeliverySeconds: int(env, "COMMAND_REDELIVERY_SECONDS", 30),
    safetySweepMs: int(env, "SAFETY_SWEEP_MS", 1000, 10),
    telemetryRetentionSweepMs: int(env, "TELEMETRY_RETENTION_SWEEP_MS", 60_000),
    commandDeadlineGraceMs: int(env, "COMMAND_DEADLINE_GRACE_MS", 5000),
    policyLagSeconds: int(env, "POLICY_LAG_SECONDS", 60, 1),
    runtimeForwardTimeoutMs: int(env, "RUNTIME_FORWARD_TIMEOUT_MS", 30_000, 1),
    runtimeForwardIdleMs: int(env, "RUNTIME_FORWARD_IDLE_MS", 600_000, 1),
    taskSchedulerTickMs: int(env, "TASK_SCHEDULER_TICK_MS", 1000, 10),
    rolloutTickMs: int(env, "ROLLOUT_TICK_MS", 1000, 10),
    workerLossGraceMs: int(env, "WORKER_LOSS_GRACE_MS", 60_000, 0),
    taskAssignmentLeaseMs: int(env, "TASK_ASSIGNMENT_LEASE_MS", 300_000, 100),
    defaultAgentType: str(env, "DEFAULT_AGENT_TYPE") ?? "default",
    workerTokenTtlSeconds: int(env, "WORKER_TOKEN_TTL_SECONDS", 7 * 24 * 3600, 1),
    gatewayLlmBaseUrl: str(env, "GATEWAY_LLM_BASE_URL"),
    gatewayLlmApiKey: str(env, "GATEWAY_LLM_API_KEY"),
    gatewaySearchBaseUrl: str(env, "GATEWAY_SEARCH_BASE_URL"),
    gatewaySearchApiKey: str(env, "GATEWAY_SEARCH_API_KEY"),
    gatewaySearchPriceMicros: int(env, "GATEWAY_SEARCH_PRICE_MICROS", 1000),
    sharedPort,
    httpIdleTimeoutSeconds: httpIdleTimeoutSeconds(env),
    gatewayTimeoutMs: int(env, "GATEWAY_TIMEOUT_MS", 60_000, 1),
    gatewayInputPriceMicros: int(env, "GATEWAY_INPUT_PRICE_MICROS", 1),
    gatewayOutputPriceMicros: int(env, "GATEWAY_OUTPUT_PRICE_MICROS", 2),
    usageWebhookSecret: str(env, "USAGE_WEBHOOK_SECRET"),
    stripeSecretKey: str(env, "STRIPE_SECRET_KEY"),
    stripeWebhookSecret: str(env, "STRIPE_WEBHOOK_SECRET"),
    stripeApiBase: str(env, "STRIPE_API_BASE"),
    stripePlans: plans(env, "STRIPE_PLANS"),
    stripeCurrency: (str(env, "STRIPE_CURRENCY") ?? "usd").toLowerCase(),
    stripeCreditUnitAmount: int(env, "STRIPE_CREDIT_UNIT_AMOUNT", 100, 1),
    stripeWebhookToleranceSeconds: int(env, "STRIPE_WEBHOOK_TOLERANCE_SECONDS", 300, 1),
    updatePublicKeys: (str(env, "UPDATE_PUBLIC_KEYS") ?? "")
      .split(",")
      .map((k) => k.trim())
      .filter(Boolean),
    maxBodyBytes: int(env, "MAX_BODY_BYTES", 1024 * 1024, 1),
    maxJsonDepth: int(env, "MAX_JSON_DEPTH", 32, 1),
    rateLimitWindowSeconds: int(env, "RATE_LIMIT_WINDOW_SECONDS", 60, 1),
    rateLimitAuthFailures: int(env, "RATE_LIMIT_AUTH_FAILURES", 30),
    rateLimitCredentialFailures: int(env, "RATE_LIMIT_CREDENTIAL_FAILURES", 10),
    rateLimitDeviceStarts: int(env, "RATE_LIMIT_DEVICE_STARTS", 20),
    rateLimitUsageWebhook: int(env, "RATE_LIMIT_USAGE_WEBHOOK", 600),
    deviceCodeMaxPendingPerSource: int(env, "DEVICE_CODE_MAX_PENDING_PER_SOURCE", 50, 1),
    deviceCodeMaxPending: int(env, "DEVICE_CODE_MAX_PENDING", 10_000, 1),
    trustProxy: bool(env, "TRUST_PROXY", false),
    jwtSigningKeys: jwks(env, "JWT_SIGNING_KEYS"),
    rateLimitLoginFailures: int(env, "RATE_LIMIT_LOGIN_FAILURES", 5),
    loginLockoutSeconds: int(env, "LOGIN_LOCKOUT_SECONDS", 900, 1),
    oidcIssuer: str(env, "OIDC_ISSUER"),
    oidcJwksUrl: str(env, "OIDC_JWKS_URL"),
    oidcAudience: str(env, "OIDC_AUDIENCE"),
    chatBotSecretKey: str(env, "CHAT_BOT_SECRET_KEY"),
    telegramApiUrl: str(env, "TELEGRAM_API_URL") ?? "https://api.telegram.org",
    slackApiUrl: str(env, "SLACK_API_URL") ?? "https://slack.com/api",
    chatDeliveryTickMs: int(env, "CHAT_DELIVERY_TICK_MS", 1000, 10),
    chatRetryBaseMs: int(env, "CHAT_RETRY_BASE_MS", 1000, 1),
    chatMaxAttempts: int(env, "CHAT_MAX_ATTEMPTS", 10, 1),
    chatPerChatIntervalMs: int(env, "CHAT_PER_CHAT_INTERVAL_MS", 1000, 0),
    liveHeartbeatMs: int(env, "LIVE_HEARTBEAT_MS", 15_000, 10),
    liveMaxConnectionsPerUser: int(env, "LIVE_MAX_CONNECTIONS_PER_USER", 5, 1),
    liveMaxBufferedBytes: int(env, "LIVE_MAX_BUFFERED_BYTES", 1024 * 1024, 1024),
    liveRecheckMs: int(env, "LIVE_RECHECK_MS", 30_000, 10),
    logLevel: logLevel as Config["logLevel"],
    logFormat,
    ...overrides,
  };
}
