import { t } from "elysia";
import { oneOf, PageQuery } from "../../http/params";
import { Obj, OptionalTimestamp, Timestamp } from "../../http/responses";
import { NOTICE_KINDS } from "./service";

export const NotificationListQuery = t.Object({
  ...PageQuery,
  /** `true`: unread ones only. */
  unread: t.Optional(oneOf(["true", "false"])),
});

export const NotificationView = Obj(
  {
    id: t.String(),
    kind: t.String({ description: NOTICE_KINDS.join(", ") }),
    title: t.String(),
    body: t.String(),
    taskId: t.Nullable(t.String()),
    hostId: t.Nullable(t.String()),
    read: t.Boolean(),
    readAt: OptionalTimestamp,
    createdAt: Timestamp,
  },
  { description: "a notification of the calling user" },
);

export const NotificationPage = Obj({
  items: t.Array(NotificationView),
  nextCursor: t.Nullable(t.String()),
  unreadCount: t.Integer(),
});
