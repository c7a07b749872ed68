/**
 * Notifications: what happened that concerns a user, derived from domain events — a task awaiting confirmation,
 * completed or failed; a machine offline or back online; an update applied or failed. `noticeFor` turns an event
 * into one notice (kind, text, subject, audience); `deliver` stores it once per user of the audience and hands it
 * to subscribers (the web console's bell reads the table; chat bots can subscribe to the same notices).
 */
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { rowsOf, type Db } from "../../db/connect";
import { asSystem } from "../../db/context";
import { notifications } from "../../db/schema";
import { CHANNEL } from "../../lib/cluster-events";
import { notFound } from "../../lib/errors";
import type { DomainEvent, EventBus } from "../../lib/events";
import { GroupCommit } from "../../lib/group-commit";
import { TtlCache } from "../../lib/ttl-cache";
import type { TaskStatus } from "../../lib/lifecycle";
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
  events: EventBus;
  people: PeopleService;
  projectMembers: ProjectMemberService;
  tasks: TaskService;
  hosts: HostService;
}

type NoticeListener = (notice: Notice, recipients: string[]) => void | Promise<void>;

/** Task notices per statement. */
const MAX_BATCH = 500;

/** How long a looked-up audience (users of a tenant, members of a project) is reused. */
const AUDIENCE_TTL_MS = 2_000;

/** Longest task prompt quoted in a notice's title. */
const CLIP = 80;
/** Longest body a live stream is sent (NOTIFY payloads are limited to 8000 bytes). */
const LIVE_BODY_CHARS = 1000;

/** The notices of a task's transitions. */
const TASK_NOTICES = {
  suspended: "task.awaiting_confirmation",
  completed: "task.completed",
  failed: "task.failed",
} as const satisfies Partial<Record<TaskStatus, NoticeKind>>;

/** A task's notice waiting for its batch, with the tenant's active users (the candidates of its audience). */
interface PendingTaskNotice {
  tenantId: string;
  taskId: string;
  kind: NoticeKind;
  members: { id: string; role: string; isSuperadmin: boolean }[];
  done: () => void;
  fail: (error: unknown) => void;
}

export class NotificationService {
  private readonly listeners = new Set<NoticeListener>();
  /** Notices stored since start (metrics). */
  created = 0;

  constructor(
    private readonly db: Db,
    private readonly deps: NotificationDeps,
  ) {}

  /** Task notices gathered while a statement runs go together in the next one (natural batching, no delay). */
  private readonly taskNotices = new GroupCommit<PendingTaskNotice>(
    { maxInFlight: 1 },
    (queue) => ({ batch: queue.slice(0, MAX_BATCH), rest: queue.slice(MAX_BATCH) }),
    (batch) => this.storeTaskNotices(batch),
    (error, batch) => {
      for (const n of batch) n.fail(error);
    },
  );

  /**
   * Audiences looked up within the last AUDIENCE_TTL_MS are reused: a burst of events (a thousand tasks finishing)
   * asks once for the tenant's users and each project's members, not once per event.
   */
  private readonly audiences = new TtlCache<unknown>(AUDIENCE_TTL_MS);

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    return this.audiences.get(key, load) as Promise<T>;
  }

  /** Called with every delivered notice and its recipients (e.g. chat bots); returns the unsubscribe. */
  subscribe(listener: NoticeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The domain event's notice, if it is one users are told about (a task's: see onTaskTransition). */
  async noticeFor(event: DomainEvent): Promise<Notice | undefined> {
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
    if (event.type === "task.transition") return this.onTaskTransition(event);
    const notice = await this.noticeFor(event);
    if (notice) await this.deliver(notice);
  }

  /**
   * A task awaiting confirmation, completed or failed: its notice goes to the task's project (its members and the
   * tenant admins). No statement when the tenant has no active user (nobody to tell); otherwise the notice joins the
   * next batch (storeTaskNotices: one statement for all the notices that gathered meanwhile).
   */
  private async onTaskTransition(event: Extract<DomainEvent, { type: "task.transition" }>): Promise<void> {
    const kind = TASK_NOTICES[event.status as keyof typeof TASK_NOTICES];
    if (!kind) return;
    const members = await this.cached(`tenant:${event.tenantId}`, () => this.deps.people.activeMembers(event.tenantId));
    if (members.length === 0) return;
    await new Promise<void>((done, fail) =>
      this.taskNotices.add({ tenantId: event.tenantId, taskId: event.taskId, kind, members, done, fail }),
    );
  }

  /**
   * Task notices in ONE statement: each task read (prompt, project, error, stage), its notice's words, its recipients
   * (the given active users: admins, and the project's members among the others), the notice stored once per
   * recipient and shared with every replica's live streams (NOTIFY, at commit); then the subscribers are told.
   */
  private async storeTaskNotices(batch: PendingTaskNotice[]): Promise<void> {
    const input = JSON.stringify(
      batch.map((n, i) => ({
        i,
        tenant_id: n.tenantId,
        task_id: n.taskId,
        kind: n.kind,
        members: n.members.map((m) => ({
          id: m.id,
          everyone: m.role === "admin" || m.isSuperadmin,
          notice_id: newId("ntf"),
        })),
      })),
    );
    const { tasks, projectMembers } = this.deps;
    const statement = sql`with input as (select * from json_to_recordset(${input}::text::json)
        as n(i int, tenant_id text, task_id text, kind text, members json)),
      notice as (
        select n.i, n.tenant_id, n.task_id, n.kind, n.members, t.project_id,
          case n.kind when 'task.awaiting_confirmation' then 'Task awaiting confirmation: '
            when 'task.completed' then 'Task completed: ' else 'Task failed: ' end
            || case when char_length(t.prompt) > ${CLIP} then left(t.prompt, ${CLIP - 1}) || '…' else t.prompt end
            as title,
          case n.kind when 'task.awaiting_confirmation' then 'stage ' || coalesce(t.stage, '?') || ' waits for a person'
            when 'task.failed' then coalesce(t.error, '') else '' end as body
        from input n cross join lateral (${tasks.noticeSourceSql(sql`n.tenant_id`, sql`n.task_id`)}) t
      ),
      recipients as (
        select k.i, m.id, m.notice_id from notice k
          cross join lateral json_to_recordset(k.members) as m(id text, everyone boolean, notice_id text)
        where m.everyone or (k.project_id is not null and ${projectMembers.isMemberSql(sql`k.project_id`, sql`m.id`)})
      ),
      stored as (
        insert into ${notifications} (id, tenant_id, user_id, kind, title, body, task_id, created_at)
        select r.notice_id, k.tenant_id, r.id, k.kind, k.title, k.body, k.task_id, ${new Date().toISOString()}::timestamptz
        from recipients r join notice k on k.i = r.i
        returning 1
      ),
      shared as (
        select pg_notify(${CHANNEL}, json_build_object('type', 'notification.created', 'tenantId', k.tenant_id,
          'kind', k.kind, 'title', k.title, 'body', left(k.body, ${LIVE_BODY_CHARS}), 'taskId', k.task_id,
          'hostId', null, 'projectId', coalesce(k.project_id, ''))::text)
        from notice k where exists (select 1 from recipients r where r.i = k.i)
      )
      select k.i, k.title, k.body, k.project_id,
        (select json_agg(r.id) from recipients r where r.i = k.i) as recipients,
        (select count(*) from stored) + (select count(*) from shared) as writes
      from notice k`;
    const rows = rowsOf(await asSystem("task notices of every tenant", () => this.db.execute(statement)));
    for (const row of rows) {
      const n = batch[Number(row.i)]!;
      const recipients = (typeof row.recipients === "string" ? JSON.parse(row.recipients) : row.recipients) as
        | string[]
        | null;
      if (!recipients?.length) continue;
      const notice: Notice = {
        tenantId: n.tenantId,
        kind: n.kind,
        title: String(row.title),
        body: String(row.body),
        taskId: n.taskId,
        audience: { scope: "project", projectId: (row.project_id as string | null) ?? null },
      };
      await this.announce(notice, recipients, true);
    }
    for (const n of batch) n.done();
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
    await this.announce(notice, recipients, false);
    return recipients;
  }

  /**
   * A stored notice, to the live streams of every replica (`notified`: the statement that stored it sent it to them
   * already) and to the subscribers.
   */
  private async announce(notice: Notice, recipients: string[], notified: boolean): Promise<void> {
    this.created += recipients.length;
    this.deps.events.publish({
      type: "notification.created",
      tenantId: notice.tenantId,
      kind: notice.kind,
      title: notice.title,
      body: notice.body.slice(0, LIVE_BODY_CHARS),
      taskId: notice.taskId ?? null,
      hostId: notice.hostId ?? null,
      projectId: notice.audience.scope === "tenant" ? null : (notice.audience.projectId ?? ""),
      notified,
    });
    for (const listener of this.listeners) await Promise.resolve(listener(notice, recipients)).catch(() => {});
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
