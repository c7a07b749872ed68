/**
 * Versioned app manifests: the `app.runtime.yaml` texts an app rollout delivers to machines. Validated with the
 * shared parser (proto/runtime/manifest.ts) the agent itself uses; versions count up per tenant and app from 1.
 */
import { createHash } from "node:crypto";
import { and, desc, eq, lt, or } from "drizzle-orm";
import type { Static } from "elysia";
import { parseManifestText } from "@edge/proto/runtime/manifest";
import type { Db, Queryable } from "../../db/connect";
import { appManifests } from "../../db/schema";
import { conflict, databaseErrorCode, invalid, isDomainError, notFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { AppManifestCreateBody, AppManifestListQuery } from "./model";

type Row = typeof appManifests.$inferSelect;

export class AppManifestService {
  constructor(private readonly db: Db) {}

  async create(tenantId: string, actor: string, input: Static<typeof AppManifestCreateBody>) {
    const parsed = parseManifestText(input.manifest);
    if ("error" in parsed) throw invalid(`invalid manifest: ${parsed.error}`);
    const sha256 = createHash("sha256").update(input.manifest).digest("hex");
    // Two creates at once may pick the same next version: the unique index refuses one, which tries again.
    for (let attempt = 0; ; attempt++) {
      try {
        const [latest] = await this.db
          .select({ version: appManifests.version })
          .from(appManifests)
          .where(and(eq(appManifests.tenantId, tenantId), eq(appManifests.app, input.app)))
          .orderBy(desc(appManifests.version))
          .limit(1);
        const [row] = await this.db
          .insert(appManifests)
          .values({
            id: newId("appm"),
            tenantId,
            app: input.app,
            version: (latest?.version ?? 0) + 1,
            manifest: input.manifest,
            sha256,
            apps: Object.keys(parsed.manifest.apps),
            createdBy: actor,
          })
          .returning();
        return row!;
      } catch (error) {
        const unique = databaseErrorCode(error) === "23505";
        if (!unique || isDomainError(error)) throw error;
        if (attempt >= 3) throw conflict("another version of this app is being stored: try again");
      }
    }
  }

  async list(tenantId: string, query: Static<typeof AppManifestListQuery>) {
    const limit = query.limit ?? 50;
    const [app, version] = query.cursor?.split(":") ?? [];
    const rows = await this.db
      .select()
      .from(appManifests)
      .where(
        and(
          eq(appManifests.tenantId, tenantId),
          query.app ? eq(appManifests.app, query.app) : undefined,
          query.cursor && app !== undefined && Number.isInteger(Number(version))
            ? or(lt(appManifests.app, app), and(eq(appManifests.app, app), lt(appManifests.version, Number(version))))
            : undefined,
        ),
      )
      .orderBy(desc(appManifests.app), desc(appManifests.version))
      .limit(limit + 1);
    const items = rows.slice(0, limit).map(({ manifest: _m, tenantId: _t, ...r }) => r);
    const last = items[items.length - 1];
    return { items, nextCursor: rows.length > limit && last ? `${last.app}:${last.version}` : null };
  }

  async get(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(appManifests)
      .where(and(eq(appManifests.id, id), eq(appManifests.tenantId, tenantId)));
    if (!row) throw notFound("app manifest");
    const { tenantId: _t, ...rest } = row;
    return rest;
  }

  /** The manifest of `app` at `version`, if stored. */
  async version(q: Queryable, tenantId: string, app: string, version: number): Promise<Row | undefined> {
    const [row] = await q
      .select()
      .from(appManifests)
      .where(and(eq(appManifests.tenantId, tenantId), eq(appManifests.app, app), eq(appManifests.version, version)));
    return row;
  }
}
