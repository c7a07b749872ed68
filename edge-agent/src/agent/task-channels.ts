/**
 * Task terminals and tunnels, dialed by the agent (README "Terminals (PTY)", "Workspace tunnels"). The control plane
 * asks over whatever link the agent has (a forwarded request on the gRPC session or on MQTT — an agent without a
 * gRPC session serves terminals too):
 *
 * - `POST /api/v1/internal/tasks/:taskId/channels` `{channelId, channelToken, kind: "pty"|"tunnel", port?, cols,
 *   rows}` → 202, then the agent dials `WS <api-url>/api/workers/pty/:taskId` and sends `{"type":"auth","workerJwt",
 *   "channelToken"}`. A terminal is a shell in the task's workspace (the PTY actor: safety policy kind `pty` with
 *   `{taskId}`, idle timeout, emergency stop); a tunnel is a TCP connection to 127.0.0.1:port (kind `tunnel`, checked
 *   before the 202: 403 refused, 409 blocked).
 * - `POST …/tunnel-check` `{port}` → 200 or 403/409: the policy's answer for a tunnel, asked when one is started.
 * - `GET …/workspace` → `{id, dir, exists, entries}`: the task's workspace (a runtime workspace whose metadata names
 *   the task; created by the first terminal).
 *
 * On the websocket: binary frames are bytes (keystrokes / TCP data in, output out); text frames are JSON —
 * in: `ok`, `resize {cols, rows}`, `close`; out: `ready`, `exit {code, error?}`.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { mkdirSync, existsSync } from "node:fs";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { RuntimeRequest } from "@edge/proto/wire";
import type { PtyInput } from "@edge/proto/grpc";
import type { ActorRef } from "../actors/index.ts";
import type { RuntimeResponsePart } from "./connection.ts";
import type { PtyMsg } from "./pty.ts";
import type { Workspaces } from "../runtime/workspaces.ts";

export const TASK_CHANNEL_PREFIX = "/api/v1/internal/tasks/";

export interface TaskChannelDeps {
  /** The control plane's HTTP API (the websocket is dialed there). */
  apiUrl: string;
  accessToken(): string;
  admit(request: { kind: string; params: Record<string, unknown> }): Promise<{ allowed: boolean; error?: string }>;
  startBlocked(): string | undefined;
  terminals: ActorRef<PtyMsg>;
  /** The workspace runtime's workspaces; without one, task workspaces are plain directories under `fallbackDir`. */
  workspaces?: Workspaces;
  fallbackDir?: string;
  log: Logger;
}

interface Open {
  close(reason: string): void;
}

const TASK_ID = /^[A-Za-z0-9_-]{1,100}$/;
const encoder = new TextEncoder();

export class TaskChannels {
  private readonly open = new Map<string, Open>();

  constructor(private readonly deps: TaskChannelDeps) {}

  /** Serves a forwarded request if it is one of these paths; false otherwise (the runtime API's). */
  handle(request: RuntimeRequest, reply: (part: RuntimeResponsePart) => void): boolean {
    if (!request.path.startsWith(TASK_CHANNEL_PREFIX)) return false;
    const answer = (status: number, body: unknown) =>
      reply({
        id: request.id,
        part: 0,
        status,
        contentType: "application/json",
        chunk: encoder.encode(JSON.stringify(body)),
        end: true,
      });
    const [taskId, action, ...rest] = request.path.slice(TASK_CHANNEL_PREFIX.length).split("?")[0]!.split("/");
    if (!taskId || !TASK_ID.test(taskId) || rest.length) {
      answer(404, { error: "not found" });
      return true;
    }
    let body: Record<string, unknown> = {};
    try {
      if (request.body.length) body = JSON.parse(new TextDecoder().decode(request.body));
    } catch {
      answer(400, { error: "body must be JSON" });
      return true;
    }
    const route = `${request.method} ${action}`;
    const served =
      route === "GET workspace"
        ? Promise.resolve(answer(200, this.workspace(taskId, false)))
        : route === "POST tunnel-check"
          ? this.checkTunnel(taskId, body).then(([status, out]) => answer(status, out))
          : route === "POST channels"
            ? this.dial(taskId, body, answer)
            : Promise.resolve(answer(404, { error: "not found" }));
    served.catch((error) => answer(500, { error: errorMessage(error) }));
    return true;
  }

  /** Hangs up every channel (emergency stop, shutdown). Terminals are hung up by the PTY actor itself. */
  closeAll(reason: string): void {
    for (const channel of [...this.open.values()]) channel.close(reason);
  }

  /** The task's workspace: a runtime workspace with `metadata.taskId`, created on first use when `create`. */
  workspace(taskId: string, create: boolean): { id: string | null; dir: string; exists: boolean; entries: number } {
    const { workspaces } = this.deps;
    const count = (dir: string) => (existsSync(dir) ? readdirSync(dir).length : 0);
    if (workspaces) {
      let found = workspaces.list().find((w) => w.metadata.taskId === taskId);
      if (!found && create) found = workspaces.create({ name: `task-${taskId}`, metadata: { taskId } });
      if (!found) return { id: null, dir: "", exists: false, entries: 0 };
      const dir = workspaces.dir(found.id);
      return { id: found.id, dir, exists: existsSync(dir), entries: count(dir) };
    }
    const dir = join(this.deps.fallbackDir ?? join(tmpdir(), "edge-agent-tasks"), taskId);
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
    return { id: null, dir, exists: existsSync(dir), entries: count(dir) };
  }

  private async checkTunnel(taskId: string, body: Record<string, unknown>): Promise<[number, unknown]> {
    const port = body.port;
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535)
      return [400, { error: "port must be an integer 1-65535" }];
    const blocked = this.deps.startBlocked();
    if (blocked) return [409, { error: `refused: ${blocked}` }];
    const decision = await this.deps.admit({ kind: "tunnel", params: { taskId, port } });
    if (!decision.allowed) return [403, { error: decision.error ?? "refused by safety policy (kind tunnel)" }];
    return [200, { ok: true }];
  }

  private async dial(
    taskId: string,
    body: Record<string, unknown>,
    answer: (status: number, body: unknown) => void,
  ): Promise<void> {
    const { channelId, channelToken, kind } = body;
    if (typeof channelId !== "string" || typeof channelToken !== "string" || (kind !== "pty" && kind !== "tunnel"))
      return answer(400, { error: "channelId, channelToken and kind (pty|tunnel) are required" });
    const size = (v: unknown, fallback: number) =>
      typeof v === "number" && Number.isInteger(v) && v > 0 && v <= 1000 ? v : fallback;
    let port = 0;
    if (kind === "tunnel") {
      const [status, out] = await this.checkTunnel(taskId, body);
      if (status !== 200) return answer(status, out);
      port = body.port as number;
    }
    answer(202, { ok: true });
    const url = `${this.deps.apiUrl.replace(/^http/, "ws")}/api/workers/pty/${encodeURIComponent(taskId)}`;
    const ws = new WebSocket(url);
    ws.binaryType = "arraybuffer";
    let started = false;
    let onInput: (frame: Uint8Array | Record<string, unknown>) => void = () => {};
    let hangUp: (reason: string) => void = () => ws.close();
    const entry: Open = { close: (reason) => hangUp(reason) };
    this.open.set(channelId, entry);
    const sendJson = (frame: Record<string, unknown>) => {
      if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
    };
    const finish = (code: number, error = "") => {
      sendJson({ type: "exit", code, ...(error ? { error } : {}) });
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, "exited");
      this.open.delete(channelId);
    };
    ws.onopen = () => ws.send(JSON.stringify({ type: "auth", workerJwt: this.deps.accessToken(), channelToken }));
    ws.onerror = () => this.deps.log.warn(`task channel ${channelId}: websocket error`);
    ws.onclose = () => {
      this.open.delete(channelId);
      if (started) onInput({ type: "close" });
    };
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") return onInput(new Uint8Array(event.data as ArrayBuffer));
      let frame: Record<string, unknown>;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (!started) {
        if (frame.type !== "ok") {
          this.deps.log.warn(`task channel ${channelId} refused: ${String(frame.error ?? frame.type)}`);
          this.open.delete(channelId);
          return;
        }
        started = true;
        if (kind === "pty") {
          const terminal = this.terminal(taskId, channelId, size(body.cols, 80), size(body.rows, 24), ws, finish);
          onInput = terminal.input;
          hangUp = terminal.hangUp;
        } else {
          const tunnel = this.tunnel(channelId, port, ws, finish);
          onInput = tunnel.input;
          hangUp = tunnel.hangUp;
        }
        return;
      }
      onInput(frame);
    };
  }

  /** A shell in the task's workspace through the PTY actor; its output goes to the websocket. */
  private terminal(
    taskId: string,
    id: string,
    cols: number,
    rows: number,
    ws: WebSocket,
    finish: (code: number, error?: string) => void,
  ) {
    const { terminals } = this.deps;
    const message = (patch: Partial<PtyInput>): PtyInput => ({
      id,
      open: false,
      cols: 0,
      rows: 0,
      data: new Uint8Array(),
      close: false,
      ...patch,
    });
    let workspace: { dir: string };
    try {
      workspace = this.workspace(taskId, true);
    } catch (error) {
      finish(-1, `the task's workspace: ${errorMessage(error)}`);
      return { input: () => {}, hangUp: () => {} };
    }
    terminals.tell({
      type: "input",
      input: message({ open: true, cols, rows }),
      start: { cwd: workspace.dir, env: { TASK_ID: taskId, WORKSPACE_DIR: workspace.dir }, params: { taskId } },
      reply: (output) => {
        if (output.opened && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ready" }));
        if (output.data?.length && ws.readyState === WebSocket.OPEN) ws.send(output.data);
        if (output.exited) finish(output.exitCode ?? -1, output.error ?? "");
      },
    });
    return {
      input: (frame: Uint8Array | Record<string, unknown>) => {
        if (frame instanceof Uint8Array)
          return terminals.tell({ type: "input", input: message({ data: frame }), reply: () => {} });
        if (frame.type === "resize")
          return terminals.tell({
            type: "input",
            input: message({ cols: Number(frame.cols) || 80, rows: Number(frame.rows) || 24 }),
            reply: () => {},
          });
        if (frame.type === "close")
          return terminals.tell({ type: "input", input: message({ close: true }), reply: () => {} });
      },
      hangUp: () => terminals.tell({ type: "input", input: message({ close: true }), reply: () => {} }),
    };
  }

  /** A TCP connection to 127.0.0.1:port, piped both ways; either end closing ends it. */
  private tunnel(id: string, port: number, ws: WebSocket, finish: (code: number, error?: string) => void) {
    let socket: Bun.Socket<undefined> | undefined;
    let ended = false;
    const held: Uint8Array[] = [];
    let backlog: Uint8Array[] = [];
    const end = (code: number, error = "") => {
      if (ended) return;
      ended = true;
      socket?.end();
      finish(code, error);
    };
    const flush = () => {
      if (!socket) return;
      while (backlog.length) {
        const chunk = backlog[0]!;
        const written = socket.write(chunk);
        if (written < chunk.length) {
          backlog[0] = chunk.subarray(Math.max(written, 0));
          return;
        }
        backlog.shift();
      }
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (s) => {
          socket = s;
          if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: "ready" }));
          backlog = held.splice(0);
          flush();
        },
        data: (_s, data) => {
          if (ws.readyState === WebSocket.OPEN) ws.send(new Uint8Array(data));
        },
        drain: () => flush(),
        close: () => end(0),
        error: (_s, error) => end(-1, errorMessage(error)),
      },
    }).catch((error) => end(-1, `cannot connect to 127.0.0.1:${port}: ${errorMessage(error)}`));
    this.deps.log.info(`tunnel ${id} to 127.0.0.1:${port}`);
    return {
      input: (frame: Uint8Array | Record<string, unknown>) => {
        if (frame instanceof Uint8Array) {
          if (!socket) held.push(frame);
          else {
            backlog.push(frame);
            flush();
          }
          return;
        }
        if (frame.type === "close") end(0);
      },
      hangUp: (reason: string) => end(-1, reason),
    };
  }
}
