/**
 * The permission table: every HTTP route (method + path pattern as registered) and who may call it. The access
 * guard (./guard.ts) reads it for every request; a route missing here is refused (403), and
 * test/integration/permissions.test.ts fails for it. Tenant isolation is separate: services scope every query to
 * the caller's tenant, so another tenant's resource is 404 whatever the rule.
 *
 * Roles: installation admin (`isSuperadmin`) ⊃ tenant admin (`role: admin`) ⊃ project maintainer ⊃ developer ⊃
 * viewer; every user of a tenant is at least `user`. Tenant admins hold every project role.
 */
import type { ProjectRole } from "../projects/members";

/** Where a project rule finds its project. */
export type ProjectRef =
  /** A path parameter holding the project key. */
  | { param: string }
  /** A path parameter holding a task id: the task's project (a task without a project needs a tenant admin). */
  | { taskParam: string }
  /** A body field holding the project key (checked once the body is validated); absent = tenant admin. */
  | { bodyField: string };

export type Rule =
  /** No user credential: open, or the route authenticates its own caller (runtime, worker, device code, refresh token). */
  | { access: "public" }
  /** Any signed-in user of the tenant. */
  | { access: "user" }
  | { access: "tenantAdmin" }
  | { access: "installationAdmin" }
  | { access: "project"; role: ProjectRole; project: ProjectRef };

/** A rule whose successful calls the guard records in the audit trail under `action` (target: the path's id). */
export type AuditedRule = Rule & { audit?: string };
const audited = (rule: Rule, action: string): AuditedRule => ({ ...rule, audit: action });

const PUBLIC: Rule = { access: "public" };
const USER: Rule = { access: "user" };
const ADMIN: Rule = { access: "tenantAdmin" };
const INSTALLATION: Rule = { access: "installationAdmin" };
const project = (role: ProjectRole, ref: ProjectRef): Rule => ({ access: "project", role, project: ref });

/** `METHOD /path` (no trailing slash) → rule. */
export const PERMISSIONS: Record<string, AuditedRule> = {
  // Open and self-authenticating routes.
  "GET /health": PUBLIC,
  "GET /openapi": PUBLIC,
  "GET /openapi/json": PUBLIC,
  "GET /auth/device": PUBLIC,
  "GET /.well-known/jwks.json": PUBLIC,
  // The web console's static files (it signs in through the API like any client).
  "GET /": PUBLIC,
  "GET /console": PUBLIC,
  "GET /console/*": PUBLIC,
  /** Prometheus text, installation-wide figures. */
  "GET /metrics": INSTALLATION,
  "POST /api/auth/login": PUBLIC,
  "POST /api/auth/refresh": PUBLIC,
  "POST /api/auth/logout": PUBLIC,
  "POST /api/auth/device/start": PUBLIC,
  "POST /api/auth/device/poll": PUBLIC,
  "POST /api/v1/device/code": PUBLIC,
  "POST /api/v1/device/token": PUBLIC,
  // Runtime bearer (agents) and worker enrollment: modules/runtime and modules/workers authenticate them.
  "POST /api/runtime/bootstrap/exchange": PUBLIC,
  "POST /api/runtime/auth/refresh": PUBLIC,
  "POST /api/runtime/auth/revoke": PUBLIC,
  "GET /api/runtime/auth/status": PUBLIC,
  "GET /api/runtime/updates/manifest": PUBLIC,
  "GET /api/runtime/updates/scripts": PUBLIC,
  "POST /api/runtime/updates/check": PUBLIC,
  "POST /api/runtime/updates/apply": PUBLIC,
  "POST /api/runtime/updates/report": PUBLIC,
  "POST /api/runtime/agents/:id/start": PUBLIC,
  "POST /api/runtime/agents/:id/stop": PUBLIC,
  "GET /api/runtime/agents/:id/status": PUBLIC,
  "GET /api/workers/healthz": PUBLIC,
  "POST /api/workers/register": PUBLIC,
  "POST /api/workers/refresh-token": PUBLIC,
  "POST /api/workers/recover": PUBLIC,

  // Oneself.
  "GET /api/users/me": USER,
  "POST /api/auth/device/approve": audited(USER, "auth.device_approve"),
  "GET /api/web/profile": USER,
  "PUT /api/web/profile": USER,
  "PUT /api/web/profile/password": USER,
  "POST /api/web/profile/totp/setup": USER,
  "POST /api/web/profile/totp/verify": USER,
  "GET /api/web/profile/tokens": USER,
  "POST /api/web/profile/tokens": USER,
  "POST /api/web/profile/tokens/:id/revoke": USER,
  /** Creates a key of one's own; listing and revoking the tenant's keys is for admins. */
  "GET /api/web/notifications": USER,
  "POST /api/web/notifications/:id/read": USER,
  "POST /api/web/notifications/read-all": USER,
  "GET /api/web/dashboard/stats": USER,
  "GET /api/web/dashboard/recent-tasks": USER,
  "GET /api/web/dashboard/recent-activity": USER,
  /** Results are limited to what the caller may see (tasks and projects by project role). */
  "GET /api/web/search": USER,
  /** Live updates (SSE): each stream hears only what its user may read (modules/live). */
  "GET /api/web/events": USER,
  "POST /api/v1/auth-keys": USER,
  "GET /api/v1/auth-keys": ADMIN,
  "DELETE /api/v1/auth-keys/:id": ADMIN,

  "POST /api/web/profile/chat-link": audited(USER, "chat.link_code"),
  // Chat providers' webhooks: they verify the provider's secret token or signature (modules/chatbots).
  "POST /api/chat/telegram/:id": PUBLIC,
  "POST /api/chat/slack/:id": PUBLIC,

  // Installation.
  "POST /api/v1/tenants": audited(INSTALLATION, "tenant.create"),
  "GET /api/v1/tenants": INSTALLATION,
  "POST /api/admin/signing-keys/rotate": INSTALLATION,
  "GET /api/admin/settings": ADMIN,
  "PUT /api/admin/settings": INSTALLATION,

  // People and audit.
  "GET /api/admin/developers": ADMIN,
  "POST /api/admin/developers": ADMIN,
  "PUT /api/admin/developers/:id": ADMIN,
  "PUT /api/admin/developers/:id/reset-totp": ADMIN,
  "GET /api/admin/audit-logs": ADMIN,
  // Chat bots and their bindings (modules/chatbots audits creation and deletion).
  "GET /api/admin/bots": ADMIN,
  "POST /api/admin/bots": ADMIN,
  "DELETE /api/admin/bots/:id": ADMIN,
  "GET /api/admin/bots/:id/bindings": ADMIN,
  "POST /api/admin/bots/:id/bindings": ADMIN,
  "DELETE /api/admin/bots/:id/bindings": ADMIN,
  "GET /api/v1/audit": ADMIN,

  // Fleet: everyone reads; commands and the emergency stop are for every user (anyone may stop a machine);
  // configuration, identities, updates and delegations are for admins.
  "GET /api/v1/environments": USER,
  "GET /api/v1/environments/:id": USER,
  "POST /api/v1/environments": ADMIN,
  "PUT /api/v1/environments/:id": ADMIN,
  "DELETE /api/v1/environments/:id": ADMIN,
  "GET /api/v1/hosts": USER,
  "GET /api/v1/hosts/:id": USER,
  "GET /api/v1/hosts/:id/telemetry": USER,
  "GET /api/v1/settings/telemetry": ADMIN,
  "PUT /api/v1/settings/telemetry": audited(ADMIN, "telemetry.retention_set"),
  "POST /api/v1/hosts": ADMIN,
  "PUT /api/v1/hosts/:id": ADMIN,
  "PUT /api/v1/hosts/:id/status": audited(ADMIN, "host.status_set"),
  "DELETE /api/v1/hosts/:id": audited(ADMIN, "host.delete"),
  "PATCH /api/v1/hosts/:id/labels": audited(ADMIN, "host.labels_set"),
  // The host's workspace runtime API, forwarded to its agent (modules/host-runtime): reads for every user of the
  // tenant, anything that changes the machine (files, apps, agent runs) for tenant admins, audited.
  "GET /api/v1/hosts/:id/runtime/*": USER,
  // An interactive terminal on the host (modules/pty): the token is audited here, the session when it ends.
  "POST /api/v1/hosts/:id/pty-token": audited(ADMIN, "host.pty_token"),
  "POST /api/v1/hosts/:id/runtime/*": audited(ADMIN, "host.runtime_call"),
  "PUT /api/v1/hosts/:id/runtime/*": audited(ADMIN, "host.runtime_call"),
  "PATCH /api/v1/hosts/:id/runtime/*": audited(ADMIN, "host.runtime_call"),
  "DELETE /api/v1/hosts/:id/runtime/*": audited(ADMIN, "host.runtime_call"),
  // Fleets and rollouts: everyone reads; fan-out and rollouts are for tenant admins; anyone may stop one (cancel,
  // pause, abort: the safe direction, like the emergency stop).
  "GET /api/v1/fleets": USER,
  "GET /api/v1/fleets/:id": USER,
  "GET /api/v1/fleets/:id/hosts": USER,
  "POST /api/v1/fleets": audited(ADMIN, "fleet.create"),
  "PUT /api/v1/fleets/:id": audited(ADMIN, "fleet.update"),
  "DELETE /api/v1/fleets/:id": audited(ADMIN, "fleet.delete"),
  "POST /api/v1/fleets/:id/commands": audited(ADMIN, "fleet.command"),
  "GET /api/v1/command-batches": USER,
  "GET /api/v1/command-batches/:id": USER,
  "GET /api/v1/command-batches/:id/commands": USER,
  "POST /api/v1/command-batches": audited(ADMIN, "command_batch.create"),
  "POST /api/v1/command-batches/:id/cancel": audited(USER, "command_batch.cancel"),
  "POST /api/v1/fleets/:id/tasks": audited(ADMIN, "fleet.task"),
  "GET /api/v1/task-batches": USER,
  "GET /api/v1/task-batches/:id": USER,
  "GET /api/v1/task-batches/:id/tasks": USER,
  "POST /api/v1/task-batches": audited(ADMIN, "task_batch.create"),
  "POST /api/v1/task-batches/:id/cancel": audited(USER, "task_batch.cancel"),
  "GET /api/v1/app-manifests": USER,
  "GET /api/v1/app-manifests/:id": USER,
  "POST /api/v1/app-manifests": audited(ADMIN, "app_manifest.create"),
  "GET /api/v1/rollouts": USER,
  "GET /api/v1/rollouts/:id": USER,
  "GET /api/v1/rollouts/:id/hosts": USER,
  "GET /api/v1/rollouts/:id/events": USER,
  "POST /api/v1/rollouts": audited(ADMIN, "rollout.create"),
  "DELETE /api/v1/rollouts/:id": audited(ADMIN, "rollout.delete"),
  "POST /api/v1/rollouts/:id/pause": audited(USER, "rollout.pause"),
  "POST /api/v1/rollouts/:id/abort": audited(USER, "rollout.abort"),
  "POST /api/v1/rollouts/:id/resume": audited(ADMIN, "rollout.resume"),
  "POST /api/v1/rollouts/:id/approve": audited(ADMIN, "rollout.approve"),
  "GET /api/v1/commands": USER,
  "GET /api/v1/commands/:id": USER,
  "POST /api/v1/commands": USER,
  "DELETE /api/v1/commands/:id": USER,
  /** Forcing a command's recorded state by hand. */
  "POST /api/v1/commands/:id/transition": audited(ADMIN, "command.force_transition"),
  "GET /api/v1/estop": USER,
  "POST /api/v1/estop": audited(USER, "estop.engage"),
  "POST /api/v1/estop/reset": audited(ADMIN, "estop.reset"),
  "GET /api/v1/safety-policies": USER,
  "GET /api/v1/safety-policies/:id": USER,
  "GET /api/v1/safety-policies/proposals": USER,
  "POST /api/v1/safety-policies": audited(ADMIN, "policy.create"),
  "PUT /api/v1/safety-policies/:id": ADMIN,
  "DELETE /api/v1/safety-policies/:id": ADMIN,
  "POST /api/v1/safety-policies/proposals/:id/approve": audited(ADMIN, "policy.approve"),
  "POST /api/v1/safety-policies/proposals/:id/reject": audited(ADMIN, "policy.reject"),
  "GET /api/v1/triggers": USER,
  "POST /api/v1/triggers": ADMIN,
  "DELETE /api/v1/triggers/:id": ADMIN,
  "GET /api/runtime/identities": USER,
  "POST /api/runtime/identities": audited(ADMIN, "runtime_identity.create"),
  "POST /api/runtime/identities/:id/revoke": audited(ADMIN, "runtime_identity.revoke"),
  "GET /api/runtime/delegations": USER,
  "GET /api/runtime/delegations/:id": USER,
  "POST /api/runtime/delegations": ADMIN,
  "DELETE /api/runtime/delegations/:id": ADMIN,
  "GET /api/v1/releases": USER,
  "POST /api/v1/releases": ADMIN,
  "GET /api/v1/release-keys": USER,
  "POST /api/v1/release-keys": ADMIN,
  "DELETE /api/v1/release-keys/:id": ADMIN,
  "POST /api/agents/:id/runtime-update-grant": ADMIN,

  // Machines (workers).
  "GET /api/web/machines": USER,
  "GET /api/web/machines/:id": USER,
  "GET /api/web/machines/:id/tasks": USER,
  "POST /api/web/machines/:id/drain": audited(ADMIN, "machine.drain"),
  "POST /api/web/machines/:id/undrain": audited(ADMIN, "machine.undrain"),
  "GET /api/admin/machines": ADMIN,
  "GET /api/admin/machines/:id": ADMIN,
  "PUT /api/admin/machines/:id": audited(ADMIN, "machine.update"),
  "DELETE /api/admin/machines/:id": audited(ADMIN, "machine.decommission"),
  "GET /api/admin/worker-tokens": ADMIN,
  "POST /api/admin/worker-tokens": audited(ADMIN, "worker_token.create"),
  "POST /api/admin/worker-tokens/:id/revoke": audited(ADMIN, "worker_token.revoke"),
  "GET /api/admin/worker-tokens/:id/status": ADMIN,

  // Projects.
  "GET /api/admin/projects": ADMIN,
  "POST /api/admin/projects": audited(ADMIN, "project.create"),
  "PUT /api/admin/projects/:key": ADMIN,
  "DELETE /api/admin/projects/:key": audited(ADMIN, "project.delete"),
  "GET /api/admin/projects/:key/members": ADMIN,
  "POST /api/admin/projects/:key/members": ADMIN,
  "DELETE /api/admin/projects/:key/members": ADMIN,
  "GET /api/web/projects": USER,
  "GET /api/web/projects/-/developers": USER,
  "GET /api/web/projects/:key": project("viewer", { param: "key" }),
  "PUT /api/web/projects/:projectKey": project("maintainer", { param: "projectKey" }),
  "GET /api/web/projects/:key/members": project("maintainer", { param: "key" }),
  "POST /api/web/projects/:key/members": project("maintainer", { param: "key" }),
  "DELETE /api/web/projects/:key/members": project("maintainer", { param: "key" }),

  // Tasks: a project's viewers read them, its developers create and steer them.
  "GET /api/v1/tasks": USER,
  "GET /api/v1/metrics/tasks": USER,
  "GET /api/web/tasks": USER,
  "POST /api/v1/tasks": project("developer", { bodyField: "projectKey" }),
  "POST /api/web/tasks": project("developer", { bodyField: "projectKey" }),
  "GET /api/v1/tasks/:id": project("viewer", { taskParam: "id" }),
  "GET /api/web/tasks/:id": project("viewer", { taskParam: "id" }),
  "GET /api/web/tasks/:id/events": project("viewer", { taskParam: "id" }),
  "GET /api/web/tasks/:id/logs": project("viewer", { taskParam: "id" }),
  "GET /api/web/tasks/:id/pending-confirm": project("viewer", { taskParam: "id" }),
  "POST /api/web/tasks/:id/cancel": project("developer", { taskParam: "id" }),
  "POST /api/web/tasks/:id/retry": project("developer", { taskParam: "id" }),
  "POST /api/web/tasks/:id/confirm-stage": project("developer", { taskParam: "id" }),
  // Task terminals and tunnels (modules/pty): maintainers open them (audited; sessions when they end), viewers read.
  "POST /api/web/tasks/:id/pty-token": audited(project("maintainer", { taskParam: "id" }), "task.pty_token"),
  "GET /api/web/workspaces/:taskId": project("viewer", { taskParam: "taskId" }),
  "POST /api/web/workspace-tunnel/:taskId/start": audited(
    project("maintainer", { taskParam: "taskId" }),
    "task.tunnel_start",
  ),
  "POST /api/web/workspace-tunnel/:taskId/stop": audited(
    project("maintainer", { taskParam: "taskId" }),
    "task.tunnel_stop",
  ),
  "GET /api/web/workspace-tunnel/:taskId/status": project("viewer", { taskParam: "taskId" }),
  /** Forcing a task's recorded state by hand. */
  "POST /api/v1/tasks/:id/transition": ADMIN,

  // MQTT telemetry consumers (modules/consumers audits key creation, revocation and the setting itself).
  "POST /api/v1/consumer-keys": ADMIN,
  "GET /api/v1/consumer-keys": ADMIN,
  "DELETE /api/v1/consumer-keys/:id": ADMIN,
  "GET /api/v1/consumers/settings": ADMIN,
  "PUT /api/v1/consumers/settings": ADMIN,
  /** Spans every tenant's consumer keys. */
  "GET /api/admin/mqtt/mosquitto-config": INSTALLATION,

  // Managed gateway: tokens for tenant admins; the LLM routes authenticate their gateway token (modules/gateway).
  "POST /api/gateway/tokens": ADMIN,
  "GET /api/gateway/tokens": ADMIN,
  "POST /api/gateway/tokens/:id/revoke": ADMIN,
  "POST /api/gateway/llm/v1/chat/completions": PUBLIC,
  "POST /api/gateway/llm/v1/responses": PUBLIC,
  "POST /api/gateway/search/v1/web/search": PUBLIC,
  "POST /api/gateway/search/v1/news/search": PUBLIC,
  // Billing: every user reads; spend policies and decisions on spend requests are for tenant admins.
  "GET /api/billing/summary": USER,
  "GET /api/billing/usage-summary": USER,
  "GET /api/billing/runtime-requests": USER,
  "GET /api/billing/runtime-requests/:id": USER,
  "POST /api/billing/runtime-requests/:id/approve": ADMIN,
  "POST /api/billing/runtime-requests/:id/deny": ADMIN,
  "GET /api/billing/runtime-spend-policies/:controllerAgentId": USER,
  "PUT /api/billing/runtime-spend-policies/:controllerAgentId": ADMIN,
  // The payment provider (tenant admins start payments; sync re-reads the provider's state).
  "POST /api/billing/checkout": ADMIN,
  "POST /api/billing/credits/checkout": ADMIN,
  "POST /api/billing/portal": ADMIN,
  "POST /api/billing/sync": ADMIN,
  /** A tenant's plan, entitlement and credit set by hand (beside the payment provider). */
  "PUT /api/admin/billing/accounts/:id": INSTALLATION,
  // Runtime bearer (modules/runtime authenticates) and the signed usage webhook (modules/billing verifies).
  "POST /api/runtime/billing/requests": PUBLIC,
  "GET /api/runtime/billing/requests": PUBLIC,
  "GET /api/runtime/billing/requests/:id": PUBLIC,
  "GET /api/runtime/self/spend-policy": PUBLIC,
  "POST /api/webhooks/usage": PUBLIC,
  /** The payment provider's webhook: verified by its Stripe-Signature (modules/billing). */
  "POST /api/webhooks/stripe": PUBLIC,
};

/** The table's key of a route: `GET /api/v1/hosts/` and `GET /api/v1/hosts` are one route. */
export const permissionKey = (method: string, path: string) =>
  `${method.toUpperCase()} ${path.length > 1 ? path.replace(/\/$/, "") : path}`;
