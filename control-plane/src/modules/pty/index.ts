/**
 * Interactive terminals and tunnels (README "Terminals (PTY)", "Workspace tunnels"). Task terminals and tunnels
 * (any replica, ./channels.ts): `POST /api/web/tasks/:id/pty-token`, `WS /ws/pty/:taskId`, `WS /ws/tunnel/:taskId`,
 * and the agent's `WS /api/workers/pty/:taskId`. Host terminals: `POST /api/v1/hosts/:id/pty-token` issues a single-use channel token
 * (tenant admins; audited; 404 for another tenant's host, 503 when its agent has no live session here), then
 * `WS /ws/pty/:hostId` carries the terminal. First frame: `{"type":"auth","token":"<bearer>","channelToken":"...",
 * "cols":80,"rows":24}`. Then binary frames (or `{"type":"input","data":"..."}`) are keyboard input and
 * `{"type":"resize","cols","rows"}` resizes; the server sends `{"type":"ready"}`, output as binary frames and, at the
 * end, `{"type":"exit","code":N,"error"?}` before closing. Refusals: `{"type":"error","status","error"}`, then close.
 */
import { Elysia, t } from "elysia";
import { Obj, responses, Timestamp } from "../../http/responses";
import { DomainError } from "../../lib/errors";
import type { Services } from "../../services";
import { requireUser } from "../auth/authenticate";
import type { PtyHandle } from "../agents/service";
import type { ChannelHandle, WorkerHandle } from "./channels";

export { PtyService } from "./service";

const Params = t.Object({ id: t.String({ minLength: 1, maxLength: 100 }) });
const TokenResponse = Obj({
  channelToken: t.String(),
  expiresAt: Timestamp,
  /** Where to open the websocket (path on this control plane). */
  websocket: t.String(),
});

export const ptyTokenController = ({ authenticator, pty }: Services) =>
  new Elysia({ prefix: "/api/v1/hosts", tags: ["hosts"] }).use(requireUser(authenticator)).post(
    "/:id/pty-token",
    async ({ principal, params, set }) => {
      const grant = await pty.issue(principal, params.id);
      set.status = 201;
      return { ...grant, websocket: `/ws/pty/${encodeURIComponent(params.id)}` };
    },
    {
      params: Params,
      response: responses({ 201: TokenResponse }),
      detail: { summary: "A single-use channel token for a terminal on the host (WS /ws/pty/:hostId)" },
    },
  );

const TaskParams = t.Object({ taskId: t.String({ minLength: 1, maxLength: 100 }) });
const TaskTokenResponse = Obj({
  channelToken: t.String(),
  expiresAt: Timestamp,
  machineId: t.String(),
  /** Where to open the websocket (path on any replica). */
  websocket: t.String(),
});
const TunnelView = Obj({
  id: t.String(),
  taskId: t.String(),
  machineId: t.String(),
  port: t.Integer(),
  status: t.String(),
  connections: t.Integer({ description: "connections served and ended so far" }),
  createdBy: t.String(),
  createdAt: Timestamp,
  stoppedAt: t.Nullable(Timestamp),
});
const TunnelStatus = Obj({ taskId: t.String(), active: t.Boolean(), tunnels: t.Array(TunnelView) });
const TunnelStarted = Obj({
  tunnel: TunnelView,
  /** Each TCP connection opens this websocket (first frame `{"type":"auth","token","tunnelId"}`). */
  websocket: t.String(),
});
const Port = t.Integer({ minimum: 1, maximum: 65535 });
const WorkspaceView = Obj({
  taskId: t.String(),
  status: t.String(),
  machineId: t.Nullable(t.String()),
  reachable: t.Boolean({ description: "the machine's agent answered" }),
  workspace: t.Nullable(
    Obj({
      id: t.Nullable(t.String({ description: "the workspace runtime's id, when the agent runs one" })),
      dir: t.String(),
      exists: t.Boolean(),
      entries: t.Integer(),
    }),
  ),
  error: t.Optional(t.String()),
});

/**
 * Task terminals, workspaces and tunnels (worker-orchestrator reference paths). Who may: the permission table
 * (maintainers of the task's project open terminals and tunnels, viewers read; tenant admins all).
 */
export const taskChannelsController = ({ authenticator, pty }: Services) =>
  new Elysia({ tags: ["tasks"] })
    .use(requireUser(authenticator))
    .post(
      "/api/web/tasks/:id/pty-token",
      async ({ principal, params, set }) => {
        const grant = await pty.tasks.issue(principal, params.id);
        set.status = 201;
        return { ...grant, websocket: `/ws/pty/${encodeURIComponent(params.id)}` };
      },
      {
        params: Params,
        response: responses({ 201: TaskTokenResponse }),
        detail: { summary: "A single-use channel token for a terminal in the task's workspace (WS /ws/pty/:taskId)" },
      },
    )
    .get(
      "/api/web/workspaces/:taskId",
      ({ principal, params }) => pty.tasks.workspace(principal.tenantId, params.taskId),
      {
        params: TaskParams,
        response: responses({ 200: WorkspaceView }),
        detail: { summary: "The task's machine and its workspace there" },
      },
    )
    .post(
      "/api/web/workspace-tunnel/:taskId/start",
      async ({ principal, params, body, set }) => {
        const { created, tunnel } = await pty.tasks.startTunnel(principal, params.taskId, body.port);
        set.status = created ? 201 : 200;
        return { tunnel, websocket: `/ws/tunnel/${encodeURIComponent(params.taskId)}` };
      },
      {
        params: TaskParams,
        body: t.Object({ port: Port }, { additionalProperties: false }),
        response: responses({ 200: TunnelStarted, 201: TunnelStarted }),
        detail: { summary: "Start a TCP tunnel to a port on the task's machine" },
      },
    )
    .post(
      "/api/web/workspace-tunnel/:taskId/stop",
      ({ principal, params, body }) => pty.tasks.stopTunnel(principal.tenantId, params.taskId, body?.port),
      {
        params: TaskParams,
        body: t.Optional(t.Object({ port: t.Optional(Port) }, { additionalProperties: false })),
        response: responses({ 200: Obj({ stopped: t.Integer(), ...TunnelStatus.properties }) }),
        detail: { summary: "Stop the task's tunnels (of one port, when given); open connections close" },
      },
    )
    .get(
      "/api/web/workspace-tunnel/:taskId/status",
      ({ principal, params }) => pty.tasks.tunnelStatus(principal.tenantId, params.taskId),
      {
        params: TaskParams,
        response: responses({ 200: TunnelStatus }),
        detail: { summary: "The task's tunnels" },
      },
    );

const STATUS: Record<string, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  timeout: 504,
};
const isAdmin = (p: { role: string; isSuperadmin: boolean }) => p.role === "admin" || p.isSuperadmin;

interface Conn {
  state: "auth" | "opening" | "open" | "done";
  handle?: PtyHandle | ChannelHandle;
  /** Frames that came while the channel opened (the far end may be ready before the opening call returns). */
  early?: unknown[];
}

type Socket = {
  id: string;
  send(data: string | Uint8Array): unknown;
  close(code?: number, reason?: string): unknown;
  data: { params: Record<string, string> };
};

/** Elysia sends a Buffer as binary but JSON-encodes any other object, a plain Uint8Array included. */
const asBuffer = (bytes: Uint8Array) =>
  Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

const num = (v: unknown, fallback: number) =>
  typeof v === "number" && Number.isInteger(v) && v > 0 && v <= 1000 ? v : fallback;

export const ptySocketController = ({ authenticator, pty, log }: Services) => {
  const conns = new Map<string, Conn>();
  const fail = (ws: Socket, status: number, error: string) => {
    const conn = conns.get(ws.id);
    if (conn) conn.state = "done";
    ws.send(JSON.stringify({ type: "error", status, error }));
    ws.close(4000 + status, error.slice(0, 100));
  };
  const asText = (message: unknown): string | undefined =>
    typeof message === "string"
      ? message
      : message && typeof message === "object" && !(message instanceof Uint8Array)
        ? JSON.stringify(message)
        : undefined;
  const parse = (message: unknown): Record<string, unknown> | undefined => {
    if (message instanceof Uint8Array) return undefined;
    if (message && typeof message === "object") return message as Record<string, unknown>;
    const text = asText(message);
    if (!text) return undefined;
    try {
      const value = JSON.parse(text);
      return value && typeof value === "object" ? value : undefined;
    } catch {
      return undefined;
    }
  };

  function settle(ws: Socket, conn: Conn, handle: PtyHandle | ChannelHandle): void {
    if ((conn.state as Conn["state"]) === "done") {
      // The socket closed while the terminal opened.
      if (!conns.has(ws.id)) handle.close();
      return;
    }
    conn.handle = handle;
    conn.state = "open";
    for (const message of conn.early?.splice(0) ?? []) deliver(conn, message);
  }

  function deliver(conn: Conn, message: unknown): void {
    if (conn.state !== "open" || !conn.handle) return;
    if (message instanceof Uint8Array) return conn.handle.write(message);
    const frame = parse(message);
    if (frame?.type === "resize") return conn.handle.resize(num(frame.cols, 80), num(frame.rows, 24));
    if (frame?.type === "input" && typeof frame.data === "string")
      return conn.handle.write(new TextEncoder().encode(frame.data));
  }

  async function authenticate(ws: Socket, conn: Conn, message: unknown): Promise<void> {
    const frame = parse(message);
    const tunnel = ws.data.params.taskId !== undefined;
    if (tunnel) {
      if (frame?.type !== "auth" || typeof frame.token !== "string" || typeof frame.tunnelId !== "string")
        return fail(ws, 400, 'the first frame must be {"type":"auth","token","tunnelId"}');
    } else if (frame?.type !== "auth" || typeof frame.token !== "string" || typeof frame.channelToken !== "string")
      return fail(ws, 400, 'the first frame must be {"type":"auth","token","channelToken"}');
    conn.state = "opening";
    const hostId = ws.data.params.hostId ?? ws.data.params.taskId ?? "";
    const sink = {
      opened: () => ws.send(JSON.stringify({ type: "ready" })),
      ready: () => ws.send(JSON.stringify({ type: "ready" })),
      data: (bytes: Uint8Array) => ws.send(asBuffer(bytes)),
      exited: (code: number, error: string) => {
        conn.state = "done";
        ws.send(JSON.stringify({ type: "exit", code, ...(error ? { error } : {}) }));
        ws.close(1000, "exited");
      },
    };
    try {
      const principal = await authenticator.user(`Bearer ${frame.token}`);
      if (tunnel) {
        const handle = await pty.tasks.openOperator(
          principal,
          hostId,
          { tunnelId: String(frame.tunnelId) },
          { cols: 80, rows: 24 },
          sink,
        );
        return settle(ws, conn, handle);
      }
      if (hostId.startsWith("task_")) {
        // A task terminal: the token (in the database) decides who may; any replica serves it.
        const handle = await pty.tasks.openOperator(
          principal,
          hostId,
          { channelToken: String(frame.channelToken) },
          { cols: num(frame.cols, 80), rows: num(frame.rows, 24) },
          sink,
        );
        return settle(ws, conn, handle);
      }
      if (!isAdmin(principal)) return fail(ws, 403, "tenant admin role required");
      const handle = await pty.open(
        principal,
        hostId,
        String(frame.channelToken),
        { cols: num(frame.cols, 80), rows: num(frame.rows, 24) },
        sink,
      );
      settle(ws, conn, handle);
    } catch (error) {
      if (error instanceof DomainError) return fail(ws, STATUS[error.kind] ?? 400, error.message);
      log.error("pty websocket", error);
      return fail(ws, 500, "internal error");
    }
  }

  const handlers = {
    detail: { hide: true },
    open(ws: { id: string }) {
      conns.set(ws.id, { state: "auth" });
    },
    message(ws: { id: string }, message: unknown) {
      const conn = conns.get(ws.id);
      if (!conn) return;
      if (conn.state === "auth") return void authenticate(ws as unknown as Socket, conn, message);
      if (conn.state === "opening") {
        conn.early ??= [];
        if (conn.early.length < 1_000) conn.early.push(message);
        return;
      }
      deliver(conn, message);
    },
    close(ws: { id: string }) {
      const conn = conns.get(ws.id);
      conns.delete(ws.id);
      if (!conn) return;
      if (conn.state === "open") conn.handle?.close();
      conn.state = "done";
    },
  };
  return new Elysia().ws("/ws/pty/:hostId", handlers).ws("/ws/tunnel/:taskId", handlers);
};

/**
 * The agent's end of a task channel: `WS /api/workers/pty/:taskId`, first frame `{"type":"auth","workerJwt",
 * "channelToken"}` (the agent's runtime access token and the single-use worker token it was handed), answered
 * `{"type":"ok","kind":"pty"|"tunnel"}`. Then the agent sends output as binary frames, `{"type":"ready"}` and at the
 * end `{"type":"exit","code","error"?}`; it receives input as binary frames, `{"type":"resize","cols","rows"}` and
 * `{"type":"close"}`. Refusals as on the operator's socket (`{"type":"error","status","error"}`, close 4000+status).
 */
export const workerPtySocketController = ({ pty, log }: Services) => {
  type WorkerConn = { state: "auth" | "opening" | "open" | "done"; handle?: WorkerHandle };
  const conns = new Map<string, WorkerConn>();
  const fail = (ws: Socket, status: number, error: string) => {
    const conn = conns.get(ws.id);
    if (conn) conn.state = "done";
    ws.send(JSON.stringify({ type: "error", status, error }));
    ws.close(4000 + status, error.slice(0, 100));
  };
  const parse = (message: unknown): Record<string, unknown> | undefined => {
    if (message instanceof Uint8Array) return undefined;
    if (message && typeof message === "object") return message as Record<string, unknown>;
    if (typeof message !== "string") return undefined;
    try {
      const value = JSON.parse(message);
      return value && typeof value === "object" ? value : undefined;
    } catch {
      return undefined;
    }
  };
  async function authenticate(ws: Socket, conn: WorkerConn, message: unknown): Promise<void> {
    const frame = parse(message);
    if (frame?.type !== "auth" || typeof frame.workerJwt !== "string" || typeof frame.channelToken !== "string")
      return fail(ws, 400, 'the first frame must be {"type":"auth","workerJwt","channelToken"}');
    conn.state = "opening";
    try {
      const handle = await pty.tasks.openWorker(frame.workerJwt, ws.data.params.taskId ?? "", frame.channelToken, {
        data: (bytes) => ws.send(asBuffer(bytes)),
        control: (control) => ws.send(JSON.stringify(control)),
      });
      if ((conn.state as WorkerConn["state"]) === "done") return handle.closed();
      conn.handle = handle;
      conn.state = "open";
      ws.send(JSON.stringify({ type: "ok", kind: handle.kind }));
    } catch (error) {
      if (error instanceof DomainError) return fail(ws, STATUS[error.kind] ?? 400, error.message);
      log.error("worker pty websocket", error);
      return fail(ws, 500, "internal error");
    }
  }
  return new Elysia().ws("/api/workers/pty/:taskId", {
    detail: { hide: true },
    open(ws) {
      conns.set(ws.id, { state: "auth" });
    },
    message(ws, message) {
      const conn = conns.get(ws.id);
      if (!conn) return;
      if (conn.state === "auth") return void authenticate(ws as unknown as Socket, conn, message);
      if (conn.state !== "open" || !conn.handle) return;
      if (message instanceof Uint8Array) return conn.handle.fromAgent(message);
      const frame = parse(message);
      if (frame) conn.handle.fromAgent(frame);
    },
    close(ws) {
      const conn = conns.get(ws.id);
      conns.delete(ws.id);
      if (conn?.state === "open") conn.handle?.closed();
      if (conn) conn.state = "done";
    },
  });
};
