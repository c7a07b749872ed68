/**
 * tunnel: a TCP tunnel from a local port to a port on a task's machine, like `kubectl port-forward`. Starts it
 * (`POST /api/web/workspace-tunnel/:taskId/start`), listens on 127.0.0.1, and carries each accepted connection over
 * its own `WS /ws/tunnel/:taskId` websocket; Ctrl-C (SIGINT/SIGTERM) stops the tunnel (`…/stop`) and exits 0.
 */
import { CliError, UsageError } from "../errors.ts";
import { info } from "../output.ts";
import type { Invocation, Verb } from "../verb.ts";

function portOf(value: string, what: string, allowZero = false): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < (allowZero ? 0 : 1) || port > 65535)
    throw new UsageError(`${what} must be a port number (${allowZero ? 0 : 1}-65535), got ${JSON.stringify(value)}`);
  return port;
}

async function tunnel(inv: Invocation): Promise<number> {
  const api = inv.api();
  const taskId = inv.args[0]!;
  const port = portOf(inv.args[1]!, "PORT");
  const localPort =
    inv.flags["local-port"] === undefined ? port : portOf(String(inv.flags["local-port"]), "--local-port", true);
  const token = api.token();
  if (!token) throw new CliError("not logged in: run `edgectl login`");
  const path = `/api/web/workspace-tunnel/${encodeURIComponent(taskId)}`;
  const started = await api.post(`${path}/start`, { port });
  const tunnelId = started.tunnel.id as string;
  const url = new URL(started.websocket as string, api.apiUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";

  type Conn = { ws: WebSocket; ready: boolean; held: Uint8Array[] };
  const server = Bun.listen<Conn>({
    hostname: "127.0.0.1",
    port: localPort,
    socket: {
      open(socket) {
        const ws = new WebSocket(url.toString());
        ws.binaryType = "arraybuffer";
        const conn: Conn = { ws, ready: false, held: [] };
        socket.data = conn;
        ws.onopen = () => ws.send(JSON.stringify({ type: "auth", token, tunnelId }));
        ws.onmessage = (event) => {
          if (typeof event.data !== "string") {
            socket.write(new Uint8Array(event.data as ArrayBuffer));
            return;
          }
          const frame = JSON.parse(event.data) as { type: string; error?: string };
          if (frame.type === "ready") {
            conn.ready = true;
            for (const chunk of conn.held.splice(0)) ws.send(chunk);
          } else if (frame.type === "error" || (frame.type === "exit" && frame.error)) {
            info(`tunnel connection: ${frame.error ?? "refused"}`);
          }
        };
        ws.onclose = () => socket.end();
      },
      data(socket, data) {
        const conn = socket.data;
        const chunk = new Uint8Array(data);
        if (conn.ready && conn.ws.readyState === WebSocket.OPEN) conn.ws.send(chunk);
        else conn.held.push(chunk);
      },
      close(socket) {
        const ws = socket.data?.ws;
        if (ws && ws.readyState <= WebSocket.OPEN) ws.close(1000, "client closed");
      },
    },
  });
  info(`Forwarding from 127.0.0.1:${server.port} -> ${taskId}:${port} (Ctrl-C stops the tunnel)`);
  return await new Promise<number>((resolve) => {
    const stop = async () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.stop(true);
      try {
        await api.post(`${path}/stop`, { port });
      } catch (error) {
        info(`stopping the tunnel: ${(error as Error).message}`);
      }
      resolve(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

export const tunnelVerbs: Verb[] = [
  {
    name: "tunnel",
    summary: "Forward a local port to a port on a task's machine (like kubectl port-forward)",
    args: "TASK PORT",
    minArgs: 2,
    maxArgs: 2,
    flags: {
      "local-port": { type: "string", value: "N", description: "the local port (default PORT; 0 = any free port)" },
    },
    description: `
Starts a tunnel to PORT on TASK's machine (127.0.0.1 there) and listens on 127.0.0.1:N here; every connection to it
is carried through the control plane to the machine (any replica; the agent dials back over gRPC or MQTT). Needs a
maintainer role on the task's project; the machine's safety policy may forbid it (kind "tunnel"). Ctrl-C stops the
tunnel and exits 0.`,
    run: tunnel,
  },
];
