/**
 * REST and gRPC on one port (`SHARED_PORT=true`): a TCP front that reads a connection's first bytes and hands it
 * to the gRPC server when they are the HTTP/2 client preface (`PRI * HTTP/2.0`), else to the HTTP server (REST,
 * WebSocket, HTTP/1.1). Both servers listen on loopback ports of their own; the front splices the sockets.
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");

export interface PortMux {
  port: number;
  stop(): Promise<void>;
}

export function startPortMux(opts: {
  port: number;
  host: string;
  grpcPort: number;
  httpPort: number;
}): Promise<PortMux> {
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  };
  const server: Server = createServer((client) => {
    track(client);
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const h2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (h2 && head.length < PREFACE.length) return; // a prefix of the preface so far: wait for more
      client.off("data", onData);
      client.pause();
      const upstream = createConnection({ host: "127.0.0.1", port: h2 ? opts.grpcPort : opts.httpPort }, () => {
        upstream.write(head);
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
      track(upstream);
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
      client.on("close", () => upstream.destroy());
    };
    client.on("data", onData);
    client.on("error", () => client.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      const address = server.address();
      resolve({
        port: typeof address === "object" && address ? address.port : opts.port,
        stop: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
