/** Project routes: admin management (`/api/admin/projects`) and the web console's view (`/api/web/projects`). */
import { Elysia, t } from "elysia";
import { Items, Obj, responses } from "../../http/responses";
import type { Services } from "../../services";
import { requireAdmin, requireUser } from "../auth/authenticate";
import { ProjectCreateBody, ProjectKeyParams, ProjectKeyParamsWeb, ProjectUpdateBody } from "./model";

export const adminProjectsController = ({ authenticator, projects }: Services) =>
  new Elysia({ prefix: "/api/admin/projects", tags: ["projects"] })
    .use(requireAdmin(authenticator))
    .get("/", async ({ principal }) => ({ items: await projects.list(principal.tenantId) }), {
      response: responses({
        200: Items(Obj({ key: t.String(), name: t.String() }, { description: "a project and its pipeline" })),
      }),
    })
    .post(
      "/",
      ({ principal, body, set }) => {
        set.status = 201;
        return projects.create(principal.tenantId, body);
      },
      {
        response: responses({
          201: Obj({ key: t.String(), name: t.String() }, { description: "a project and its pipeline" }),
        }),
        body: ProjectCreateBody,
      },
    )
    .put("/:key", ({ principal, params, body }) => projects.update(principal.tenantId, params.key, body), {
      response: responses({
        200: Obj({ key: t.String(), name: t.String() }, { description: "a project and its pipeline" }),
      }),
      params: ProjectKeyParams,
      body: ProjectUpdateBody,
    })
    .delete("/:key", ({ principal, params }) => projects.remove(principal.tenantId, params.key), {
      response: responses({ 200: Obj({ key: t.String(), deleted: t.Boolean() }) }),
      params: ProjectKeyParams,
    });

/**
 * The web console's projects: a user lists the projects they are a member of (admins: all); reading and updating
 * one needs a project role (the access guard: 404 for a project the caller is no member of, 403 for too small a role).
 */
export const webProjectsController = ({ authenticator, projects, projectMembers }: Services) =>
  new Elysia({ prefix: "/api/web/projects", tags: ["projects"] })
    .use(requireUser(authenticator))
    .get(
      "/",
      async ({ principal }) => ({ items: await projects.list(principal.tenantId, projectMembers.scopeOf(principal)) }),
      {
        response: responses({
          200: Items(Obj({ key: t.String(), name: t.String() }, { description: "a project and its pipeline" })),
        }),
      },
    )
    .get("/:key", ({ principal, params }) => projects.get(principal.tenantId, params.key), {
      response: responses({
        200: Obj({ key: t.String(), name: t.String() }, { description: "a project and its pipeline" }),
      }),
      params: ProjectKeyParams,
    })
    .put(
      "/:projectKey",
      ({ principal, params, body }) => projects.update(principal.tenantId, params.projectKey, body),
      {
        response: responses({
          200: Obj({ key: t.String(), name: t.String() }, { description: "a project and its pipeline" }),
        }),
        params: ProjectKeyParamsWeb,
        body: ProjectUpdateBody,
      },
    );
