/** Projects: a repository, a pipeline of stages and the agent type that runs its `agent` stages. */
import { and, asc, desc, eq, inArray } from "drizzle-orm";
import { fullTextMatch } from "../../lib/text-match";
import type { Static } from "elysia";
import type { Db, Queryable } from "../../db/connect";
import { projects, searchDocuments } from "../../db/schema";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { invalid, notFound } from "../../lib/errors";
import type { ProjectCreateBody, ProjectUpdateBody } from "./model";
import type { ProjectScope } from "./members";
import { validatePipeline } from "./pipeline";

export type Project = typeof projects.$inferSelect;

export class ProjectService {
  constructor(private readonly db: Db) {}

  async create(tenantId: string, input: Static<typeof ProjectCreateBody>) {
    if (input.pipeline === undefined) throw invalid("invalid body: pipeline: required");
    const pipeline = validatePipeline(input.pipeline);
    const [row] = await this.db
      .insert(projects)
      .values({ ...input, pipeline, id: newId("proj"), tenantId, repoUrl: input.repoUrl ?? null })
      .returning();
    return publicRow(row!);
  }

  /** The tenant's projects, or those of them in `scope` (a member's). */
  async list(tenantId: string, scope?: ProjectScope) {
    const rows = await this.db
      .select()
      .from(projects)
      .where(and(eq(projects.tenantId, tenantId), scope && inArray(projects.id, scope.projectIds)))
      .orderBy(asc(projects.key));
    return rows.map(publicRow);
  }

  /**
   * Projects whose key or name matches `text` (full text, prefixes), best first; `visible` = the project ids the
   * caller may see (all if undefined).
   */
  search(tenantId: string, text: string, limit: number, visible?: string[]) {
    const { matches, rank } = fullTextMatch(searchDocuments.projects(projects), text, projects.key);
    return this.db
      .select({ id: projects.id, key: projects.key, name: projects.name, rank })
      .from(projects)
      .where(
        and(
          eq(projects.tenantId, tenantId),
          matches,
          visible ? inArray(projects.id, visible.length ? visible : [""]) : undefined,
        ),
      )
      .orderBy(desc(rank), asc(projects.key))
      .limit(limit);
  }

  async get(tenantId: string, key: string) {
    return publicRow(await this.find(this.db, tenantId, key));
  }

  /** The project's id by key, or undefined if the tenant has none. */
  async idOf(q: Queryable, tenantId: string, key: string): Promise<string | undefined> {
    const [row] = await q
      .select({ id: projects.id })
      .from(projects)
      .where(and(eq(projects.tenantId, tenantId), eq(projects.key, key)));
    return row?.id;
  }

  /** The project row by key (404 if the tenant has none). */
  async find(q: Queryable, tenantId: string, key: string): Promise<Project> {
    const [row] = await q
      .select()
      .from(projects)
      .where(and(eq(projects.tenantId, tenantId), eq(projects.key, key)));
    if (!row) throw notFound("project");
    return row;
  }

  /** Changes apply to tasks created afterwards: a task keeps the pipeline it was created with. */
  async update(tenantId: string, key: string, input: Static<typeof ProjectUpdateBody>) {
    if (Object.keys(input).length === 0) throw invalid("invalid body: nothing to update");
    const { pipeline, ...rest } = input;
    const [row] = await this.db
      .update(projects)
      .set({
        ...rest,
        ...(pipeline !== undefined ? { pipeline: validatePipeline(pipeline) } : {}),
        updatedAt: new Date(),
      })
      .where(and(eq(projects.tenantId, tenantId), eq(projects.key, key)))
      .returning();
    if (!row) throw notFound("project");
    return publicRow(row);
  }

  /** Deleting a project keeps its tasks (they carry their own pipeline). */
  async remove(tenantId: string, key: string) {
    const [row] = await this.db
      .delete(projects)
      .where(and(eq(projects.tenantId, tenantId), eq(projects.key, key)))
      .returning({ id: projects.id });
    if (!row) throw notFound("project");
    return { key, deleted: true };
  }
}
