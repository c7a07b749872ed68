/** Projects: a repository, a pipeline of stages and the agent type that runs its `agent` stages. */
import { and, asc, eq } from "drizzle-orm";
import type { Static } from "elysia";
import type { Db, Queryable } from "../../db/connect";
import { projects } from "../../db/schema";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { invalid, notFound } from "../../lib/errors";
import type { ProjectCreateBody, ProjectUpdateBody } from "./model";
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

  async list(tenantId: string) {
    const rows = await this.db
      .select()
      .from(projects)
      .where(eq(projects.tenantId, tenantId))
      .orderBy(asc(projects.key));
    return rows.map(publicRow);
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
