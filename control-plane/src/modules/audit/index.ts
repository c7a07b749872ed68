import { Elysia, t } from "elysia";
import { Items, Resource, responses, Timestamp } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";

export const auditController = ({ authenticator, audit }: Services) =>
  new Elysia({ tags: ["audit"] })
    .use(requireUser(authenticator))
    .get("/api/v1/audit", async ({ principal, query }) => ({ items: await audit.list(principal.tenantId, query) }), {
      response: responses({ 200: Items(Resource("an audit event", { action: t.String(), createdAt: Timestamp })) }),
      query: t.Object({
        hostId: t.Optional(t.String({ maxLength: 100 })),
        action: t.Optional(t.String({ maxLength: 100 })),
        limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
      }),
    });
