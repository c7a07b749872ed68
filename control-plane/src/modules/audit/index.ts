import { Elysia, t } from "elysia";
import { AnyObject, Items, Resource, responses, Timestamp } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { MAX_LIMIT } from "../../lib/pagination";
import { SettingsUpdateBody } from "../settings/service";

export const auditController = ({ authenticator, audit, settings }: Services) =>
  new Elysia({ tags: ["audit"] })
    .use(requireUser(authenticator))
    .get("/api/v1/audit", async ({ principal, query }) => ({ items: await audit.list(principal.tenantId, query) }), {
      response: responses({ 200: Items(Resource("an audit event", { action: t.String(), createdAt: Timestamp })) }),
      query: t.Object({
        hostId: t.Optional(t.String({ maxLength: 100 })),
        action: t.Optional(t.String({ maxLength: 100 })),
        limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
      }),
    })
    .get("/api/admin/audit-logs", ({ principal, query }) => audit.query(principal.tenantId, query), {
      response: responses({ 200: AnyObject, 201: AnyObject }),
      query: t.Object({
        actor: t.Optional(t.String({ maxLength: 100 })),
        action: t.Optional(t.String({ maxLength: 100 })),
        target: t.Optional(t.String({ maxLength: 200 })),
        since: t.Optional(t.String({ maxLength: 40 })),
        until: t.Optional(t.String({ maxLength: 40 })),
        limit: t.Optional(t.Integer({ minimum: 1, maximum: MAX_LIMIT })),
        cursor: t.Optional(t.String({ maxLength: 200 })),
      }),
    })
    .get("/api/admin/settings", () => settings.current(), { response: responses({ 200: AnyObject, 201: AnyObject }) })
    .put("/api/admin/settings", ({ principal, body }) => settings.update(principal, body), {
      response: responses({ 200: AnyObject, 201: AnyObject }),
      body: SettingsUpdateBody,
    });
