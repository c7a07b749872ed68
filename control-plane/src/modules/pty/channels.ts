/**
 * Task terminals and workspace tunnels, on any replica (README "Terminals (PTY)" and "Workspace tunnels").
 *
 * A channel joins an operator's websocket (`WS /ws/pty/:taskId`, `WS /ws/tunnel/:taskId`) and the websocket the
 * task's agent dials back (`WS /api/workers/pty/:taskId`). The two may reach different replicas: each side relays
 * its frames through the shared MQTT broker (`edge-cp/ch/<channelId>/up` operator → worker, `…/down` worker →
 * operator; QoS 1, ordered), so nothing depends on which replica holds the agent's session. The agent is asked to
 * dial by a forwarded runtime request (its gRPC session, else its MQTT topic — an agent on MQTT only serves terminals
 * too). Tokens live in `pty_channels`, hashed, single use (atomic UPDATE … RETURNING), short-lived.
 *
 * Relay frames: byte 0 = 0 data (the rest: raw bytes), 1 control (the rest: JSON) — down: `ready`, `exit
 * {code, error?}`; up: `resize {cols, rows}`, `close`.
 */
import { and, desc, eq, gt, isNull, sql } from "drizzle-orm";
import type { Db } from "../../db/connect";
import { withTenant } from "../../db/context";
import { ptyChannels, workspaceTunnels } from "../../db/schema";
import { conflict, DomainError, forbidden, invalid, notFound, unauthenticated, unavailable } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret } from "../../lib/secrets";
import type { Logger } from "@edge/proto/log";
import type { AgentService } from "../agents/service";
import type { AuditService } from "../audit/service";
import type { UserPrincipal } from "../auth/principal";
import type { RuntimePrincipal } from "../runtime/principal";
import type { TaskService } from "../tasks/service";

export const TASK_PTY_TOKEN_PREFIX = "pty_ct_";
export const WORKER_CHANNEL_TOKEN_PREFIX = "pty_wt_";
/** The agent's path for channel requests (forwarded like runtime API calls; served by the agent itself). */
export const AGENT_CHANNEL_PATH = "/api/v1/internal/tasks";
/** At most this much of a terminal's output goes to the task's logs. */
export const TRANSCRIPT_MAX_BYTES = 64 * 1024;

/** Frames between replicas over the shared broker (the MQTT bridge): ordered per topic, QoS 1. */
export interface Relay {
  publish(topic: string, payload: Uint8Array): void;
  /** Resolves once the broker has the subscription (SUBACK): nothing published after that is missed. */
  subscribe(topic: string, handler: (payload: Uint8Array) => void): Promise<() => void>;
}

export interface ChannelSink {
  /** The far end is ready (the shell runs, the TCP connection is up). */
  ready(): void;
  data(bytes: Uint8Array): void;
  exited(code: number, error: string): void;
}

export interface ChannelHandle {
  write(bytes: Uint8Array): void;
  resize(cols: number, rows: number): void;
  close(): void;
}

/** What the worker side passes on to the agent's websocket. */
export interface WorkerSink {
  data(bytes: Uint8Array): void;
  control(frame: Record<string, unknown>): void;
}

export interface WorkerHandle {
  kind: "pty" | "tunnel";
  /** A frame of the agent: output bytes, or `ready` / `exit`. */
  fromAgent(frame: Uint8Array | Record<string, unknown>): void;
  /** The agent's websocket closed. */
  closed(): void;
}

type Channel = typeof ptyChannels.$inferSelect;
type Tunnel = typeof workspaceTunnels.$inferSelect;

const topicOf = (id: string, way: "up" | "down") => `edge-cp/ch/${id}/${way}`;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const dataFrame = (bytes: Uint8Array) => {
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes, 1);
  return out;
};
const controlFrame = (frame: Record<string, unknown>) => {
  const json = encoder.encode(JSON.stringify(frame));
  const out = new Uint8Array(json.length + 1);
  out[0] = 1;
  out.set(json, 1);
  return out;
};
function parseFrame(payload: Uint8Array): Uint8Array | Record<string, unknown> | undefined {
  if (payload.length === 0) return undefined;
  if (payload[0] === 0) return payload.subarray(1);
  try {
    const value = JSON.parse(decoder.decode(payload.subarray(1)));
    return value && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Control sequences and carriage returns out; what a reader of the logs wants to see. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escape sequences are control characters.
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r/g;
export function transcriptLines(text: string): string[] {
  const lines = text.replace(ANSI, "").split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map((line) => line.slice(0, 4000));
}

const tunnelView = (row: Tunnel) => ({
  id: row.id,
  taskId: row.taskId,
  machineId: row.hostId,
  port: row.port,
  status: row.status,
  connections: row.connections,
  createdBy: row.userId,
  createdAt: row.createdAt,
  stoppedAt: row.stoppedAt,
});

export interface ChannelOptions {
  /** Operator tokens (pty-token) and worker tokens are valid this long. */
  tokenTtlMs: number;
  /** The machine must connect the channel within this long. */
  connectTimeoutMs: number;
}

export class TaskChannels {
  private relay?: Relay;

  constructor(
    private readonly db: Db,
    private readonly deps: { tasks: TaskService; agents: AgentService; audit: AuditService; log: Logger },
    private readonly opts: ChannelOptions = { tokenTtlMs: 60_000, connectTimeoutMs: 20_000 },
  ) {}

  setRelay(relay: Relay): void {
    this.relay = relay;
  }

  /** The task's machine, or 409 when it has none. */
  private async machine(tenantId: string, taskId: string) {
    const task = await this.deps.tasks.machineOf(tenantId, taskId);
    if (!task.hostId) throw conflict("the task has no machine yet (it is not assigned)");
    return { ...task, hostId: task.hostId };
  }

  /** `POST /api/web/tasks/:id/pty-token`: a single-use operator token bound to the task and the user. */
  async issue(principal: UserPrincipal, taskId: string) {
    const task = await this.machine(principal.tenantId, taskId);
    const channelToken = newSecret(TASK_PTY_TOKEN_PREFIX);
    const expiresAt = new Date(Date.now() + this.opts.tokenTtlMs);
    await this.db.insert(ptyChannels).values({
      id: newId("pch"),
      tenantId: principal.tenantId,
      taskId,
      hostId: task.hostId,
      userId: principal.userId,
      kind: "pty",
      operatorTokenHash: hashSecret(channelToken),
      operatorExpiresAt: expiresAt,
    });
    // Spent and expired tokens of the tenant go (bounded: the table does not grow with use).
    await this.db
      .delete(ptyChannels)
      .where(
        and(
          eq(ptyChannels.tenantId, principal.tenantId),
          sql`${ptyChannels.operatorExpiresAt} < now() - interval '1 day'`,
        ),
      );
    return { channelToken, expiresAt, machineId: task.hostId };
  }

  /**
   * Redeems an operator token (once: the UPDATE that marks it used is the check) for the user on the task; a token
   * of another user, task or tenant, used or expired, is the same 401 and stays unspent.
   */
  private async redeemOperator(principal: UserPrincipal, taskId: string, channelToken: string): Promise<Channel> {
    const [row] = await withTenant(principal.tenantId, () =>
      this.db
        .update(ptyChannels)
        .set({ operatorUsedAt: new Date() })
        .where(
          and(
            eq(ptyChannels.operatorTokenHash, hashSecret(channelToken)),
            eq(ptyChannels.tenantId, principal.tenantId),
            eq(ptyChannels.taskId, taskId),
            eq(ptyChannels.userId, principal.userId),
            isNull(ptyChannels.operatorUsedAt),
            gt(ptyChannels.operatorExpiresAt, sql`now()`),
          ),
        )
        .returning(),
    );
    if (!row) throw unauthenticated("invalid, expired or used channel token");
    return row;
  }

  /** A tunnel connection: the user's (or a tenant admin's) active tunnel of the task → a fresh channel. */
  private async tunnelChannel(principal: UserPrincipal, taskId: string, tunnelId: string): Promise<Channel> {
    return withTenant(principal.tenantId, async () => {
      const [tunnel] = await this.db
        .select()
        .from(workspaceTunnels)
        .where(
          and(
            eq(workspaceTunnels.id, tunnelId),
            eq(workspaceTunnels.tenantId, principal.tenantId),
            eq(workspaceTunnels.taskId, taskId),
          ),
        );
      if (!tunnel) throw notFound("tunnel");
      if (tunnel.status !== "active") throw conflict("the tunnel is stopped");
      const admin = principal.role === "admin" || principal.isSuperadmin;
      if (!admin && tunnel.userId !== principal.userId) throw forbidden("the tunnel is another user's");
      const now = new Date();
      const [row] = await this.db
        .insert(ptyChannels)
        .values({
          id: newId("pch"),
          tenantId: principal.tenantId,
          taskId,
          hostId: tunnel.hostId,
          userId: principal.userId,
          kind: "tunnel",
          port: tunnel.port,
          tunnelId: tunnel.id,
          operatorExpiresAt: now,
          operatorUsedAt: now,
        })
        .returning();
      return row!;
    });
  }

  /**
   * The operator's side: redeems the token (or the tunnel), listens on the channel's down topic, asks the task's
   * agent to dial back, and returns the handle the operator's frames go to. Input before the far end is ready is
   * held (a tunnel's client may speak first).
   */
  async openOperator(
    principal: UserPrincipal,
    taskId: string,
    how: { channelToken: string } | { tunnelId: string },
    size: { cols: number; rows: number },
    sink: ChannelSink,
  ): Promise<ChannelHandle> {
    const relay = this.relay;
    if (!relay) throw unavailable("no broker to relay the channel");
    const channel =
      "channelToken" in how
        ? await this.redeemOperator(principal, taskId, how.channelToken)
        : await this.tunnelChannel(principal, taskId, how.tunnelId);
    const workerToken = newSecret(WORKER_CHANNEL_TOKEN_PREFIX);
    await withTenant(principal.tenantId, () =>
      this.db
        .update(ptyChannels)
        .set({ workerTokenHash: hashSecret(workerToken), workerExpiresAt: new Date(Date.now() + this.opts.tokenTtlMs) })
        .where(eq(ptyChannels.id, channel.id)),
    );
    let state: "connecting" | "ready" | "done" = "connecting";
    const held: Uint8Array[] = [];
    let unsubscribe: (() => void) | undefined;
    const up = topicOf(channel.id, "up");
    const end = (code: number, error: string) => {
      if (state === "done") return;
      state = "done";
      clearTimeout(timer);
      unsubscribe?.();
      sink.exited(code, error);
    };
    const timer = setTimeout(
      () => {
        if (state !== "connecting") return;
        relay.publish(up, controlFrame({ type: "close" }));
        end(-1, "the machine did not connect the channel in time");
      },
      this.opts.connectTimeoutMs + this.opts.tokenTtlMs / 4,
    );
    unsubscribe = await relay.subscribe(topicOf(channel.id, "down"), (payload) => {
      const frame = parseFrame(payload);
      if (!frame || state === "done") return;
      if (frame instanceof Uint8Array) return sink.data(frame);
      if (frame.type === "ready" && state === "connecting") {
        state = "ready";
        sink.ready();
        for (const bytes of held.splice(0)) relay.publish(up, dataFrame(bytes));
        return;
      }
      if (frame.type === "exit")
        return end(
          typeof frame.code === "number" ? frame.code : -1,
          typeof frame.error === "string" ? frame.error : "",
        );
    });
    try {
      await this.askAgent(principal.tenantId, channel, workerToken, size);
    } catch (error) {
      state = "done";
      clearTimeout(timer);
      unsubscribe();
      throw error;
    }
    return {
      write: (bytes) => {
        if (state === "ready") relay.publish(up, dataFrame(bytes));
        else if (state === "connecting" && held.length < 1_000) held.push(bytes);
      },
      resize: (cols, rows) => {
        if (state !== "done") relay.publish(up, controlFrame({ type: "resize", cols, rows }));
      },
      close: () => {
        if (state === "done") return;
        relay.publish(up, controlFrame({ type: "close" }));
        state = "done";
        clearTimeout(timer);
        unsubscribe?.();
      },
    };
  }

  /** Asks the task's agent to dial the worker websocket with the worker token; its refusal is the caller's error. */
  private async askAgent(
    tenantId: string,
    channel: Channel,
    workerToken: string,
    size: { cols: number; rows: number },
  ): Promise<void> {
    const body = {
      channelId: channel.id,
      channelToken: workerToken,
      kind: channel.kind,
      ...(channel.port ? { port: channel.port } : {}),
      cols: size.cols,
      rows: size.rows,
    };
    const answer = await this.call(tenantId, channel.hostId, "POST", `${channel.taskId}/channels`, body);
    if (answer.status >= 400) throw agentError(answer.status, answer.body);
  }

  /** One request to the agent's channel API (forwarded over its session or MQTT); bounded in time. */
  private async call(tenantId: string, hostId: string, method: string, path: string, body?: unknown) {
    const response = await withTenant(tenantId, () =>
      this.deps.agents.forwardRuntime(tenantId, hostId, {
        method,
        path: `${AGENT_CHANNEL_PATH}/${path}`,
        body: body === undefined ? new Uint8Array() : encoder.encode(JSON.stringify(body)),
        contentType: body === undefined ? "" : "application/json",
      }),
    );
    const text = await new Response(response.body).text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: response.status, body: parsed };
  }

  /**
   * The worker's side (`WS /api/workers/pty/:taskId`): the agent's runtime token and the worker token, redeemed
   * once, for this task on this agent's machine. The agent's frames go down, the operator's come up to `sink`. At
   * the end a terminal's transcript (bounded) goes to the task's logs and the session to the audit trail.
   */
  async openWorker(workerJwt: string, taskId: string, channelToken: string, sink: WorkerSink): Promise<WorkerHandle> {
    const relay = this.relay;
    if (!relay) throw unavailable("no broker to relay the channel");
    const principal: RuntimePrincipal | undefined = await this.deps.agents.authenticate(workerJwt);
    if (!principal) throw unauthenticated("invalid, expired or revoked worker token");
    const [channel] = await withTenant(principal.tenantId, () =>
      this.db
        .update(ptyChannels)
        .set({ workerUsedAt: new Date() })
        .where(
          and(
            eq(ptyChannels.workerTokenHash, hashSecret(channelToken)),
            eq(ptyChannels.tenantId, principal.tenantId),
            eq(ptyChannels.hostId, principal.hostId),
            eq(ptyChannels.taskId, taskId),
            isNull(ptyChannels.workerUsedAt),
            gt(ptyChannels.workerExpiresAt, sql`now()`),
          ),
        )
        .returning(),
    );
    if (!channel) throw unauthenticated("invalid, expired or used channel token");
    const started = Date.now();
    const transcript: Uint8Array[] = [];
    let transcriptBytes = 0;
    let bytesOut = 0;
    let bytesIn = 0;
    let done = false;
    const down = topicOf(channel.id, "down");
    const unsubscribe = await relay.subscribe(topicOf(channel.id, "up"), (payload) => {
      const frame = parseFrame(payload);
      if (!frame || done) return;
      if (frame instanceof Uint8Array) {
        bytesIn += frame.length;
        return sink.data(frame);
      }
      if (frame.type === "resize" || frame.type === "close") sink.control(frame);
    });
    const finish = (code: number, error: string) => {
      if (done) return;
      done = true;
      unsubscribe();
      relay.publish(down, controlFrame({ type: "exit", code, ...(error ? { error } : {}) }));
      void this.record(channel, {
        exitCode: code,
        error,
        durationMs: Date.now() - started,
        bytesIn,
        bytesOut,
        transcript,
        truncated: bytesOut > transcriptBytes,
      }).catch((err) => this.deps.log.error(`recording channel ${channel.id}`, err));
    };
    return {
      kind: channel.kind,
      fromAgent: (frame) => {
        if (done) return;
        if (frame instanceof Uint8Array) {
          bytesOut += frame.length;
          if (channel.kind === "pty" && transcriptBytes < TRANSCRIPT_MAX_BYTES) {
            const kept = frame.subarray(0, TRANSCRIPT_MAX_BYTES - transcriptBytes);
            transcript.push(kept.slice());
            transcriptBytes += kept.length;
          }
          return relay.publish(down, dataFrame(frame));
        }
        if (frame.type === "ready") return relay.publish(down, controlFrame({ type: "ready" }));
        if (frame.type === "exit")
          return finish(
            typeof frame.code === "number" ? frame.code : -1,
            typeof frame.error === "string" ? frame.error : "",
          );
      },
      closed: () => finish(-1, "the machine closed the channel"),
    };
  }

  /** The session's end: transcript to the task's logs (terminals), the audit trail, the channel closed. */
  private async record(
    channel: Channel,
    end: {
      exitCode: number;
      error: string;
      durationMs: number;
      bytesIn: number;
      bytesOut: number;
      transcript: Uint8Array[];
      truncated: boolean;
    },
  ): Promise<void> {
    await withTenant(channel.tenantId, async () => {
      let lines: string[] = [];
      if (channel.kind === "pty") {
        lines = transcriptLines(decoder.decode(Buffer.concat(end.transcript)));
        lines.unshift(`[terminal ${channel.id} opened by ${channel.userId}]`);
        if (end.truncated) lines.push(`[transcript truncated at ${TRANSCRIPT_MAX_BYTES} bytes]`);
        lines.push(`[terminal ${channel.id} ended: exit code ${end.exitCode}${end.error ? `, ${end.error}` : ""}]`);
        await this.deps.tasks.appendSessionLog(channel.tenantId, channel.taskId, channel.id, "pty", lines);
      } else if (channel.tunnelId) {
        await this.db
          .update(workspaceTunnels)
          .set({ connections: sql`${workspaceTunnels.connections} + 1` })
          .where(eq(workspaceTunnels.id, channel.tunnelId));
      }
      await this.db.update(ptyChannels).set({ closedAt: new Date() }).where(eq(ptyChannels.id, channel.id));
      await this.deps.audit.record({
        tenantId: channel.tenantId,
        hostId: channel.hostId,
        actor: channel.userId,
        action: channel.kind === "pty" ? "task.pty_session" : "task.tunnel_connection",
        target: channel.taskId,
        detail: {
          channelId: channel.id,
          exitCode: end.exitCode,
          error: end.error || undefined,
          durationMs: end.durationMs,
          bytesIn: end.bytesIn,
          bytesOut: end.bytesOut,
          ...(channel.kind === "pty" ? { transcriptLines: lines.length, truncated: end.truncated } : {}),
          ...(channel.port ? { port: channel.port, tunnelId: channel.tunnelId } : {}),
        },
      });
    });
  }

  /**
   * `POST /api/web/workspace-tunnel/:taskId/start {port}`: the machine's safety policy is asked first (kind
   * `tunnel`, params `{taskId, port}`); starting a tunnel that is already active returns it.
   */
  async startTunnel(principal: UserPrincipal, taskId: string, port: number) {
    const task = await this.machine(principal.tenantId, taskId);
    const [existing] = await this.db
      .select()
      .from(workspaceTunnels)
      .where(
        and(
          eq(workspaceTunnels.tenantId, principal.tenantId),
          eq(workspaceTunnels.taskId, taskId),
          eq(workspaceTunnels.port, port),
          eq(workspaceTunnels.status, "active"),
        ),
      );
    if (existing) return { created: false, tunnel: tunnelView(existing) };
    const answer = await this.call(principal.tenantId, task.hostId, "POST", `${taskId}/tunnel-check`, { port });
    if (answer.status >= 400) throw agentError(answer.status, answer.body);
    const [row] = await this.db
      .insert(workspaceTunnels)
      .values({
        id: newId("tun"),
        tenantId: principal.tenantId,
        taskId,
        hostId: task.hostId,
        userId: principal.userId,
        port,
      })
      .onConflictDoNothing()
      .returning();
    if (!row) throw conflict("a tunnel to this port was started at the same time");
    return { created: true, tunnel: tunnelView(row) };
  }

  /** Stops the task's active tunnels (of `port` only, when given); their open connections are closed. */
  async stopTunnel(tenantId: string, taskId: string, port?: number) {
    await this.deps.tasks.machineOf(tenantId, taskId);
    const stopped = await this.db
      .update(workspaceTunnels)
      .set({ status: "stopped", stoppedAt: new Date() })
      .where(
        and(
          eq(workspaceTunnels.tenantId, tenantId),
          eq(workspaceTunnels.taskId, taskId),
          eq(workspaceTunnels.status, "active"),
          port === undefined ? undefined : eq(workspaceTunnels.port, port),
        ),
      )
      .returning();
    for (const tunnel of stopped) {
      const open = await this.db
        .select({ id: ptyChannels.id })
        .from(ptyChannels)
        .where(and(eq(ptyChannels.tunnelId, tunnel.id), isNull(ptyChannels.closedAt)));
      for (const channel of open) this.relay?.publish(topicOf(channel.id, "up"), controlFrame({ type: "close" }));
    }
    return { stopped: stopped.length, ...(await this.tunnelStatus(tenantId, taskId)) };
  }

  /** The task's tunnels, newest first (at most 50). */
  async tunnelStatus(tenantId: string, taskId: string) {
    await this.deps.tasks.machineOf(tenantId, taskId);
    const rows = await this.db
      .select()
      .from(workspaceTunnels)
      .where(and(eq(workspaceTunnels.tenantId, tenantId), eq(workspaceTunnels.taskId, taskId)))
      .orderBy(desc(workspaceTunnels.createdAt))
      .limit(50);
    return { taskId, active: rows.some((r) => r.status === "active"), tunnels: rows.map(tunnelView) };
  }

  /**
   * `GET /api/web/workspaces/:taskId`: the task's machine and, when its agent answers (within a few seconds), the
   * task's workspace there (created on first use by a terminal).
   */
  async workspace(tenantId: string, taskId: string) {
    const task = await this.deps.tasks.machineOf(tenantId, taskId);
    const base = { taskId, status: task.status, machineId: task.hostId };
    if (!task.hostId) return { ...base, reachable: false, workspace: null, error: "the task has no machine yet" };
    const hostId = task.hostId;
    try {
      const answer = await Promise.race([
        this.call(tenantId, hostId, "GET", `${taskId}/workspace`),
        Bun.sleep(5_000).then(() => {
          throw unavailable("the machine did not answer in time");
        }),
      ]);
      if (answer.status >= 400)
        return { ...base, reachable: true, workspace: null, error: String(answer.body.error ?? answer.status) };
      return { ...base, reachable: true, workspace: answer.body as unknown as WorkspaceInfo };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { ...base, reachable: false, workspace: null, error: error.message };
    }
  }
}

export interface WorkspaceInfo {
  id: string | null;
  dir: string;
  exists: boolean;
  entries: number;
}

function agentError(status: number, body: Record<string, unknown>): DomainError {
  const message = typeof body.error === "string" ? body.error : `the machine answered ${status}`;
  if (status === 403) return forbidden(message);
  if (status === 400) return invalid(message);
  if (status === 404) return notFound("the machine's channel service");
  if (status === 409) return conflict(message);
  return unavailable(message);
}
