/**
 * A TCP proxy on loopback whose link can be cut and restored, to drop an agent's broker connection mid-run, and
 * pointed at another port (a restarted or surviving control plane: a load balancer's view).
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export interface TcpProxy {
  port: number;
  /** Destroys every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  /** New connections go to `port` from now on. */
  retarget(port: number): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, initialPort: number): Promise<TcpProxy> {
  let targetPort = initialPort;
  const open = new Set<Socket>();
  let up = true;
  const server: Server = createServer((client) => {
    if (!up) return client.destroy();
    const upstream = createConnection({ host: targetHost, port: targetPort });
    open.add(client);
    open.add(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const address = server.address();
  const cut = () => {
    up = false;
    for (const socket of open) socket.destroy();
    open.clear();
  };
  return {
    port: typeof address === "object" && address ? address.port : 0,
    cut,
    restore() {
      up = true;
    },
    retarget(port) {
      targetPort = port;
    },
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
