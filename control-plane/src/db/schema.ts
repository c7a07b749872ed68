/** The database schema: single source of truth; migrations are generated from it (`npm run db:generate`). */
import { sql } from "drizzle-orm";
import { COMMAND_STATUSES, TASK_STATUSES } from "../lib/lifecycle";
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from "drizzle-orm/pg-core";

/**
 * Full-text search documents ('simple' configuration: no stemming, names like robot-1 stay searchable). Each is the
 * expression of a GIN index below; the owning services' searches use the same expression, so PostgreSQL (and
 * PGlite) answer `document @@ query` from the index.
 */
export const searchDocuments = {
  hosts: (t: { name: unknown; labels: unknown; id: unknown }) =>
    sql`(setweight(to_tsvector('simple'::regconfig, ${t.name}), 'A') || setweight(jsonb_to_tsvector('simple'::regconfig, ${t.labels}, '["string"]'::jsonb), 'B') || setweight(to_tsvector('simple'::regconfig, ${t.id}), 'D'))`,
  tasks: (t: { prompt: unknown; id: unknown }) =>
    sql`(setweight(to_tsvector('simple'::regconfig, ${t.prompt}), 'A') || setweight(to_tsvector('simple'::regconfig, ${t.id}), 'D'))`,
  projects: (t: { key: unknown; name: unknown }) =>
    sql`(setweight(to_tsvector('simple'::regconfig, ${t.key}), 'A') || setweight(to_tsvector('simple'::regconfig, ${t.name}), 'B'))`,
};

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });
const createdAt = () => ts("created_at").notNull().defaultNow();
const updatedAt = () => ts("updated_at").notNull().defaultNow();
const tenantRef = () =>
  text("tenant_id")
    .notNull()
    .references(() => tenants.id, { onDelete: "cascade" });

export const tenants = pgTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  /** Telemetry points older than this (by their timestamp) are deleted by the retention job. */
  telemetryRetentionDays: integer("telemetry_retention_days").notNull().default(30),
  createdAt: createdAt(),
});

export const users = pgTable(
  "users",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    role: text("role", { enum: ["admin", "member"] })
      .notNull()
      .default("member"),
    /** Operator of the whole installation: may create tenants. */
    isSuperadmin: boolean("is_superadmin").notNull().default(false),
    plan: text("plan").notNull().default("self-hosted"),
    /** Sign-in name, unique in the installation; null = cannot sign in with a password. */
    username: text("username"),
    email: text("email"),
    /** argon2id (Bun.password); null = no password set. */
    passwordHash: text("password_hash"),
    /** TOTP (RFC 6238) secret, base32; enabled once verified. */
    totpSecret: text("totp_secret"),
    totpEnabledAt: ts("totp_enabled_at"),
    /** Time step of the last accepted TOTP code: a code is accepted once. */
    totpLastStep: bigint("totp_last_step", { mode: "number" }),
    /** `issuer|subject` of an external (OIDC) identity mapped to this user. */
    externalSubject: text("external_subject"),
    gitName: text("git_name"),
    gitEmail: text("git_email"),
    disabledAt: ts("disabled_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("users_tenant_idx").on(t.tenantId),
    uniqueIndex("users_username_idx").on(t.username),
    uniqueIndex("users_external_subject_idx").on(t.externalSubject),
  ],
);

/** Keys signing user access JWTs; retired keys still verify tokens they signed until those expire. */
export const signingKeys = pgTable("signing_keys", {
  kid: text("kid").primaryKey(),
  alg: text("alg").notNull(),
  /** Private JWK (JSON). */
  privateJwk: jsonb("private_jwk").$type<Record<string, unknown>>().notNull(),
  publicJwk: jsonb("public_jwk").$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
  /** Set when a newer key took over signing; verification stops once the tokens it signed have expired. */
  retiredAt: ts("retired_at"),
});

/** Installation-wide settings (typed in modules/settings), applied without restart. */
export const systemSettings = pgTable("system_settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").$type<unknown>().notNull(),
  updatedBy: text("updated_by"),
  updatedAt: updatedAt(),
});

export const apiKeys = pgTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** First characters of the key, safe to show. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: ts("last_used_at"),
    /** Refused from this time on; null = until revoked. */
    expiresAt: ts("expires_at"),
    revokedAt: ts("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_hash_idx").on(t.keyHash), index("api_keys_tenant_idx").on(t.tenantId)],
);

export const deviceCodes = pgTable(
  "device_codes",
  {
    id: text("id").primaryKey(),
    deviceCodeHash: text("device_code_hash").notNull(),
    userCode: text("user_code").notNull(),
    clientName: text("client_name"),
    status: text("status", { enum: ["pending", "approved", "denied", "consumed"] })
      .notNull()
      .default("pending"),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    intervalSeconds: integer("interval_seconds").notNull(),
    lastPolledAt: ts("last_polled_at"),
    /** Client address that started the login: pending codes are capped per source. */
    source: text("source"),
    expiresAt: ts("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("device_codes_hash_idx").on(t.deviceCodeHash),
    uniqueIndex("device_codes_user_code_idx").on(t.userCode),
    index("device_codes_source_idx").on(t.source, t.status),
    index("device_codes_expires_idx").on(t.expiresAt),
  ],
);

/** Runtime identities: one per agent (host); a bootstrap token is exchanged once for runtime tokens. */
export const runtimeIdentities = pgTable(
  "runtime_identities",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    hostId: text("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    bootstrapTokenHash: text("bootstrap_token_hash").notNull(),
    bootstrapExpiresAt: ts("bootstrap_expires_at").notNull(),
    bootstrapUsedAt: ts("bootstrap_used_at"),
    /** Workers enrolled with a worker token get a one-time-shown recovery secret (stored hashed), rotated on use. */
    recoverySecretHash: text("recovery_secret_hash"),
    runtimeVersion: text("runtime_version"),
    revokedAt: ts("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [index("runtime_identities_tenant_idx").on(t.tenantId), index("runtime_identities_host_idx").on(t.hostId)],
);

/**
 * Access and refresh tokens of users and runtimes; a login and all its rotations share one family.
 * Exactly one of user_id / runtime_id is set.
 */
export const sessionTokens = pgTable(
  "session_tokens",
  {
    id: text("id").primaryKey(),
    familyId: text("family_id").notNull(),
    tenantId: tenantRef(),
    userId: text("user_id").references(() => users.id, { onDelete: "cascade" }),
    runtimeId: text("runtime_id").references(() => runtimeIdentities.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: ["access", "refresh"] }).notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: ts("expires_at").notNull(),
    /** Set when a refresh token has been rotated; presenting it again is reuse. */
    usedAt: ts("used_at"),
    revokedAt: ts("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("session_tokens_hash_idx").on(t.tokenHash),
    index("session_tokens_family_idx").on(t.familyId),
    index("session_tokens_runtime_idx").on(t.runtimeId),
    check("session_tokens_one_subject", sql`(${t.userId} is null) <> (${t.runtimeId} is null)`),
  ],
);

export const environments = pgTable(
  "environments",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    tools: jsonb("tools").$type<string[]>().notNull().default([]),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("environments_tenant_name_idx").on(t.tenantId, t.name)],
);

export const safetyPolicies = pgTable(
  "safety_policies",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    enabled: boolean("enabled").notNull().default(true),
    rules: jsonb("rules").$type<Record<string, unknown>>().notNull(),
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("safety_policies_tenant_name_idx").on(t.tenantId, t.name)],
);

export const environmentPolicies = pgTable(
  "environment_policies",
  {
    environmentId: text("environment_id")
      .notNull()
      .references(() => environments.id, { onDelete: "cascade" }),
    policyId: text("policy_id")
      .notNull()
      .references(() => safetyPolicies.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.environmentId, t.policyId] }),
    index("environment_policies_policy_idx").on(t.policyId),
  ],
);

/**
 * Policies assigned to one host (owned by the safety-policies service), enforced beside its environment's: a
 * safety-policy-set rollout assigns its set here, batch by batch (`assignedBy`: `rollout:<id>`).
 */
export const hostPolicies = pgTable(
  "host_policies",
  {
    hostId: text("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    policyId: text("policy_id")
      .notNull()
      .references(() => safetyPolicies.id, { onDelete: "cascade" }),
    tenantId: tenantRef(),
    assignedBy: text("assigned_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.hostId, t.policyId] }), index("host_policies_policy_idx").on(t.policyId)],
);

export const HOST_STATUSES = ["online", "offline", "maintenance", "error"] as const;

export const hosts = pgTable(
  "hosts",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    environmentId: text("environment_id").references(() => environments.id, { onDelete: "set null" }),
    labels: jsonb("labels").$type<Record<string, string>>().notNull().default({}),
    /** The labels the agent reported at its last enrollment (merged into `labels`; operator-set values win). */
    agentLabels: jsonb("agent_labels").$type<Record<string, string>>().notNull().default({}),
    status: text("status", { enum: HOST_STATUSES }).notNull().default("offline"),
    /** Desired machine state, set by (delegated) runtime control and enforced by the agent. */
    machineState: text("machine_state", { enum: ["running", "stopped"] })
      .notNull()
      .default("running"),
    agentVersion: text("agent_version"),
    /** The agent's latest status report (uptime, load, memory...). */
    lastStatus: jsonb("last_status").$type<Record<string, unknown>>(),
    lastSeenAt: ts("last_seen_at"),
    /** Telemetry points of this host refused at ingest (bad name, value, timestamp or tags), ever. */
    telemetryRejected: bigint("telemetry_rejected", { mode: "number" }).notNull().default(0),
    /** When the host last went offline (null while connected): the worker-loss grace period counts from here. */
    offlineSince: ts("offline_since"),
    /** Machine (worker) side, see modules/machines: a draining machine gets no new tasks; running work finishes. */
    draining: boolean("draining").notNull().default(false),
    /** Decommissioned machines are never scheduled again and have no live runtime identity. */
    decommissionedAt: ts("decommissioned_at"),
    /** Task slots: how many tasks may be assigned, running or suspended on it at once. */
    maxConcurrentTasks: integer("max_concurrent_tasks").notNull().default(1),
    capabilities: jsonb("capabilities").$type<string[]>().notNull().default([]),
    hardware: jsonb("hardware").$type<Record<string, unknown>>().notNull().default({}),
    /** The id a worker enrolled with (POST /api/workers/register {machineId}); unique per tenant. */
    workerMachineId: text("worker_machine_id"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("hosts_tenant_name_idx").on(t.tenantId, t.name),
    index("hosts_environment_idx").on(t.environmentId),
    uniqueIndex("hosts_tenant_worker_machine_idx").on(t.tenantId, t.workerMachineId),
    // Fleet selectors: `labels @> {...}` (matchLabels, In) and `labels ? key` (Exists) use it.
    index("hosts_labels_idx").using("gin", t.labels),
    index("hosts_search_idx").using("gin", searchDocuments.hosts(t)),
  ],
);

/** Safety policy set versions at a command's creation: the host's desired one and the one its agent enforced. */
export interface PolicyVersionAtCreation {
  desired: number;
  /** null = the agent had not acknowledged any set. */
  enforced: number | null;
}

export const commands = pgTable(
  "commands",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    hostId: text("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    kind: text("kind").notNull(),
    params: jsonb("params").$type<Record<string, unknown>>().notNull().default({}),
    status: text("status", { enum: COMMAND_STATUSES }).notNull().default("pending"),
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: text("error"),
    timeoutMs: integer("timeout_ms"),
    /** Deadline: not started by then = never run (`expired`). */
    notAfter: ts("not_after"),
    policyVersion: jsonb("policy_version").$type<PolicyVersionAtCreation>(),
    /** The fleet command batch it belongs to (modules/fleets), if any. */
    batchId: text("batch_id"),
    createdAt: createdAt(),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("commands_tenant_created_idx").on(t.tenantId, t.createdAt),
    index("commands_host_status_idx").on(t.hostId, t.status),
    index("commands_pending_deadline_idx")
      .on(t.notAfter)
      .where(sql`${t.status} = 'pending' and ${t.notAfter} is not null`),
    index("commands_batch_idx").on(t.batchId, t.status).where(sql`${t.batchId} is not null`),
  ],
);

export const triggers = pgTable(
  "triggers",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    kind: text("kind", { enum: ["cron", "event"] }).notNull(),
    schedule: text("schedule"),
    timezone: text("timezone"),
    event: text("event"),
    taskTemplate: jsonb("task_template").$type<TaskTemplate>().notNull(),
    enabled: boolean("enabled").notNull().default(true),
    nextFireAt: ts("next_fire_at"),
    lastFiredAt: ts("last_fired_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("triggers_due_idx").on(t.nextFireAt).where(sql`${t.enabled} and ${t.kind} = 'cron'`),
    index("triggers_tenant_event_idx").on(t.tenantId, t.event),
  ],
);

export interface TaskTemplate {
  prompt: string;
  environmentId?: string;
  hostId?: string;
  config?: Record<string, unknown>;
  /** Run this project's pipeline (web tasks and triggers); without it the default one-stage `agent` pipeline. */
  projectKey?: string;
  priority?: number;
}

/** One stage of a pipeline (validated by modules/projects/pipeline.ts). */
export type PipelineStage =
  | {
      name: string;
      kind: "command";
      command: { kind: string; params?: Record<string, unknown>; timeoutMs?: number };
      idempotent?: boolean;
      ttlSeconds?: number;
    }
  | {
      name: string;
      kind: "confirm";
      prompt: string;
      options?: string[];
      input?: { type: "string"; description?: string; maxLength?: number };
    }
  | { name: string; kind: "agent"; timeoutMs?: number; idempotent?: boolean; ttlSeconds?: number };

/** What a task needs of a machine besides tenant, environment and machineId. */
export interface TaskRequirements {
  labels?: Record<string, string>;
  capabilities?: string[];
}

export const projects = pgTable(
  "projects",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    key: text("key").notNull(),
    name: text("name").notNull(),
    repoUrl: text("repo_url"),
    pipeline: jsonb("pipeline").$type<PipelineStage[]>().notNull(),
    agentType: text("agent_type").notNull().default("default"),
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex("projects_tenant_key_idx").on(t.tenantId, t.key),
    index("projects_search_idx").using("gin", searchDocuments.projects(t)),
  ],
);

/** A user's role on one project (tenant admins need none). */
export const projectMembers = pgTable(
  "project_members",
  {
    tenantId: tenantRef(),
    projectId: text("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["maintainer", "developer", "viewer"] }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index("project_members_user_idx").on(t.userId)],
);

export const tasks = pgTable(
  "tasks",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    prompt: text("prompt").notNull(),
    environmentId: text("environment_id").references(() => environments.id, { onDelete: "set null" }),
    hostId: text("host_id").references(() => hosts.id, { onDelete: "set null" }),
    config: jsonb("config").$type<Record<string, unknown>>().notNull().default({}),
    status: text("status", { enum: TASK_STATUSES }).notNull().default("pending"),
    result: jsonb("result").$type<Record<string, unknown>>(),
    error: text("error"),
    triggerId: text("trigger_id").references(() => triggers.id, { onDelete: "set null" }),
    /** The schedule tick a cron trigger created this task for; unique per trigger. */
    scheduledFor: ts("scheduled_for"),
    projectId: text("project_id").references(() => projects.id, { onDelete: "set null" }),
    /** The pipeline as it was when the task was created (project edits never change a running task). */
    pipeline: jsonb("pipeline").$type<PipelineStage[]>().notNull().default([]),
    agentType: text("agent_type").notNull().default("default"),
    requirements: jsonb("requirements").$type<TaskRequirements>().notNull().default({}),
    /** Higher first; then oldest first. */
    priority: integer("priority").notNull().default(0),
    /** The machine the task is assigned to (while assigned, running or suspended; kept afterwards as history). */
    assignedHostId: text("assigned_host_id").references(() => hosts.id, { onDelete: "set null" }),
    assignedAt: ts("assigned_at"),
    /** Index of the stage to run or running. */
    stageIndex: integer("stage_index").notNull().default(0),
    /** Results of finished stages by stage name (templating: {{stages.<name>.result}}). */
    stageResults: jsonb("stage_results").$type<Record<string, string>>().notNull().default({}),
    attempt: integer("attempt").notNull().default(1),
    /** The command running the current stage, if any. */
    currentCommandId: text("current_command_id"),
    /** The fleet task batch (task_batches) that created this task, if any. */
    batchId: text("batch_id"),
    createdAt: createdAt(),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("tasks_tenant_created_idx").on(t.tenantId, t.createdAt, t.id),
    index("tasks_tenant_status_idx").on(t.tenantId, t.status),
    uniqueIndex("tasks_trigger_tick_idx").on(t.triggerId, t.scheduledFor),
    index("tasks_queue_idx").on(t.priority, t.createdAt).where(sql`${t.status} = 'pending'`),
    index("tasks_assigned_host_idx").on(t.assignedHostId, t.status),
    index("tasks_current_command_idx").on(t.currentCommandId),
    index("tasks_batch_idx").on(t.batchId, t.status).where(sql`${t.batchId} is not null`),
    index("tasks_search_idx").using("gin", searchDocuments.tasks(t)),
  ],
);

/** One run of one stage of one attempt of a task (attempts stay visible after a retry). */
export const taskStageRuns = pgTable(
  "task_stage_runs",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    stageIndex: integer("stage_index").notNull(),
    stageName: text("stage_name").notNull(),
    kind: text("kind").notNull(),
    status: text("status", { enum: ["running", "suspended", "completed", "failed", "cancelled"] }).notNull(),
    hostId: text("host_id"),
    commandId: text("command_id"),
    result: text("result"),
    error: text("error"),
    startedAt: ts("started_at").notNull().defaultNow(),
    finishedAt: ts("finished_at"),
  },
  (t) => [
    index("task_stage_runs_task_idx").on(t.taskId, t.attempt, t.stageIndex),
    uniqueIndex("task_stage_runs_command_idx").on(t.commandId),
  ],
);

/** Structured task history: status changes, stage transitions, log excerpts, errors. */
export const taskEvents = pgTable(
  "task_events",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: tenantRef(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    attempt: integer("attempt").notNull(),
    stageIndex: integer("stage_index"),
    message: text("message").notNull(),
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index("task_events_task_idx").on(t.taskId, t.seq)],
);

/** Raw output lines of task stages as the agent streamed them; (command, index) dedupes redelivery. */
export const taskLogs = pgTable(
  "task_logs",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: tenantRef(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    stageIndex: integer("stage_index").notNull(),
    commandId: text("command_id").notNull(),
    /** The line's number within its command's output (agent-side, durable). */
    lineIndex: integer("line_index").notNull(),
    stream: text("stream").notNull(),
    line: text("line").notNull(),
    at: ts("at").notNull(),
  },
  (t) => [
    index("task_logs_task_idx").on(t.taskId, t.seq),
    uniqueIndex("task_logs_command_line_idx").on(t.commandId, t.lineIndex),
  ],
);

/** One-time worker enrollment tokens (stored hashed); using one links it to the machine it enrolled. */
export const workerTokens = pgTable(
  "worker_tokens",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: ts("expires_at").notNull(),
    usedAt: ts("used_at"),
    revokedAt: ts("revoked_at"),
    hostId: text("host_id").references(() => hosts.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("worker_tokens_hash_idx").on(t.tokenHash), index("worker_tokens_tenant_idx").on(t.tenantId)],
);

/**
 * Telemetry points reported by agents. Partitioned by week of `at` (migration 0024, hand-written: drizzle-kit cannot
 * express partitions; the weeks are created ahead and dropped past retention by modules/hosts/telemetry-retention.ts).
 * A partitioned table's unique key must hold the partition key, so the key is (host, seq, at): a resent point
 * carries its first `at` (agents stamp points when they are made); one stamped on arrival is deduplicated by
 * (host, seq) when it is written (telemetry-writer.ts).
 */
export const telemetryPoints = pgTable(
  "telemetry_points",
  {
    tenantId: tenantRef(),
    hostId: text("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    seq: bigint("seq", { mode: "number" }).notNull(),
    name: text("name").notNull(),
    value: doublePrecision("value").notNull(),
    tags: jsonb("tags").$type<Record<string, string>>().notNull().default({}),
    at: ts("at").notNull(),
    receivedAt: ts("received_at").notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.hostId, t.seq, t.at] }),
    // A host's latest points of one name, newest first (the read path), without sorting them all.
    index("telemetry_host_name_seq_idx").on(t.hostId, t.name, t.seq),
    // The retention job's range delete per tenant.
    index("telemetry_tenant_at_idx").on(t.tenantId, t.at),
  ],
);

/**
 * Delivery state of a host's agent, shared by MQTT and gRPC and by every replica: which of the agent's numbered
 * messages (durable outbox seq) are processed. Every seq <= last_agent_seq is; so are those in processed_seqs.
 */
export const agentSessions = pgTable("agent_sessions", {
  hostId: text("host_id")
    .primaryKey()
    .references(() => hosts.id, { onDelete: "cascade" }),
  tenantId: tenantRef(),
  lastAgentSeq: bigint("last_agent_seq", { mode: "number" }).notNull().default(0),
  /** Processed seqs above last_agent_seq (processed out of order); bounded. */
  processedSeqs: bigint("processed_seqs", { mode: "number" }).array().notNull().default(sql`'{}'::bigint[]`),
  /** The runtime identity these seqs belong to: a new identity (new agent state) starts a new sequence. */
  runtimeId: text("runtime_id"),
  connectedAt: ts("connected_at"),
  updatedAt: updatedAt(),
});

/** Signed releases per channel; the manifest is kept as the exact JSON string that was signed. */
export const releases = pgTable(
  "releases",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    channel: text("channel").notNull(),
    version: text("version").notNull(),
    notes: text("notes").notNull().default(""),
    manifest: text("manifest").notNull(),
    /** sha256 of the signed manifest: a manifest is published once, by one tenant. */
    manifestSha256: text("manifest_sha256"),
    signature: text("signature").notNull(),
    publicKey: text("public_key").notNull(),
    expiresAt: ts("expires_at").notNull(),
    publishedBy: text("published_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("releases_tenant_channel_version_idx").on(t.tenantId, t.channel, t.version),
    uniqueIndex("releases_manifest_sha256_idx").on(t.manifestSha256),
  ],
);

/** Release signing keys a tenant's admins trust (beside the installation's UPDATE_PUBLIC_KEYS). */
export const releaseKeys = pgTable(
  "release_keys",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    /** base64 ed25519 public key. */
    publicKey: text("public_key").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    revokedAt: ts("revoked_at"),
  },
  (t) => [index("release_keys_tenant_idx").on(t.tenantId, t.publicKey)],
);

export const releaseScripts = pgTable(
  "release_scripts",
  {
    releaseId: text("release_id")
      .notNull()
      .references(() => releases.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    sha256: text("sha256").notNull(),
    body: text("body").notNull(),
  },
  (t) => [primaryKey({ columns: [t.releaseId, t.path] }), index("release_scripts_path_idx").on(t.path)],
);

/** One-time, short-lived permissions to apply an update on one agent (stored hashed). */
export const updateGrants = pgTable(
  "update_grants",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    hostId: text("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    tokenHash: text("token_hash").notNull(),
    channel: text("channel").notNull(),
    targetVersion: text("target_version"),
    createdBy: text("created_by").notNull(),
    expiresAt: ts("expires_at").notNull(),
    usedAt: ts("used_at"),
    /** The release version the grant was spent on; only that version may then be reported applied, once. */
    appliedVersion: text("applied_version"),
    reportedAt: ts("reported_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("update_grants_hash_idx").on(t.tokenHash)],
);

/** Who may control which agent: a controller runtime acts on a target agent within scopes, until expiry. */
export const delegations = pgTable(
  "delegations",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    controllerHostId: text("controller_host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    targetHostId: text("target_host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    scopes: jsonb("scopes").$type<string[]>().notNull(),
    createdBy: text("created_by").notNull(),
    expiresAt: ts("expires_at").notNull(),
    revokedAt: ts("revoked_at"),
    createdAt: createdAt(),
  },
  (t) => [index("delegations_pair_idx").on(t.tenantId, t.controllerHostId, t.targetHostId)],
);

/** Security-relevant history: grants, applies, update reports, delegated actions. */
export const auditEvents = pgTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    hostId: text("host_id"),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    /** What the action was about (a user, token, project, host... id), for filtering. */
    target: text("target"),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index("audit_tenant_created_idx").on(t.tenantId, t.createdAt),
    index("audit_tenant_action_idx").on(t.tenantId, t.action, t.createdAt),
  ],
);

/** `Idempotency-Key` of command creations: the same key and body give the same command (per tenant, until expiry). */
export const idempotencyKeys = pgTable(
  "idempotency_keys",
  {
    tenantId: tenantRef(),
    key: text("key").notNull(),
    /** sha256 of the request body the key was first used with. */
    requestSha256: text("request_sha256").notNull(),
    commandId: text("command_id").notNull(),
    expiresAt: ts("expires_at").notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.key] }), index("idempotency_keys_expires_idx").on(t.expiresAt)],
);

/**
 * Per-host safety state (owned by the safety service): the emergency stop requested vs the one the agent
 * acknowledged, and the policy set version desired vs the one the agent enforces.
 */
export const hostSafety = pgTable("host_safety", {
  hostId: text("host_id")
    .primaryKey()
    .references(() => hosts.id, { onDelete: "cascade" }),
  tenantId: tenantRef(),
  /** Increases with every stop or reset request; the agent applies only newer generations. */
  estopGeneration: bigint("estop_generation", { mode: "number" }).notNull().default(0),
  estopEngaged: boolean("estop_engaged").notNull().default(false),
  estopReason: text("estop_reason"),
  estopRequestedBy: text("estop_requested_by"),
  estopRequestedAt: ts("estop_requested_at"),
  /** What the agent last acknowledged (null: never). */
  ackGeneration: bigint("ack_generation", { mode: "number" }),
  ackRemoteEngaged: boolean("ack_remote_engaged"),
  ackLocalEngaged: boolean("ack_local_engaged"),
  ackLocalReason: text("ack_local_reason"),
  ackKilled: integer("ack_killed"),
  ackAt: ts("ack_at"),
  /** Request → acknowledgement of the current generation (all running work killed, for a stop). */
  ackLatencyMs: integer("ack_latency_ms"),
  /** sha256 of the last policy set content sent; a different content bumps policyDesired. */
  policyFingerprint: text("policy_fingerprint"),
  policyDesired: integer("policy_desired").notNull().default(0),
  policyDesiredAt: ts("policy_desired_at"),
  policyEnforced: integer("policy_enforced"),
  policyEnforcedAt: ts("policy_enforced_at"),
  /** Enforced lagged desired longer than the configured bound (reset when it catches up). */
  policyLagging: boolean("policy_lagging").notNull().default(false),
  updatedAt: updatedAt(),
});

/** Two-person rule: a loosening change to a policy of an environment that requires approval waits here. */
export const policyProposals = pgTable(
  "policy_proposals",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    policyId: text("policy_id")
      .notNull()
      .references(() => safetyPolicies.id, { onDelete: "cascade" }),
    action: text("action", { enum: ["update", "delete"] }).notNull(),
    /** The update body as proposed (for `update`). */
    changes: jsonb("changes").$type<Record<string, unknown>>().notNull().default({}),
    /** Why it needs approval: the loosenings found. */
    loosenings: jsonb("loosenings").$type<string[]>().notNull(),
    /** The policy version the proposal was made against: approving a stale proposal is refused. */
    baseVersion: integer("base_version").notNull(),
    status: text("status", { enum: ["pending", "approved", "rejected"] })
      .notNull()
      .default("pending"),
    proposedBy: text("proposed_by").notNull(),
    decidedBy: text("decided_by"),
    decidedAt: ts("decided_at"),
    createdAt: createdAt(),
  },
  (t) => [index("policy_proposals_tenant_status_idx").on(t.tenantId, t.status)],
);

/**
 * MQTT consumer keys `roz_mqc_...` (dashboards, pipelines): subscribe-only access to their tenant's telemetry,
 * status and presence on the broker. Never accepted by the REST API.
 */
export const consumerKeys = pgTable(
  "consumer_keys",
  {
    /** Also the MQTT username. */
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** First characters of the key, safe to show. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull(),
    /**
     * The same key hashed for Mosquitto's password file / dynamic security (`$7$` PBKDF2-SHA512, salted), written
     * once at creation (the only moment the key is known) so that the broker config can be generated later.
     */
    brokerHash: text("broker_hash").notNull(),
    createdAt: createdAt(),
    lastUsedAt: ts("last_used_at"),
    revokedAt: ts("revoked_at"),
  },
  (t) => [uniqueIndex("consumer_keys_hash_idx").on(t.keyHash), index("consumer_keys_tenant_idx").on(t.tenantId)],
);

/** Per-tenant MQTT consumer settings (absent row = defaults). */
export const consumerSettings = pgTable("consumer_settings", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  /** Publish the JSON mirror (`edge-json/...`) of this tenant's telemetry, status and presence. */
  jsonMirror: boolean("json_mirror").notNull().default(false),
  updatedAt: updatedAt(),
});
/** A fleet's label selector (Kubernetes-style): every clause must hold. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; values?: string[] }[];
}

/** Named sets of hosts chosen by a label selector; membership is computed live from hosts.labels. */
export const fleets = pgTable(
  "fleets",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    selector: jsonb("selector").$type<LabelSelector>().notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex("fleets_tenant_name_idx").on(t.tenantId, t.name)],
);

/** One fleet-wide command: a command per matching host (commands.batch_id), cancellable as a whole. */
export const commandBatches = pgTable(
  "command_batches",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    fleetId: text("fleet_id").references(() => fleets.id, { onDelete: "set null" }),
    /** The selector the hosts were chosen by (the fleet's at creation, or the request's). */
    selector: jsonb("selector").$type<LabelSelector>().notNull(),
    kind: text("kind").notNull(),
    params: jsonb("params").$type<Record<string, unknown>>().notNull().default({}),
    hostCount: integer("host_count").notNull(),
    /** Matching hosts that got no command (maintenance, decommissioned), with the reason. */
    skipped: jsonb("skipped").$type<{ hostId: string; reason: string }[]>().notNull().default([]),
    createdBy: text("created_by").notNull(),
    cancelledAt: ts("cancelled_at"),
    createdAt: createdAt(),
  },
  (t) => [index("command_batches_tenant_created_idx").on(t.tenantId, t.createdAt, t.id)],
);

/** One fleet-wide task: a task per matching host (tasks.batch_id, pinned to it), cancellable as a whole. */
export const taskBatches = pgTable(
  "task_batches",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    fleetId: text("fleet_id").references(() => fleets.id, { onDelete: "set null" }),
    /** The selector the hosts were chosen by (the fleet's at creation, or the request's). */
    selector: jsonb("selector").$type<LabelSelector>().notNull(),
    /** The task template every host got (prompt, projectKey, config, priority). */
    template: jsonb("template").$type<Record<string, unknown>>().notNull(),
    hostCount: integer("host_count").notNull(),
    /** Matching hosts that got no task, with the reason. */
    skipped: jsonb("skipped").$type<{ hostId: string; reason: string }[]>().notNull().default([]),
    createdBy: text("created_by").notNull(),
    cancelledAt: ts("cancelled_at"),
    createdAt: createdAt(),
  },
  (t) => [index("task_batches_tenant_created_idx").on(t.tenantId, t.createdAt, t.id)],
);

export const ROLLOUT_STATUSES = ["pending", "running", "paused", "completed", "aborted", "failed"] as const;

/**
 * What a rollout applies: a signed release (update grants per batch), or a safety-policy set (assigned to each
 * batch's hosts; done when the agent acknowledges enforcing it). App manifests are refused until the app runtime exists.
 */
export type RolloutTarget =
  | { kind: "release"; releaseId: string; channel: string; version: string }
  | { kind: "policy_set"; policyIds: string[]; names: string[] }
  | { kind: "app"; app: string; version: number; manifestId: string };

/**
 * Versioned app manifests (`app.runtime.yaml` texts) stored by the control plane (modules/apps owns it): an app
 * rollout delivers one version to each host's agent. Versions count up per tenant and app, from 1.
 */
export const appManifests = pgTable(
  "app_manifests",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    app: text("app").notNull(),
    version: integer("version").notNull(),
    manifest: text("manifest").notNull(),
    sha256: text("sha256").notNull(),
    /** The manifest's app names. */
    apps: jsonb("apps").$type<string[]>().notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("app_manifests_version_idx").on(t.tenantId, t.app, t.version)],
);

/** A disruption budget: a count or a percentage ("25%") of the rollout's hosts (per group with groupBy). */
export type Amount = number | `${number}%`;

export interface RolloutStrategy {
  /** Batch sizes in order (counts or percentages of all hosts); the last size repeats. Or groups by a label. */
  batches: { sizes?: Amount[]; byLabel?: string };
  maxUnavailable?: Amount;
  minAvailable?: Amount;
  /** Label keys: the budget applies within each group of hosts sharing these labels' values. */
  groupBy?: string[];
  /** Share of a batch (percent) that must succeed before the next batch starts; default 100. */
  successThresholdPercent: number;
  /** Failed hosts (count or percentage of all) at which the rollout pauses; default 1. */
  failureThreshold: Amount;
  /** Seconds a finished batch must stay healthy (online, at the target) before the next one. */
  healthWaitSeconds: number;
  /** Seconds a host may take to apply the target (its update grant lives this long). */
  hostTimeoutSeconds: number;
  /** Hosts are only started inside one of these windows (as safety policies' timeWindows). */
  maintenanceWindows?: { days?: number[]; start: string; end: string; timezone?: string }[];
  /** Wait for POST .../approve after each batch but the last. */
  requireApproval: boolean;
}

export const rollouts = pgTable(
  "rollouts",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    fleetId: text("fleet_id")
      .notNull()
      .references(() => fleets.id, { onDelete: "restrict" }),
    name: text("name").notNull(),
    target: jsonb("target").$type<RolloutTarget>().notNull(),
    strategy: jsonb("strategy").$type<RolloutStrategy>().notNull(),
    status: text("status", { enum: ROLLOUT_STATUSES }).notNull().default("pending"),
    /** What a running or pending rollout waits for now (window, health, approval, budget, hosts), if anything. */
    waiting: text("waiting"),
    /** Why it paused or failed. */
    reason: text("reason"),
    /** The batch being rolled out (0-based); batchCount once planned (at start). */
    currentBatch: integer("current_batch").notNull().default(0),
    batchCount: integer("batch_count").notNull().default(0),
    /** When the current batch's health wait ends (set once all its hosts finished). */
    healthUntil: ts("health_until"),
    /** Failed hosts an operator accepted by resuming: the failure threshold counts failures beyond these. */
    failuresAccepted: integer("failures_accepted").notNull().default(0),
    /** The current batch waits for an operator's approval. */
    awaitingApproval: boolean("awaiting_approval").notNull().default(false),
    /** Terminal and nothing left in flight: the driver no longer looks at it. */
    settled: boolean("settled").notNull().default(false),
    /** Aborted with `rollback: true`: the hosts it changed get back what they had before (policy sets, apps). */
    rollback: boolean("rollback").notNull().default(false),
    createdBy: text("created_by").notNull(),
    createdAt: createdAt(),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("rollouts_tenant_created_idx").on(t.tenantId, t.createdAt, t.id),
    index("rollouts_unsettled_idx").on(t.updatedAt).where(sql`not ${t.settled}`),
  ],
);

export const ROLLOUT_HOST_STATUSES = ["pending", "updating", "succeeded", "failed", "skipped"] as const;
/** A host's rollback after an abort with `rollback: true`: restored, waiting for its agent, or not acknowledged. */
export const ROLLOUT_ROLLBACK_STATUSES = ["applying", "done", "failed", "none"] as const;

/**
 * What a host had before a rollout first changed it (what an abort with rollback restores): policy_set, its own
 * assigned set (maybe empty); app, the manifest version its agent reported running before (null: none).
 */
export type RolloutHostPrevious = { policyIds?: string[]; appVersion?: number | null };

/** Per-host progress of a rollout. */
export const rolloutHosts = pgTable(
  "rollout_hosts",
  {
    rolloutId: text("rollout_id")
      .notNull()
      .references(() => rollouts.id, { onDelete: "cascade" }),
    hostId: text("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    tenantId: tenantRef(),
    batch: integer("batch").notNull(),
    /** The host's groupBy label values ("" without groupBy): the disruption budget is counted per group. */
    budgetGroup: text("budget_group").notNull().default(""),
    status: text("status", { enum: ROLLOUT_HOST_STATUSES }).notNull().default("pending"),
    commandId: text("command_id"),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    startedAt: ts("started_at"),
    finishedAt: ts("finished_at"),
    /** Recorded when the rollout first changes the host (policy_set: its own assigned set before, maybe empty). */
    previous: jsonb("previous").$type<RolloutHostPrevious>(),
    /** After an abort with rollback: where restoring `previous` stands (null: nothing to restore or not asked). */
    rollback: text("rollback", { enum: ROLLOUT_ROLLBACK_STATUSES }),
    rollbackAt: ts("rollback_at"),
  },
  (t) => [
    primaryKey({ columns: [t.rolloutId, t.hostId] }),
    index("rollout_hosts_batch_idx").on(t.rolloutId, t.batch, t.status),
    index("rollout_hosts_command_idx").on(t.commandId),
  ],
);

/** A rollout's history: started, batches, hosts finished, pauses, approvals, the end. */
export const rolloutEvents = pgTable(
  "rollout_events",
  {
    seq: bigint("seq", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    tenantId: tenantRef(),
    rolloutId: text("rollout_id")
      .notNull()
      .references(() => rollouts.id, { onDelete: "cascade" }),
    type: text("type").notNull(),
    hostId: text("host_id"),
    batch: integer("batch"),
    message: text("message").notNull(),
    actor: text("actor"),
    createdAt: createdAt(),
  },
  (t) => [index("rollout_events_rollout_idx").on(t.rolloutId, t.seq)],
);

/**
 * Per-user notifications (modules/notifications owns it): what happened that concerns the user — a task awaiting
 * confirmation, finished or failed, a machine offline or back online, an update applied or failed.
 */
export const notifications = pgTable(
  "notifications",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** e.g. `task.awaiting_confirmation`, `task.failed`, `machine.offline`, `update.applied`. */
    kind: text("kind").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull().default(""),
    taskId: text("task_id"),
    hostId: text("host_id"),
    readAt: ts("read_at"),
    createdAt: createdAt(),
  },
  (t) => [
    index("notifications_user_created_idx").on(t.userId, t.createdAt, t.id),
    index("notifications_user_unread_idx").on(t.userId).where(sql`${t.readAt} is null`),
  ],
);

/** Managed-gateway credentials (owner: modules/gateway): per tenant, optionally bound to one runtime identity. */
export const gatewayTokens = pgTable(
  "gateway_tokens",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    /** Bound: only while this runtime identity is live, and its calls are metered to it. */
    runtimeId: text("runtime_id").references(() => runtimeIdentities.id, { onDelete: "cascade" }),
    createdBy: text("created_by").notNull(),
    revokedAt: ts("revoked_at"),
    lastUsedAt: ts("last_used_at"),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("gateway_tokens_hash_idx").on(t.tokenHash), index("gateway_tokens_tenant_idx").on(t.tenantId)],
);

/** A tenant's plan, gateway entitlement and credit (owner: modules/billing). Amounts in micro-units (1e-6). */
export const billingAccounts = pgTable("billing_accounts", {
  tenantId: text("tenant_id")
    .primaryKey()
    .references(() => tenants.id, { onDelete: "cascade" }),
  plan: text("plan").notNull().default("none"),
  gatewayEnabled: boolean("gateway_enabled").notNull().default(false),
  /** Credit granted in all; the balance is this minus the ledger's costs. */
  creditMicros: bigint("credit_micros", { mode: "number" }).notNull().default(0),
  /** Most the tenant may spend per calendar month (UTC); null = only the credit limits it. */
  monthlySpendLimitMicros: bigint("monthly_spend_limit_micros", { mode: "number" }),
  /** The payment provider's customer of the tenant (Stripe `cus_...`), made at the first checkout or portal. */
  providerCustomerId: text("provider_customer_id"),
  /** The provider's subscription state last synced (`active`, `past_due`, `canceled`...; null = none). */
  subscriptionStatus: text("subscription_status"),
  updatedAt: updatedAt(),
});

/**
 * Credit bought through the payment provider (owner: modules/billing): one row per paid checkout session, so a
 * payment credits its tenant exactly once whether the webhook (any number of deliveries) or a sync sees it first.
 */
export const billingPayments = pgTable("billing_payments", {
  /** The provider's reference of the payment (Stripe checkout session `cs_...`). */
  id: text("id").primaryKey(),
  tenantId: tenantRef(),
  amountMicros: bigint("amount_micros", { mode: "number" }).notNull(),
  /** The provider event that credited it (null: found by a sync). */
  eventId: text("event_id"),
  createdAt: createdAt(),
});

/** Append-only usage ledger (owner: modules/billing): gateway calls and usage webhook events. */
export const usageLedger = pgTable(
  "usage_ledger",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    runtimeId: text("runtime_id"),
    hostId: text("host_id"),
    /** `gateway` or `webhook`. */
    source: text("source").notNull(),
    /** e.g. `llm.chat.completions`, `llm.responses`, or the webhook event's route. */
    route: text("route").notNull(),
    model: text("model"),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costMicros: bigint("cost_micros", { mode: "number" }).notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    index("usage_ledger_tenant_created_idx").on(t.tenantId, t.createdAt),
    index("usage_ledger_runtime_idx").on(t.runtimeId, t.createdAt),
  ],
);

/** Auto-approval limits of one controller agent's spend requests (owner: modules/billing). */
export const runtimeSpendPolicies = pgTable(
  "runtime_spend_policies",
  {
    tenantId: tenantRef(),
    hostId: text("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    /** A request at most this large is approved at once (if the day's total stays within the daily limit). */
    autoApprovePerRequestMicros: bigint("auto_approve_per_request_micros", { mode: "number" }).notNull().default(0),
    autoApprovePerDayMicros: bigint("auto_approve_per_day_micros", { mode: "number" }).notNull().default(0),
    updatedBy: text("updated_by").notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.hostId] })],
);

/** An agent's request to spend (owner: modules/billing): approved by its policy or by a person, or denied. */
export const spendRequests = pgTable(
  "spend_requests",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    runtimeId: text("runtime_id").notNull(),
    hostId: text("host_id").notNull(),
    amountMicros: bigint("amount_micros", { mode: "number" }).notNull(),
    purpose: text("purpose").notNull(),
    /** pending | approved | denied */
    status: text("status").notNull(),
    /** `policy` or the deciding user's id. */
    decidedBy: text("decided_by"),
    decidedAt: ts("decided_at"),
    reason: text("reason"),
    createdAt: createdAt(),
  },
  (t) => [index("spend_requests_tenant_idx").on(t.tenantId, t.status, t.createdAt)],
);

/** Usage webhook deliveries by `x-idempotency-key` (owner: modules/billing): a replay answers the first answer. */
export const usageWebhookReceipts = pgTable("usage_webhook_receipts", {
  idempotencyKey: text("idempotency_key").primaryKey(),
  requestHash: text("request_hash").notNull(),
  status: integer("status").notNull(),
  response: jsonb("response").$type<Record<string, unknown>>().notNull(),
  createdAt: createdAt(),
});

/**
 * Chat bots (modules/chatbots owns these tables): a tenant's bot instance of a provider (Telegram, Slack, generic
 * webhook). Credentials are AES-256-GCM encrypted (`credentials`: key from CHAT_BOT_SECRET_KEY or `chat_bot_keys`);
 * the inbound secret that only needs verifying (Telegram's secret token) is stored as a sha256 hash.
 */
export const CHAT_PROVIDERS = ["telegram", "slack", "webhook"] as const;
export const chatBots = pgTable("chat_bots", {
  id: text("id").primaryKey(),
  tenantId: tenantRef(),
  name: text("name").notNull(),
  provider: text("provider", { enum: CHAT_PROVIDERS }).notNull(),
  /** Generic webhook target URL (not secret). */
  url: text("url"),
  /** `v1.<iv>.<tag>.<ciphertext>` (base64url) of the JSON credentials (bot token, signing secret). */
  credentials: text("credentials").notNull(),
  inboundSecretHash: text("inbound_secret_hash"),
  lastDeliveryAt: ts("last_delivery_at"),
  lastError: text("last_error"),
  lastErrorAt: ts("last_error_at"),
  createdAt: createdAt(),
});

export const CHAT_SCOPES = ["tenant", "project", "machine", "fleet"] as const;
/** A chat or channel of a bot bound to a scope and the event kinds it hears about. */
export const chatBindings = pgTable(
  "chat_bindings",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    botId: text("bot_id")
      .notNull()
      .references(() => chatBots.id, { onDelete: "cascade" }),
    chatId: text("chat_id").notNull(),
    scope: text("scope", { enum: CHAT_SCOPES }).notNull(),
    /** Project, machine or fleet id; null for the tenant scope. */
    scopeId: text("scope_id"),
    events: jsonb("events").$type<string[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex("chat_bindings_bot_chat_idx").on(t.botId, t.chatId)],
);

/** Messages to deliver, at least once: one row per (binding, event), claimed with SKIP LOCKED. */
export const chatOutbox = pgTable(
  "chat_outbox",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    bindingId: text("binding_id")
      .notNull()
      .references(() => chatBindings.id, { onDelete: "cascade" }),
    eventId: text("event_id").notNull(),
    kind: text("kind").notNull(),
    text: text("text").notNull(),
    status: text("status", { enum: ["pending", "sent", "dead"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: ts("next_attempt_at").notNull().defaultNow(),
    lastError: text("last_error"),
    sentAt: ts("sent_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("chat_outbox_binding_event_idx").on(t.bindingId, t.eventId),
    index("chat_outbox_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
  ],
);

/** A chat user (per bot) linked to a user of the tenant, and the one-time codes that link them. */
export const chatIdentities = pgTable(
  "chat_identities",
  {
    tenantId: tenantRef(),
    botId: text("bot_id")
      .notNull()
      .references(() => chatBots.id, { onDelete: "cascade" }),
    chatUserId: text("chat_user_id").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.botId, t.chatUserId] })],
);

export const chatLinkCodes = pgTable("chat_link_codes", {
  codeHash: text("code_hash").primaryKey(),
  tenantId: tenantRef(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  expiresAt: ts("expires_at").notNull(),
  createdAt: createdAt(),
});

/** The installation's chat credential encryption key when CHAT_BOT_SECRET_KEY is not configured. */
export const chatBotKeys = pgTable("chat_bot_keys", {
  id: text("id").primaryKey(),
  /** 32 random bytes, base64. */
  key: text("key").notNull(),
  createdAt: createdAt(),
});

/**
 * Task terminals and tunnel connections across replicas (modules/pty): one row per channel between an operator's
 * websocket and the worker's. The operator's single-use token (issued by `POST /api/web/tasks/:id/pty-token`, or
 * implied by an active tunnel) and the worker's single-use token (handed to the agent when it is asked to dial) are
 * kept as sha256 hashes and redeemed with one atomic UPDATE … RETURNING.
 */
export const ptyChannels = pgTable(
  "pty_channels",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    hostId: text("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    kind: text("kind", { enum: ["pty", "tunnel"] }).notNull(),
    /** The machine's TCP port (tunnels). */
    port: integer("port"),
    tunnelId: text("tunnel_id"),
    operatorTokenHash: text("operator_token_hash"),
    operatorExpiresAt: ts("operator_expires_at").notNull(),
    operatorUsedAt: ts("operator_used_at"),
    workerTokenHash: text("worker_token_hash"),
    workerExpiresAt: ts("worker_expires_at"),
    workerUsedAt: ts("worker_used_at"),
    closedAt: ts("closed_at"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("pty_channels_operator_token_idx").on(t.operatorTokenHash),
    uniqueIndex("pty_channels_worker_token_idx").on(t.workerTokenHash),
    index("pty_channels_task_idx").on(t.taskId, t.createdAt),
    index("pty_channels_expiry_idx").on(t.operatorExpiresAt),
  ],
);

/** A TCP tunnel from operators to a port on a task's machine (`/api/web/workspace-tunnel/:taskId/...`). */
export const workspaceTunnels = pgTable(
  "workspace_tunnels",
  {
    id: text("id").primaryKey(),
    tenantId: tenantRef(),
    taskId: text("task_id")
      .notNull()
      .references(() => tasks.id, { onDelete: "cascade" }),
    hostId: text("host_id")
      .notNull()
      .references(() => hosts.id, { onDelete: "cascade" }),
    userId: text("user_id").notNull(),
    port: integer("port").notNull(),
    status: text("status", { enum: ["active", "stopped"] })
      .notNull()
      .default("active"),
    connections: integer("connections").notNull().default(0),
    createdAt: createdAt(),
    stoppedAt: ts("stopped_at"),
  },
  (t) => [uniqueIndex("workspace_tunnels_active_idx").on(t.taskId, t.port).where(sql`${t.status} = 'active'`)],
);
