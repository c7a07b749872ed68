/**
 * The database context of the work in progress: whose rows PostgreSQL Row Level Security lets its statements see
 * and write (migration 0012_tenant_rls: every table with a `tenant_id` column, FORCE'd, policy on the setting
 * `app.tenant_id`; the control plane's statements run as the role `edge_app`, which has no BYPASSRLS).
 *
 * - **tenant** (`withTenant`, or the access guard for an HTTP request once it knows the caller): only that tenant's
 *   rows, whatever a query's WHERE says. `app.tenant_id` = the tenant id.
 * - **system** (`asSystem(reason, fn)`): every tenant's rows, `app.tenant_id` = `*`. For the work that spans tenants
 *   on purpose; each use names its reason in code. They are: the process's own work outside any request (start-up
 *   and bootstrap, the task scheduler and rollout passes, trigger ticks, the safety sweep, telemetry retention and
 *   group commit, command delivery and redelivery, the agents' inbox over MQTT and gRPC); the group commit of
 *   command creations (each row's tenant checked by the statement); credential lookups (a bearer secret names its
 *   tenant only once found); public routes that authenticate their own caller (sign-in, device flow, runtime and
 *   worker credentials); installation-admin routes (tenants, system settings).
 * - **none**: nothing at all. An HTTP request starts here, until the access guard has settled who calls.
 *
 * Code outside any request and any explicit context is the process's own work: system. Loops that a request may
 * wake (their timers would inherit the request's context) enter the system context explicitly (lib/pass-loop.ts).
 *
 * Cost: system work runs on connections whose session default is `*` (no extra statement); tenant work sends one
 * `set_config` pipelined with each statement (one round trip), or one per transaction (PGlite: only when it changes).
 */
import { AsyncLocalStorage } from "node:async_hooks";

export type DbScope = { kind: "tenant"; tenantId: string } | { kind: "system"; reason: string } | { kind: "none" };

/** The role the control plane's statements run as (no BYPASSRLS; created by migration 0012_tenant_rls). */
export const APP_ROLE = "edge_app";
/** The setting the policies read. */
export const TENANT_SETTING = "app.tenant_id";
/** Its value in the system context: every tenant's rows. */
export const SYSTEM_SETTING = "*";

interface Store {
  scope: DbScope;
  /** The HTTP request's (or gRPC call's) id: in every log line written while it is handled. */
  requestId?: string;
  /** When the request arrived (performance.now()): its duration histogram. */
  startedAt?: number;
}
const storage = new AsyncLocalStorage<Store>();
const PROCESS: DbScope = { kind: "system", reason: "the process's own work (no request)" };

/** The context of the current work. */
export function currentScope(): DbScope {
  return storage.getStore()?.scope ?? PROCESS;
}

/** `app.tenant_id` for the current work: a tenant id, `*` (system) or `` (nothing). */
export function currentSetting(): string {
  const scope = currentScope();
  return scope.kind === "tenant" ? scope.tenantId : scope.kind === "system" ? SYSTEM_SETTING : "";
}

/**
 * Runs `fn` (and everything it starts) seeing only `tenantId`'s rows. What `fn` returns is awaited inside: a drizzle
 * query is lazy, it runs when awaited, so it must be awaited within the context.
 */
export function withTenant<T>(tenantId: string, fn: () => T | PromiseLike<T>): Promise<T> {
  return storage.run({ scope: tenantScope(tenantId) }, async () => await fn());
}

/** Runs `fn` (and everything it starts) seeing every tenant's rows: say why. Awaited inside, as withTenant. */
export function asSystem<T>(reason: string, fn: () => T | PromiseLike<T>): Promise<T> {
  return storage.run({ scope: { kind: "system", reason } }, async () => await fn());
}

/** Runs the handling of one HTTP request: it sees nothing until `setRequestScope` is called (the access guard). */
export function inRequest<T>(fn: () => T, requestId?: string): T {
  return storage.run({ scope: { kind: "none" }, requestId, startedAt: performance.now() }, fn);
}

/** The id of the request being handled, if any (logs carry it). */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

/** When the request being handled arrived (performance.now()), if any. */
export function requestStartedAt(): number | undefined {
  return storage.getStore()?.startedAt;
}

/** The access guard's decision for the current request (from then on, for the rest of the request). */
export function setRequestScope(scope: DbScope): void {
  const store = storage.getStore();
  if (store) store.scope = scope;
}

export function tenantScope(tenantId: string): DbScope {
  if (!tenantId || tenantId === SYSTEM_SETTING) throw new Error(`not a tenant id: ${JSON.stringify(tenantId)}`);
  return { kind: "tenant", tenantId };
}
