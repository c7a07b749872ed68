/**
 * Live updates: one Server-Sent Events stream per client (`GET /api/web/events`), fed by the cluster's events
 * (lib/cluster-events.ts: PostgreSQL NOTIFY, so what happens on any replica reaches the streams of every replica).
 * Each stream belongs to one user: it hears only its tenant's events and only what that user may read — machines
 * (every user), tasks and their notices (the task's project members and the tenant admins; tasks without a project:
 * admins), the output lines of the one task it follows and the command changes of the one host it follows.
 *
 * Bounded: at most `maxConnectionsPerUser` streams per user (429 beyond); a stream whose client does not read
 * (more than `maxBufferedBytes` unsent) is dropped; a comment line every `heartbeatMs` keeps proxies and the client's
 * dead-stream detection happy. A stream ends (`event: bye`) when its credential expires or is revoked; the client
 * reconnects, reloads what it shows and goes on from there (no replay).
 */
import { withTenant } from "../../db/context";
import type { ClusterEvents, WatchedEvent } from "../../lib/cluster-events";
import { tooMany } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { Authenticator } from "../auth/authenticate";
import type { UserPrincipal } from "../auth/principal";
import type { ProjectMemberService } from "../projects/members";
import type { TaskService } from "../tasks/service";

export interface LiveSettings {
  liveHeartbeatMs: number;
  liveMaxConnectionsPerUser: number;
  liveMaxBufferedBytes: number;
  liveRecheckMs: number;
}

export interface LiveDeps {
  authenticator: Authenticator;
  tasks: TaskService;
  projectMembers: ProjectMemberService;
  settings: LiveSettings;
  onError: (msg: string, err: unknown) => void;
}

/** What one stream follows beyond the tenant-wide events. */
export interface Follow {
  taskId?: string;
  hostId?: string;
}

interface Connection {
  id: string;
  tenantId: string;
  userId: string;
  authorization: string;
  admin: boolean;
  /** The projects the user holds a role on (refreshed with every recheck). */
  projects: Set<string>;
  follow: Follow;
  expiresAt?: number;
  checkedAt: number;
  controller?: ReadableStreamDefaultController<Uint8Array>;
  closed: boolean;
}

const encoder = new TextEncoder();
const isAdmin = (p: UserPrincipal) => p.role === "admin" || p.isSuperadmin;
/** Events waiting for their lookups beyond this are dropped and every stream is told to reload (`resync`). */
const MAX_BACKLOG = 10_000;
const CACHE_LIMIT = 10_000;

export class LiveHub {
  private readonly byTenant = new Map<string, Set<Connection>>();
  private readonly perUser = new Map<string, number>();
  private chain: Promise<void> = Promise.resolve();
  private backlog = 0;
  private timer?: ReturnType<typeof setInterval>;
  /** The cluster's events (see `hear`), and how to stop hearing them while heard. */
  private cluster?: Pick<ClusterEvents, "subscribe">;
  private unsubscribe?: () => void;
  /** task id → project id (null: none); command id → its task (null: not a task stage). */
  private readonly taskProjects = new Map<string, string | null>();
  private readonly commandTasks = new Map<string, { taskId: string; projectId: string | null } | null>();
  /** Streams dropped because their client did not keep up (since start). */
  droppedSlow = 0;

  constructor(private readonly deps: LiveDeps) {}

  /** Starts sending heartbeats; the cluster's events are heard while a stream is open (see `hear`). */
  start(cluster: Pick<ClusterEvents, "subscribe">): void {
    this.cluster = cluster;
    this.timer = setInterval(() => this.tick(), this.deps.settings.liveHeartbeatMs);
  }

  /** Hears the cluster's events while some stream is open, not otherwise (it then need not even parse them). */
  private hear(): void {
    if (this.byTenant.size > 0 && !this.unsubscribe && this.cluster)
      this.unsubscribe = this.cluster.subscribe((event) => this.enqueue(event));
    else if (this.byTenant.size === 0 && this.unsubscribe) {
      this.unsubscribe();
      this.unsubscribe = undefined;
    }
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.cluster = undefined;
    clearInterval(this.timer);
    for (const conns of this.byTenant.values()) for (const c of conns) this.end(c, "server shutting down");
  }

  /** Open streams (all users), for tests and metrics. */
  get size(): number {
    let n = 0;
    for (const conns of this.byTenant.values()) n += conns.size;
    return n;
  }

  /** A new stream for `principal` (authenticated with `authorization`): 429 past the per-user limit. */
  async open(principal: UserPrincipal, authorization: string, follow: Follow, expiresAt?: Date): Promise<Response> {
    const { liveMaxConnectionsPerUser: max, liveMaxBufferedBytes: maxBytes, liveHeartbeatMs } = this.deps.settings;
    const open = this.perUser.get(principal.userId) ?? 0;
    if (open >= max) throw tooMany(5, `too many live streams (at most ${max} per user)`);
    const conn: Connection = {
      id: newId("live"),
      tenantId: principal.tenantId,
      userId: principal.userId,
      authorization,
      admin: isAdmin(principal),
      projects: new Set(await this.projectsOf(principal)),
      follow,
      expiresAt: expiresAt?.getTime(),
      checkedAt: Date.now(),
      closed: false,
    };
    this.perUser.set(conn.userId, (this.perUser.get(conn.userId) ?? 0) + 1);
    const conns = this.byTenant.get(conn.tenantId) ?? new Set<Connection>();
    this.byTenant.set(conn.tenantId, conns);
    conns.add(conn);
    this.hear();
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          conn.controller = controller;
          this.send(conn, "ready", { id: conn.id, heartbeatMs: liveHeartbeatMs, follow });
        },
        cancel: () => this.remove(conn),
      },
      // Counted in bytes: what the client has not read yet (Bun pulls only as the socket drains).
      { highWaterMark: maxBytes, size: (chunk) => chunk?.byteLength ?? 0 },
    );
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  }

  private remove(conn: Connection): void {
    if (conn.closed) return;
    conn.closed = true;
    const conns = this.byTenant.get(conn.tenantId);
    conns?.delete(conn);
    if (conns?.size === 0) this.byTenant.delete(conn.tenantId);
    this.hear();
    const n = (this.perUser.get(conn.userId) ?? 1) - 1;
    if (n <= 0) this.perUser.delete(conn.userId);
    else this.perUser.set(conn.userId, n);
  }

  /** Ends a stream with a last `bye` event (the client reconnects, with a fresh credential if it needs one). */
  private end(conn: Connection, reason: string): void {
    if (conn.closed) return;
    this.send(conn, "bye", { reason });
    this.remove(conn);
    try {
      conn.controller?.close();
    } catch {}
  }

  private write(conn: Connection, text: string): void {
    if (conn.closed || !conn.controller) return;
    try {
      conn.controller.enqueue(encoder.encode(text));
    } catch {
      return this.remove(conn);
    }
    const room = conn.controller.desiredSize;
    if (room !== null && room < 0) {
      // The client does not read: drop it now (its unsent events are discarded), it reconnects and reloads.
      this.droppedSlow++;
      this.remove(conn);
      try {
        conn.controller.error(new Error("live stream dropped: the client is not keeping up"));
      } catch {}
    }
  }

  private send(conn: Connection, event: string, data: unknown): void {
    this.write(conn, `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Heartbeats; credentials past their expiry end their streams; periodic rechecks of credential and roles. */
  private tick(): void {
    const now = Date.now();
    for (const conns of this.byTenant.values())
      for (const conn of [...conns]) {
        if (conn.expiresAt !== undefined && conn.expiresAt <= now) {
          this.end(conn, "credential expired");
          continue;
        }
        this.write(conn, `: ${now}\n\n`);
        if (now - conn.checkedAt >= this.deps.settings.liveRecheckMs) void this.recheck(conn);
      }
  }

  /** The stream's credential must still be valid (revoked, disabled: ended) and its roles current. */
  private async recheck(conn: Connection): Promise<void> {
    conn.checkedAt = Date.now();
    try {
      const principal = await this.deps.authenticator.user(conn.authorization).catch(() => undefined);
      if (!principal || principal.userId !== conn.userId) return this.end(conn, "credential revoked");
      conn.admin = isAdmin(principal);
      conn.projects = new Set(await this.projectsOf(principal));
    } catch (err) {
      this.deps.onError("live stream recheck failed", err);
    }
  }

  private projectsOf(principal: UserPrincipal): Promise<string[]> {
    if (isAdmin(principal)) return Promise.resolve([]);
    return withTenant(principal.tenantId, () =>
      this.deps.projectMembers.projectIdsOf(principal.tenantId, principal.userId),
    );
  }

  /** Events are handled one at a time, in the order the cluster delivered them (lookups are awaited in order). */
  private enqueue(event: WatchedEvent): void {
    if (!this.byTenant.has(event.tenantId)) return;
    if (this.backlog >= MAX_BACKLOG) return this.overflow();
    this.backlog++;
    this.chain = this.chain
      .then(() => this.dispatch(event))
      .catch((err) => this.deps.onError("live event dispatch failed", err))
      .finally(() => {
        this.backlog--;
      });
  }

  private overflowing = false;
  private overflow(): void {
    if (this.overflowing) return;
    this.overflowing = true;
    // Tell every stream to reload once the backlog has been worked off.
    this.chain = this.chain.then(() => {
      this.overflowing = false;
      for (const conns of this.byTenant.values()) for (const c of conns) this.send(c, "resync", {});
    });
  }

  private visible(conn: Connection, projectId: string | null): boolean {
    return conn.admin || (projectId !== null && conn.projects.has(projectId));
  }

  private async dispatch(event: WatchedEvent): Promise<void> {
    if (event.type === "session.revoked") {
      for (const c of this.byTenant.get(event.tenantId) ?? []) if (c.userId === event.userId) await this.recheck(c);
      return;
    }
    const conns = this.byTenant.get(event.tenantId);
    if (!conns?.size) return;
    switch (event.type) {
      case "host.status":
        for (const c of conns)
          this.send(c, "machine", { hostId: event.hostId, status: event.status, previous: event.previous });
        return;
      case "host.changed":
        for (const c of conns) this.send(c, "machine", { hostId: event.hostId, draining: event.draining });
        return;
      case "command.transition":
        for (const c of conns)
          if (c.follow.hostId === event.hostId)
            this.send(c, "command", { hostId: event.hostId, commandId: event.commandId, status: event.status });
        return;
      case "task.transition": {
        const projectId = await this.taskProject(event.tenantId, event.taskId);
        if (projectId === undefined) return;
        for (const c of conns)
          if (this.visible(c, projectId)) this.send(c, "task", { taskId: event.taskId, status: event.status });
        return;
      }
      case "command.log": {
        if (![...conns].some((c) => c.follow.taskId)) return;
        const task = await this.commandTask(event.tenantId, event.commandId);
        if (!task) return;
        for (const c of conns)
          if (c.follow.taskId === task.taskId && this.visible(c, task.projectId))
            this.send(c, "log", {
              taskId: task.taskId,
              commandId: event.commandId,
              stream: event.stream,
              line: event.line,
              atMs: event.atMs,
            });
        return;
      }
      case "notification.created": {
        const { kind, title, body, taskId, hostId, projectId } = event;
        for (const c of conns)
          if (projectId === null || this.visible(c, projectId))
            this.send(c, "notification", { kind, title, body, taskId, hostId });
        return;
      }
    }
  }

  private async taskProject(tenantId: string, taskId: string): Promise<string | null | undefined> {
    if (this.taskProjects.has(taskId)) return this.taskProjects.get(taskId);
    const projectId = await withTenant(tenantId, () => this.deps.tasks.projectOf(tenantId, taskId));
    if (projectId === undefined) return undefined;
    if (this.taskProjects.size >= CACHE_LIMIT) this.taskProjects.clear();
    this.taskProjects.set(taskId, projectId);
    return projectId;
  }

  private async commandTask(tenantId: string, commandId: string) {
    if (this.commandTasks.has(commandId)) return this.commandTasks.get(commandId) ?? undefined;
    const task = await withTenant(tenantId, () => this.deps.tasks.taskOfCommand(tenantId, commandId));
    if (this.commandTasks.size >= CACHE_LIMIT) this.commandTasks.clear();
    this.commandTasks.set(commandId, task ?? null);
    return task;
  }
}
