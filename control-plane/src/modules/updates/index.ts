/** Routes: releases and release signing keys (users), update grants (users), the runtime update flow (runtimes). */
import { Elysia, t } from "elysia";
import { Acknowledged, UpdateAnswer, UpdateManifestAnswer } from "@edge/proto/http/agent";
import { Items, Obj, OptionalTimestamp, Resource, responses, Timestamp } from "../../http/responses";
import type { Services } from "../../services";
import { IdParams } from "../../http/params";
import { requireUser } from "../auth/authenticate";
import { requireRuntime } from "../runtime/authenticate";
import {
  ApplyBody,
  CheckBody,
  GrantBody,
  ManifestQuery,
  PublishReleaseBody,
  ReleaseKeyBody,
  ReleaseListQuery,
  ReportBody,
  ScriptQuery,
} from "./model";

const ReleaseView = Resource("a published release", {
  channel: t.String(),
  version: t.String(),
  notes: t.Nullable(t.String()),
  expiresAt: Timestamp,
  createdAt: Timestamp,
  scripts: t.Array(Obj({ path: t.String(), sha256: t.String() })),
  publicKey: t.String(),
});
const ReleaseKeyView = Resource("a release signing key", {
  name: t.String(),
  publicKey: t.String(),
  active: t.Boolean(),
  revokedAt: OptionalTimestamp,
});
const GrantView = Obj(
  {
    grantId: t.String(),
    grantToken: t.String({ description: "shown once; the agent presents it to /api/runtime/updates/apply" }),
    agentId: t.String(),
    channel: t.String(),
    targetVersion: t.Nullable(t.String()),
    expiresAt: t.String({ format: "date-time" }),
    commandId: t.Optional(t.String({ description: "the runtime.update command, when delivered" })),
  },
  { description: "a one-time update grant for one agent" },
);

export const releasesController = ({ authenticator, updates, releaseKeys }: Services) =>
  new Elysia({ tags: ["updates"] })
    .use(requireUser(authenticator))
    .post(
      "/api/v1/releases",
      ({ principal, body, set }) => {
        set.status = 201;
        return updates.publish(principal, body.signedManifest, body.scripts);
      },
      { response: responses({ 201: ReleaseView }), body: PublishReleaseBody },
    )
    .get(
      "/api/v1/releases",
      async ({ principal, query }) => ({ items: await updates.listReleases(principal.tenantId, query.channel) }),
      { response: responses({ 200: Items(ReleaseView) }), query: ReleaseListQuery },
    )
    .post(
      "/api/v1/release-keys",
      ({ principal, body, set }) => {
        set.status = 201;
        return releaseKeys.register(principal, body);
      },
      {
        response: responses({ 201: Resource("a release signing key", { name: t.String(), publicKey: t.String() }) }),
        body: ReleaseKeyBody,
      },
    )
    .get("/api/v1/release-keys", ({ principal }) => releaseKeys.list(principal.tenantId), {
      response: responses({
        200: Obj({
          items: t.Array(ReleaseKeyView),
          installationKeys: t.Array(t.String(), { description: "UPDATE_PUBLIC_KEYS: trusted by every tenant" }),
        }),
      }),
    })
    .delete("/api/v1/release-keys/:id", ({ principal, params }) => releaseKeys.revoke(principal, params.id), {
      response: responses({ 200: ReleaseKeyView }),
      params: IdParams,
    })
    .post(
      "/api/agents/:id/runtime-update-grant",
      ({ principal, params, body, set }) => {
        set.status = 201;
        return updates.grant(principal, params.id, body ?? {});
      },
      { response: responses({ 201: GrantView }), params: IdParams, body: GrantBody },
    );

export const runtimeUpdatesController = ({ runtime, updates }: Services) =>
  new Elysia({ prefix: "/api/runtime/updates", tags: ["updates"] })
    .use(requireRuntime(runtime))
    .get("/manifest", ({ runtime: me, query }) => updates.manifest(me, query.channel, query.publicKey), {
      response: responses({ 200: UpdateManifestAnswer }),
      query: ManifestQuery,
    })
    .get(
      "/scripts",
      async ({ runtime: me, query, set }) => {
        set.headers["content-type"] = "text/plain; charset=utf-8";
        return updates.script(me, query);
      },
      { response: responses({ 200: t.String({ description: "the script, as text/plain" }) }), query: ScriptQuery },
    )
    .post("/check", ({ runtime: me, body }) => updates.check(me, body.currentVersion, body.channel, body.publicKey), {
      response: responses({ 200: UpdateAnswer }),
      body: CheckBody,
    })
    .post("/apply", ({ runtime: me, body }) => updates.apply(me, body), {
      response: responses({ 200: UpdateAnswer }),
      body: ApplyBody,
    })
    .post("/report", ({ runtime: me, body }) => updates.report(me, body), {
      response: responses({ 200: Acknowledged }),
      body: ReportBody,
    });
