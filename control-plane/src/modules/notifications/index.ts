/** `GET /api/web/notifications`, `POST /api/web/notifications/:id/read`, `POST /api/web/notifications/read-all`. */
import { Elysia, t } from "elysia";
import { IdParams } from "../../http/params";
import { Obj, responses } from "../../http/responses";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import { NotificationListQuery, NotificationPage, NotificationView } from "./model";

export const notificationsController = ({ authenticator, notifications }: Services) =>
  new Elysia({ prefix: "/api/web/notifications", tags: ["notifications"] })
    .use(requireUser(authenticator))
    .get(
      "/",
      ({ principal, query }) =>
        notifications.list(principal.tenantId, principal.userId, {
          cursor: query.cursor,
          limit: query.limit,
          unread: query.unread === "true",
        }),
      { query: NotificationListQuery, response: responses({ 200: NotificationPage }) },
    )
    .post("/read-all", ({ principal }) => notifications.markAllRead(principal.tenantId, principal.userId), {
      response: responses({ 200: Obj({ updated: t.Integer() }) }),
    })
    .post(
      "/:id/read",
      ({ principal, params }) => notifications.markRead(principal.tenantId, principal.userId, params.id),
      { params: IdParams, response: responses({ 200: NotificationView }) },
    );
