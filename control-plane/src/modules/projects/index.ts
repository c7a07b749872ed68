/** Project routes: admin management (`/api/admin/projects`) and the web console's view (`/api/web/projects`). */
import { Elysia } from "elysia";
import type { Services } from "../../services";
import { requireAdmin, requireUser } from "../auth/authenticate";
import { ProjectCreateBody, ProjectKeyParams, ProjectKeyParamsWeb, ProjectUpdateBody } from "./model";

export const adminProjectsController = ({ authenticator, projects }: Services) =>
  new Elysia({ prefix: "/api/admin/projects", tags: ["projects"] })
    .use(requireAdmin(authenticator))
    .get("/", async ({ principal }) => ({ items: await projects.list(principal.tenantId) }))
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return projects.create(principal.tenantId, body);
      },
      { body: ProjectCreateBody },
    )
    .put("/:key", ({ principal, params, body }) => projects.update(principal.tenantId, params.key, body), {
      params: ProjectKeyParams,
      body: ProjectUpdateBody,
    })
    .delete("/:key", ({ principal, params }) => projects.remove(principal.tenantId, params.key), {
      params: ProjectKeyParams,
    });

/** Until project roles exist, every user of the tenant may read and edit its projects. */
export const webProjectsController = ({ authenticator, projects }: Services) =>
  new Elysia({ prefix: "/api/web/projects", tags: ["projects"] })
    .use(requireUser(authenticator))
    .get("/", async ({ principal }) => ({ items: await projects.list(principal.tenantId) }))
    .get("/:key", ({ principal, params }) => projects.get(principal.tenantId, params.key), { params: ProjectKeyParams })
    .put(
      "/:projectKey",
      ({ principal, params, body }) => projects.update(principal.tenantId, params.projectKey, body),
      {
        params: ProjectKeyParamsWeb,
        body: ProjectUpdateBody,
      },
    );
