import { Elysia, t } from "elysia";
import { Items, Obj, Page, Resource, responses, Timestamp } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { MAX_LIMIT } from "../../lib/pagination";
import { SettingsSchema, SettingsUpdateBody } from "../settings/service";

const AuditEventView = Resource("an audit event", {
  hostId: t.Nullable(t.String()),
  actor: t.String(),
  action: t.String(),
  target: t.Nullable(t.String()),
  detail: t.Record(t.String(), t.Unknown()),
  createdAt: Timestamp,
});
/** The system settings (every one, as applied now). */
const SettingsView = Obj(SettingsSchema.properties, { description: "the system settings in force" });

export const auditController = ({ authenticator, audit, settings }: Services) =>
  new Elysia({ tags: ["audit"] })
    .use(requireUser(authenticator))
    .get("/api/v1/audit", async ({ principal, query }) => ({ items: await audit.list(principal.tenantId, query) }), {
      response: responses({ 200: Items(AuditEventView) }),
      query: t.Object({
        hostId: t.Optional(t.String({ maxLength: 100 })),
        action: t.Optional(t.String({ maxLength: 100 })),
        limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
      }),
    })
    .get("/api/admin/audit-logs", ({ principal, query }) => audit.query(principal.tenantId, query), {
      response: responses({ 200: Page(AuditEventView) }),
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
    .get("/api/admin/settings", () => settings.current(), { response: responses({ 200: SettingsView }) })
    .put("/api/admin/settings", ({ principal, body }) => settings.update(principal, body), {
      response: responses({ 200: SettingsView }),
      body: SettingsUpdateBody,
    });
