/**
 * Interactive terminals (README "Terminals"): `POST /api/v1/hosts/:id/pty-token` issues a single-use channel token
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

const STATUS: Record<string, number> = { unauthenticated: 401, forbidden: 403, not_found: 404, unavailable: 503 };
const isAdmin = (p: { role: string; isSuperadmin: boolean }) => p.role === "admin" || p.isSuperadmin;

interface Conn {
  state: "auth" | "opening" | "open" | "done";
  handle?: PtyHandle;
}

type Socket = {
  id: string;
  send(data: string | Uint8Array): unknown;
  close(code?: number, reason?: string): unknown;
  data: { params: Record<string, string> };
};

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

  async function authenticate(ws: Socket, conn: Conn, message: unknown): Promise<void> {
    const frame = parse(message);
    if (frame?.type !== "auth" || typeof frame.token !== "string" || typeof frame.channelToken !== "string")
      return fail(ws, 400, 'the first frame must be {"type":"auth","token","channelToken"}');
    conn.state = "opening";
    const hostId = ws.data.params.hostId ?? "";
    try {
      const principal = await authenticator.user(`Bearer ${frame.token}`);
      if (!isAdmin(principal)) return fail(ws, 403, "tenant admin role required");
      const handle = await pty.open(
        principal,
        hostId,
        frame.channelToken,
        { cols: num(frame.cols, 80), rows: num(frame.rows, 24) },
        {
          opened: () => ws.send(JSON.stringify({ type: "ready" })),
          data: (bytes) => ws.send(bytes),
          exited: (code, error) => {
            conn.state = "done";
            ws.send(JSON.stringify({ type: "exit", code, ...(error ? { error } : {}) }));
            ws.close(1000, "exited");
          },
        },
      );
      if ((conn.state as Conn["state"]) === "done") {
        // The socket closed while the terminal opened.
        if (!conns.has(ws.id)) handle.close();
        return;
      }
      conn.handle = handle;
      conn.state = "open";
    } catch (error) {
      if (error instanceof DomainError) return fail(ws, STATUS[error.kind] ?? 400, error.message);
      log.error("pty websocket", error);
      return fail(ws, 500, "internal error");
    }
  }

  return new Elysia().ws("/ws/pty/:hostId", {
    detail: { hide: true },
    open(ws) {
      conns.set(ws.id, { state: "auth" });
    },
    message(ws, message) {
      const conn = conns.get(ws.id);
      if (!conn) return;
      if (conn.state === "auth") return void authenticate(ws as unknown as Socket, conn, message);
      if (conn.state !== "open" || !conn.handle) return;
      if (message instanceof Uint8Array) return conn.handle.write(message);
      const frame = parse(message);
      if (frame?.type === "resize") return conn.handle.resize(num(frame.cols, 80), num(frame.rows, 24));
      if (frame?.type === "input" && typeof frame.data === "string")
        return conn.handle.write(new TextEncoder().encode(frame.data));
    },
    close(ws) {
      const conn = conns.get(ws.id);
      conns.delete(ws.id);
      if (!conn) return;
      if (conn.state === "open") conn.handle?.close();
      conn.state = "done";
    },
  });
};
