/**
 * The access guard: one place that applies the permission table to every request. It runs before the request body
 * is read (a caller without the right learns nothing about the payload rules): 401 without a valid user credential,
 * 403 without the role, 404 for a project or task outside the caller's tenant. Project visibility follows the lists:
 * a user who is no member of a project gets 404 for it and its tasks (as for a project that does not exist; tasks
 * without a project are admins' only), a member whose role is too small gets 403. Rules needing the body (the
 * project of a new task) are checked again once the body is validated.
 */
import { Elysia } from "elysia";
import { inRequest, setRequestScope, tenantScope } from "../../db/context";
import { forbidden, notFound } from "../../lib/errors";
import type { Authenticator } from "../auth/authenticate";
import type { UserPrincipal } from "../auth/principal";
import type { ProjectMemberService } from "../projects/members";
import { projectRoleCovers } from "../projects/members";
import type { TaskService } from "../tasks/service";
import type { AuditService } from "../audit/service";
import { type AuditedRule, PERMISSIONS, permissionKey } from "./permissions";

interface RouteLike {
  method: string;
  path: string;
}

interface CompiledRoute {
  key: string;
  method: string;
  pattern: RegExp;
  paramNames: string[];
  params: number;
  rule?: AuditedRule;
}

export interface AccessDeps {
  authenticator: Authenticator;
  projectMembers: ProjectMemberService;
  tasks: TaskService;
  audit: AuditService;
}

const isAdmin = (p: UserPrincipal) => p.role === "admin" || p.isSuperadmin;

export class AccessGuard {
  private table?: CompiledRoute[];

  constructor(
    private readonly deps: AccessDeps,
    private readonly routes: () => RouteLike[],
  ) {}

  /** The registered route a request is for, with its rule (static paths before parameterised ones). */
  match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
    this.table ??= this.routes()
      .map((r) => compile(r))
      .sort((a, b) => a.params - b.params);
    const wanted = method === "HEAD" ? "GET" : method;
    for (const route of this.table) {
      if (route.method !== wanted) continue;
      const m = route.pattern.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.paramNames.forEach((name, i) => {
        params[name] = safeDecode(m[i + 1]!);
      });
      return { route, params };
    }
    return undefined;
  }

  /** Checks a request against its route's rule; throws 401/403/404. Unknown routes pass (Elysia answers 404). */
  async check(request: Request): Promise<void> {
    const found = this.match(request.method, new URL(request.url).pathname);
    if (!found) return;
    const { route, params } = found;
    const rule = route.rule;
    if (!rule) throw forbidden(`no permission rule for ${route.key}`);
    // The request's database context (db/context.ts): until here it sees no tenant's rows at all.
    if (rule.access === "public") {
      setRequestScope({ kind: "system", reason: "public route: it authenticates its own caller by a secret" });
      return;
    }
    const principal = await this.deps.authenticator.forRequest(request);
    if (rule.access === "installationAdmin") {
      if (!principal.isSuperadmin) throw forbidden("installation admin required");
      setRequestScope({ kind: "system", reason: "installation admin route (tenants, system settings)" });
      return;
    }
    setRequestScope(tenantScope(principal.tenantId));
    if (rule.access === "user") return;
    if (rule.access === "tenantAdmin") {
      if (!isAdmin(principal)) throw forbidden("tenant admin role required");
      return;
    }
    const ref = rule.project;
    if ("bodyField" in ref) return; // checked with the validated body (checkBody)
    if ("param" in ref) {
      const key = params[ref.param]!;
      // Admins hold every project role, but another tenant's project is still 404.
      const role = await this.deps.projectMembers.roleOf(principal.tenantId, principal.userId, key);
      if (isAdmin(principal)) return;
      if (!role) throw notFound("project");
      if (projectRoleCovers(role, rule.role)) return;
      throw forbidden(`project ${rule.role} role required`);
    }
    const task = await this.deps.tasks.get(principal.tenantId, params[ref.taskParam]!);
    if (isAdmin(principal)) return;
    const role = task.projectId
      ? await this.deps.projectMembers.roleOnProjectId(principal.userId, task.projectId)
      : undefined;
    if (!role) throw notFound("task");
    if (projectRoleCovers(role, rule.role)) return;
    throw forbidden(`project ${rule.role} role required`);
  }

  /** Records a successful call of an audited route (the table's `audit` action). */
  async recordSuccess(request: Request, status: unknown): Promise<void> {
    const numeric = typeof status === "number" ? status : 200;
    if (numeric >= 400) return;
    const found = this.match(request.method, new URL(request.url).pathname);
    const action = found?.route.rule?.audit;
    if (!found || !action || found.route.rule?.access === "public") return;
    const principal = await this.deps.authenticator.forRequest(request);
    const target = Object.values(found.params)[0];
    await this.deps.audit.record({ tenantId: principal.tenantId, actor: principal.userId, action, target });
  }

  /** The body-dependent part of a rule, once the body has been validated. */
  async checkBody(request: Request, body: unknown): Promise<void> {
    const found = this.match(request.method, new URL(request.url).pathname);
    const rule = found?.route.rule;
    if (rule?.access !== "project" || !("bodyField" in rule.project)) return;
    const principal = await this.deps.authenticator.forRequest(request);
    if (isAdmin(principal)) return;
    const key = (body as Record<string, unknown> | undefined)?.[rule.project.bodyField];
    if (typeof key !== "string") throw forbidden(`tenant admin role required without ${rule.project.bodyField}`);
    const role = await this.deps.projectMembers.roleOf(principal.tenantId, principal.userId, key);
    if (!role) throw notFound("project");
    if (!projectRoleCovers(role, rule.role)) throw forbidden(`project ${rule.role} role required`);
  }
}

/**
 * Elysia plugin: the guard on every route registered after it (and on the app's), and the request's database
 * context: none until the guard has decided, then the caller's tenant (system for public and installation routes).
 */
export const accessGuard = (guard: AccessGuard) =>
  new Elysia({ name: "access-guard" })
    // Every request is handled in its own database context, which check() sets.
    .wrap((handle) => ((...args: unknown[]) => inRequest(() => handle(...args), requestIdOf(args[0]))) as never)
    .onRequest(({ request }) => guard.check(request))
    .onBeforeHandle({ as: "global" }, ({ request, body }) => guard.checkBody(request, body))
    .onAfterHandle({ as: "global" }, ({ request, set }) => guard.recordSuccess(request, set.status));

/** The caller's `x-request-id` when it is a sane token (≤ 128 of `A-Za-z0-9._:-`), else a new one. */
export function requestIdOf(request: unknown): string {
  const given = request instanceof Request ? request.headers.get("x-request-id") : null;
  return given && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? given : crypto.randomUUID();
}

function compile(route: RouteLike): CompiledRoute {
  const path = route.path.length > 1 ? route.path.replace(/\/$/, "") : route.path;
  const paramNames: string[] = [];
  const pattern = new RegExp(
    `^${path
      .split("/")
      .map((seg) => {
        if (seg.startsWith(":")) {
          paramNames.push(seg.slice(1));
          return "([^/]+)";
        }
        return seg === "*" ? "(.*)" : seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/")}/?$`,
  );
  const key = permissionKey(route.method, path);
  return { key, method: route.method, pattern, paramNames, params: paramNames.length, rule: PERMISSIONS[key] };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
