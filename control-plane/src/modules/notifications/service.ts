/**
 * Notifications: what happened that concerns a user, derived from domain events — a task awaiting confirmation,
 * completed or failed; a machine offline or back online; an update applied or failed. `noticeFor` turns an event
 * into one notice (kind, text, subject, audience); `deliver` stores it once per user of the audience and hands it
 * to subscribers (the web console's bell reads the table; chat bots can subscribe to the same notices).
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/connect";
import { notifications } from "../../db/schema";
import { notFound } from "../../lib/errors";
import type { DomainEvent } from "../../lib/events";
import { newId } from "../../lib/ids";
import { DEFAULT_LIMIT, afterCursor, toPage } from "../../lib/pagination";
import type { HostService } from "../hosts/service";
import type { PeopleService } from "../people/service";
import type { ProjectMemberService } from "../projects/members";
import type { TaskService } from "../tasks/service";

export const NOTICE_KINDS = [
  "task.awaiting_confirmation",
  "task.completed",
  "task.failed",
  "machine.offline",
  "machine.online",
  "update.applied",
  "update.failed",
  "rollout.paused",
] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

/** Who a notice is for: every user of the tenant, or a task's project (its members and the tenant admins). */
export type Audience = { scope: "tenant" } | { scope: "project"; projectId: string | null };

export interface Notice {
  tenantId: string;
  kind: NoticeKind;
  title: string;
  body: string;
  taskId?: string;
  hostId?: string;
  audience: Audience;
}

export interface NotificationDeps {
  people: PeopleService;
  projectMembers: ProjectMemberService;
  tasks: TaskService;
  hosts: HostService;
}

type NoticeListener = (notice: Notice, recipients: string[]) => void | Promise<void>;

/** How long a looked-up audience (users of a tenant, members of a project) is reused. */
const AUDIENCE_TTL_MS = 2_000;

const clip = (text: string, max = 80) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export class NotificationService {
  private readonly listeners = new Set<NoticeListener>();
  /** Notices stored since start (metrics). */
  created = 0;

  constructor(
    private readonly db: Db,
    private readonly deps: NotificationDeps,
  ) {}

  /**
   * Audiences looked up within the last AUDIENCE_TTL_MS are reused: a burst of events (a thousand tasks finishing)
   * asks once for the tenant's users and each project's members, not once per event.
   */
  private readonly audiences = new Map<string, { at: number; value: Promise<unknown> }>();

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const now = Date.now();
    const hit = this.audiences.get(key);
    if (hit && now - hit.at < AUDIENCE_TTL_MS) return hit.value as Promise<T>;
    if (this.audiences.size > 10_000) this.audiences.clear();
    const value = load();
    this.audiences.set(key, { at: now, value });
    value.catch(() => this.audiences.delete(key));
    return value;
  }

  /** Called with every delivered notice and its recipients (e.g. chat bots); returns the unsubscribe. */
  subscribe(listener: NoticeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The domain event's notice, if it is one users are told about. */
  async noticeFor(event: DomainEvent): Promise<Notice | undefined> {
    if (event.type === "task.transition") {
      const kind = (
        { suspended: "task.awaiting_confirmation", completed: "task.completed", failed: "task.failed" } as const
      )[event.status as "suspended" | "completed" | "failed"];
      if (!kind) return undefined;
      const task = (await this.deps.tasks.get(event.tenantId, event.taskId).catch(() => undefined)) as
        | { prompt: string; projectId: string | null; error: string | null; currentStage: { name: string } | null }
        | undefined;
      if (!task) return undefined;
      const what = clip(task.prompt);
      const title =
        kind === "task.awaiting_confirmation"
          ? `Task awaiting confirmation: ${what}`
          : kind === "task.completed"
            ? `Task completed: ${what}`
            : `Task failed: ${what}`;
      const body =
        kind === "task.awaiting_confirmation"
          ? `stage ${task.currentStage?.name ?? "?"} waits for a person`
          : kind === "task.failed"
            ? (task.error ?? "")
            : "";
      return {
        tenantId: event.tenantId,
        kind,
        title,
        body,
        taskId: event.taskId,
        audience: { scope: "project", projectId: task.projectId },
      };
    }
    if (event.type === "host.status") {
      if (event.status === event.previous || (event.status !== "offline" && event.status !== "online")) return;
      const host = await this.deps.hosts.get(event.tenantId, event.hostId).catch(() => undefined);
      if (!host) return undefined;
      const kind: NoticeKind = event.status === "offline" ? "machine.offline" : "machine.online";
      return {
        tenantId: event.tenantId,
        kind,
        title: `Machine ${host.name} is ${event.status}`,
        body: `was ${event.previous}`,
        hostId: event.hostId,
        audience: { scope: "tenant" },
      };
    }
    if (event.type === "rollout.paused") {
      return {
        tenantId: event.tenantId,
        kind: "rollout.paused",
        title: `Rollout ${event.name} paused`,
        body: event.reason,
        audience: { scope: "tenant" },
      };
    }
    if (event.type === "command.transition" && event.kind === "runtime.update") {
      if (event.status !== "completed" && event.status !== "failed") return undefined;
      const host = await this.deps.hosts.get(event.tenantId, event.hostId).catch(() => undefined);
      const name = host?.name ?? event.hostId;
      const applied = event.status === "completed";
      return {
        tenantId: event.tenantId,
        kind: applied ? "update.applied" : "update.failed",
        title: applied ? `Update applied on ${name}` : `Update failed on ${name}`,
        body: event.error ?? "",
        hostId: event.hostId,
        audience: { scope: "tenant" },
      };
    }
    return undefined;
  }

  /** The event bus listener: an event that makes a notice is stored for its audience. */
  async onEvent(event: DomainEvent): Promise<void> {
    const notice = await this.noticeFor(event);
    if (notice) await this.deliver(notice);
  }

  /** The users a notice goes to (active users only). */
  async recipients(notice: Notice): Promise<string[]> {
    const members = await this.cached(`tenant:${notice.tenantId}`, () =>
      this.deps.people.activeMembers(notice.tenantId),
    );
    if (notice.audience.scope === "tenant") return members.map((m) => m.id);
    const projectId = notice.audience.projectId;
    const onProject = new Set(
      projectId ? await this.cached(`project:${projectId}`, () => this.deps.projectMembers.memberIds(projectId)) : [],
    );
    return members.filter((m) => m.role === "admin" || m.isSuperadmin || onProject.has(m.id)).map((m) => m.id);
  }

  /** Stores the notice once per recipient and tells the subscribers. */
  async deliver(notice: Notice): Promise<string[]> {
    const recipients = await this.recipients(notice);
    if (recipients.length === 0) return recipients;
    const createdAt = new Date();
    await this.db.insert(notifications).values(
      recipients.map((userId) => ({
        id: newId("ntf"),
        tenantId: notice.tenantId,
        userId,
        kind: notice.kind,
        title: notice.title,
        body: notice.body,
        taskId: notice.taskId ?? null,
        hostId: notice.hostId ?? null,
        createdAt,
      })),
    );
    this.created += recipients.length;
    for (const listener of this.listeners) await Promise.resolve(listener(notice, recipients)).catch(() => {});
    return recipients;
  }

  /** A user's notifications, newest first (keyset pages), and how many are unread. */
  async list(tenantId: string, userId: string, query: { cursor?: string; limit?: number; unread?: boolean }) {
    const limit = query.limit ?? DEFAULT_LIMIT;
    const rows = await this.db
      .select()
      .from(notifications)
      .where(
        and(
          eq(notifications.userId, userId),
          eq(notifications.tenantId, tenantId),
          query.unread ? isNull(notifications.readAt) : undefined,
          afterCursor(query.cursor, notifications.createdAt, notifications.id),
        ),
      )
      .orderBy(desc(notifications.createdAt), desc(notifications.id))
      .limit(limit + 1);
    const page = toPage(rows, limit);
    return {
      items: page.items.map(present),
      nextCursor: page.nextCursor,
      unreadCount: await this.unreadCount(tenantId, userId),
    };
  }

  async unreadCount(tenantId: string, userId: string): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(notifications)
      .where(and(eq(notifications.userId, userId), eq(notifications.tenantId, tenantId), isNull(notifications.readAt)));
    return row?.n ?? 0;
  }

  /** Marks one of the user's notifications read (404 for anyone else's); reading twice keeps the first time. */
  async markRead(tenantId: string, userId: string, id: string) {
    const [row] = await this.db
      .update(notifications)
      .set({ readAt: sql`coalesce(${notifications.readAt}, now())` })
      .where(and(eq(notifications.id, id), eq(notifications.userId, userId), eq(notifications.tenantId, tenantId)))
      .returning();
    if (!row) throw notFound("notification");
    return present(row);
  }

  async markAllRead(tenantId: string, userId: string) {
    const rows = await this.db
      .update(notifications)
      .set({ readAt: new Date() })
      .where(and(eq(notifications.userId, userId), eq(notifications.tenantId, tenantId), isNull(notifications.readAt)))
      .returning({ id: notifications.id });
    return { updated: rows.length };
  }
}

function present(row: typeof notifications.$inferSelect) {
  const { tenantId: _t, userId: _u, ...rest } = row;
  return { ...rest, read: row.readAt !== null };
}
