/** Global search: the tenant's machines, tasks and projects matching a text, within what the caller may see. */
import { invalid } from "../../lib/errors";
import type { UserPrincipal } from "../auth/principal";
import type { HostService } from "../hosts/service";
import type { ProjectMemberService } from "../projects/members";
import type { ProjectService } from "../projects/service";
import type { TaskService } from "../tasks/service";

export class SearchService {
  constructor(
    private readonly deps: {
      hosts: HostService;
      tasks: TaskService;
      projects: ProjectService;
      projectMembers: ProjectMemberService;
    },
  ) {}

  /**
   * Every user sees the tenant's machines; tasks and projects only of projects they hold a role on (tenant admins:
   * all, tasks without a project included). Each kind is ranked (exact, prefix, contains; then newest/name).
   */
  async search(principal: UserPrincipal, text: string, limit: number) {
    const q = text.trim();
    if (!q) throw invalid("q: must not be blank");
    const admin = principal.role === "admin" || principal.isSuperadmin;
    const visible = admin
      ? undefined
      : await this.deps.projectMembers.projectIdsOf(principal.tenantId, principal.userId);
    const [machines, tasks, projects] = await Promise.all([
      this.deps.hosts.search(principal.tenantId, q, limit),
      this.deps.tasks.search(principal.tenantId, q, limit, visible),
      this.deps.projects.search(principal.tenantId, q, limit, visible),
    ]);
    const keyOf = new Map((await this.deps.projects.list(principal.tenantId)).map((p) => [p.id, p.key]));
    return {
      query: q,
      machines: machines.map((m) => ({
        type: "machine" as const,
        id: m.id,
        name: m.name,
        status: m.status,
        rank: m.rank,
      })),
      tasks: tasks.map((x) => ({
        type: "task" as const,
        id: x.id,
        title: x.prompt,
        status: x.status,
        projectId: x.projectId,
        projectKey: x.projectId ? (keyOf.get(x.projectId) ?? null) : null,
        createdAt: x.createdAt,
        rank: x.rank,
      })),
      projects: projects.map((p) => ({ type: "project" as const, id: p.id, key: p.key, name: p.name, rank: p.rank })),
    };
  }
}
