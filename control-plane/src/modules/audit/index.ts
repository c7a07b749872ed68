import { Elysia, t } from "elysia";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { MAX_LIMIT } from "../../lib/pagination";
import { SettingsUpdateBody } from "../settings/service";

export const auditController = ({ authenticator, audit, settings }: Services) =>
  new Elysia({ tags: ["audit"] })
    .use(requireUser(authenticator))
    .get("/api/v1/audit", async ({ principal, query }) => ({ items: await audit.list(principal.tenantId, query) }), {
      query: t.Object({
        hostId: t.Optional(t.String({ maxLength: 100 })),
        action: t.Optional(t.String({ maxLength: 100 })),
        limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
      }),
    })
    .get("/api/admin/audit-logs", ({ principal, query }) => audit.query(principal.tenantId, query), {
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
    .get("/api/admin/settings", () => settings.current())
    .put("/api/admin/settings", ({ principal, body }) => settings.update(principal, body), {
      body: SettingsUpdateBody,
    });
