/** Routes: versioned app manifests (what app rollouts deliver). */
import { Elysia } from "elysia";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { responses } from "../../http/responses";
import {
  AppManifestCreateBody,
  AppManifestListQuery,
  AppManifestPage,
  AppManifestSummary,
  AppManifestView,
} from "./model";

export const appManifestsController = ({ authenticator, appManifests }: Services) =>
  new Elysia({ prefix: "/api/v1/app-manifests", tags: ["rollouts"] })
    .use(requireUser(authenticator))
    .post(
      "/",
      async ({ principal, body, set }) => {
        set.status = 201;
        const {
          manifest: _m,
          tenantId: _t,
          ...row
        } = await appManifests.create(principal.tenantId, principal.userId, body);
        return row;
      },
      { body: AppManifestCreateBody, response: responses({ 201: AppManifestSummary }) },
    )
    .get("/", ({ principal, query }) => appManifests.list(principal.tenantId, query), {
      query: AppManifestListQuery,
      response: responses({ 200: AppManifestPage }),
    })
    .get("/:id", ({ principal, params }) => appManifests.get(principal.tenantId, params.id), {
      params: IdParams,
      response: responses({ 200: AppManifestView }),
    });
