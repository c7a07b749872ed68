/** Project members: a user's role (maintainer, developer, viewer) on one project. Owns `project_members`. */
import { and, eq, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { Elysia, t } from "elysia";
import { Items, Obj, responses, Timestamp } from "../../http/responses";
import type { Db } from "../../db/connect";
import { projectMembers } from "../../db/schema";
import { oneOf } from "../../http/params";
import type { Services } from "../../services";
import type { AuditService } from "../audit/service";
import type { UserPrincipal } from "../auth/principal";
import { requireUser } from "../auth/authenticate";
import type { PeopleService } from "../people/service";
import type { ProjectService } from "./service";

export const PROJECT_ROLES = ["viewer", "developer", "maintainer"] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

/** Does `held` include what `needed` may do? (maintainer ⊃ developer ⊃ viewer) */
export const projectRoleCovers = (held: ProjectRole, needed: ProjectRole) =>
  PROJECT_ROLES.indexOf(held) >= PROJECT_ROLES.indexOf(needed);

/**
 * The projects a caller may see, for the services that list projects and tasks: `undefined` = all of the tenant's
 * (tenant and installation admins), else `projectIds`, a subquery of the ids of the projects the caller is a member
 * of (embedded in the caller's query: no extra round trip). A task without a project is visible to admins only.
 */
export type ProjectScope = { projectIds: SQLWrapper } | undefined;

export class ProjectMemberService {
  constructor(
    private readonly db: Db,
    private readonly projects: ProjectService,
    private readonly people: PeopleService,
    private readonly audit: AuditService,
  ) {}

  /** What `principal` may see of the tenant's projects (see ProjectScope). */
  scopeOf(principal: UserPrincipal): ProjectScope {
    if (principal.role === "admin" || principal.isSuperadmin) return undefined;
    return {
      projectIds: this.db
        .select({ id: projectMembers.projectId })
        .from(projectMembers)
        .where(eq(projectMembers.userId, principal.userId)),
    };
  }

  /** The caller's role on a project of their tenant (404 for a project of no tenant of theirs). */
  async roleOf(tenantId: string, userId: string, projectKey: string): Promise<ProjectRole | undefined> {
    const project = await this.projects.find(this.db, tenantId, projectKey);
    const [row] = await this.db
      .select({ role: projectMembers.role })
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, userId)));
    return row?.role;
  }

  /** The caller's role on the project a task belongs to (by task's project id). */
  async roleOnProjectId(userId: string, projectId: string): Promise<ProjectRole | undefined> {
    const [row] = await this.db
      .select({ role: projectMembers.role })
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
    return row?.role;
  }

  /** Whether user `userId` holds a role on project `projectId`, as a condition of a statement (notices' audiences). */
  isMemberSql(projectId: SQL, userId: SQL): SQL {
    return sql`exists (select 1 from ${projectMembers} pm where pm.project_id = ${projectId} and pm.user_id = ${userId})`;
  }

  /** Ids of a project's members (notification audiences). */
  async memberIds(projectId: string): Promise<string[]> {
    const rows = await this.db
      .select({ userId: projectMembers.userId })
      .from(projectMembers)
      .where(eq(projectMembers.projectId, projectId));
    return rows.map((r) => r.userId);
  }

  /** Ids of the projects a user holds any role on (what a non-admin may see in search). */
  async projectIdsOf(tenantId: string, userId: string): Promise<string[]> {
    const rows = await this.db
      .select({ projectId: projectMembers.projectId })
      .from(projectMembers)
      .where(and(eq(projectMembers.tenantId, tenantId), eq(projectMembers.userId, userId)));
    return rows.map((r) => r.projectId);
  }

  async list(tenantId: string, projectKey: string) {
    const project = await this.projects.find(this.db, tenantId, projectKey);
    const members = await this.db
      .select({ userId: projectMembers.userId, role: projectMembers.role, createdAt: projectMembers.createdAt })
      .from(projectMembers)
      .where(eq(projectMembers.projectId, project.id));
    const people = await this.people.byIds(
      tenantId,
      members.map((m) => m.userId),
    );
    return members
      .flatMap(({ userId, role, createdAt }) => {
        const user = people.get(userId);
        return user ? [{ developerId: user.id, name: user.name, gitEmail: user.gitEmail, role, createdAt }] : [];
      })
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Adds a member or changes their role. */
  async add(actor: UserPrincipal, projectKey: string, developerId: string, role: ProjectRole = "developer") {
    const project = await this.projects.find(this.db, actor.tenantId, projectKey);
    const user = await this.people.find(actor.tenantId, developerId);
    await this.db
      .insert(projectMembers)
      .values({ tenantId: actor.tenantId, projectId: project.id, userId: user.id, role })
      .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role } });
    await this.audit.record({
      tenantId: actor.tenantId,
      actor: actor.userId,
      action: "project.member_add",
      target: user.id,
      detail: { project: project.key, role },
    });
    return { developerId: user.id, name: user.name, role };
  }

  async remove(actor: UserPrincipal, projectKey: string, developerId: string) {
    const project = await this.projects.find(this.db, actor.tenantId, projectKey);
    const removed = await this.db
      .delete(projectMembers)
      .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, developerId)))
      .returning({ userId: projectMembers.userId });
    if (removed.length > 0)
      await this.audit.record({
        tenantId: actor.tenantId,
        actor: actor.userId,
        action: "project.member_remove",
        target: developerId,
        detail: { project: project.key },
      });
    return { removed: removed.length > 0 };
  }
}

const MemberView = Obj(
  {
    developerId: t.String(),
    name: t.String(),
    gitEmail: t.Nullable(t.String()),
    role: t.String(),
    createdAt: Timestamp,
  },
  { description: "a member of a project" },
);
const MemberAdded = Obj({ developerId: t.String(), name: t.String(), role: t.String() });
const MemberRemoved = Obj({ removed: t.Boolean() });

const MemberBody = t.Object({
  developerId: t.String({ minLength: 1, maxLength: 100 }),
  role: t.Optional(oneOf(PROJECT_ROLES)),
});
const MemberQuery = t.Object({ developerId: t.String({ minLength: 1, maxLength: 100 }) });
const KeyParams = t.Object({ key: t.String({ minLength: 1, maxLength: 100 }) });

/** Members of a project: `/api/web/projects/:key/members` (maintainers) and the admin spelling. */
export const projectMembersController = ({ authenticator, projectMembers: members }: Services) =>
  new Elysia({ tags: ["projects"] })
    .use(requireUser(authenticator))
    .get(
      "/api/web/projects/:key/members",
      async ({ principal, params }) => ({ items: await members.list(principal.tenantId, params.key) }),
      { response: responses({ 200: Items(MemberView) }), params: KeyParams },
    )
    .post(
      "/api/web/projects/:key/members",
      async ({ principal, params, body, set }) => {
        set.status = 201;
        return members.add(principal, params.key, body.developerId, body.role);
      },
      { response: responses({ 201: MemberAdded }), params: KeyParams, body: MemberBody },
    )
    .delete(
      "/api/web/projects/:key/members",
      ({ principal, params, query }) => members.remove(principal, params.key, query.developerId),
      { response: responses({ 200: MemberRemoved }), params: KeyParams, query: MemberQuery },
    )
    .get(
      "/api/admin/projects/:key/members",
      async ({ principal, params }) => ({ items: await members.list(principal.tenantId, params.key) }),
      { response: responses({ 200: Items(MemberView) }), params: KeyParams },
    )
    .post(
      "/api/admin/projects/:key/members",
      async ({ principal, params, body, set }) => {
        set.status = 201;
        return members.add(principal, params.key, body.developerId, body.role);
      },
      { response: responses({ 201: MemberAdded }), params: KeyParams, body: MemberBody },
    )
    .delete(
      "/api/admin/projects/:key/members",
      ({ principal, params, query }) => members.remove(principal, params.key, query.developerId),
      { response: responses({ 200: MemberRemoved }), params: KeyParams, query: MemberQuery },
    );
