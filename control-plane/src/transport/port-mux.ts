/**
 * REST and gRPC on one port (the default): a TCP front on `PORT` reads a connection's first bytes and splices it to
 * the gRPC server when they are the HTTP/2 client preface (`PRI * HTTP/2.0`), else to the HTTP server (REST,
 * WebSocket, HTTP/1.1), both on loopback ports of their own. Bun's own sockets (`Bun.listen` / `Bun.connect`) carry
 * the bytes — no stream objects in between — with backpressure: a side whose peer's send buffer is full is paused
 * until the peer drains.
 *
 * Client addresses: behind the front every connection comes from 127.0.0.1, so the front records which client each
 * of its loopback connections stands for (by the loopback connection's local port); `LoopbackPeers` (lib/loopback-peers.ts) gives
 * rate limits the real client address.
 */
import type { Socket, TCPSocketListener } from "bun";
import type { LoopbackPeers } from "../lib/loopback-peers";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n");
/** How long a new connection may take to send enough bytes to tell HTTP/2 from HTTP/1. */
const SNIFF_TIMEOUT_SECONDS = 10;

export interface PortMux {
  port: number;
  stop(): Promise<void>;
}

interface Side {
  /** The other end, once connected. */
  peer?: Socket<Side>;
  /** Bytes this side could not write to its peer yet (its send buffer was full). */
  queue: Uint8Array[];
  closed: boolean;
  /** Client side only: the first bytes, until the kind of connection is known. */
  head?: Buffer;
  /** Client side only: connecting upstream; bytes read meanwhile wait in `early`. */
  connecting?: boolean;
  early?: Uint8Array[];
  /** Upstream side only: its local port, the key of its entry in the peers map. */
  localPort?: number;
}

/** Writes `chunk` to `to`; what does not fit is queued and `from` paused until `to` drains. */
function forward(from: Socket<Side>, to: Socket<Side>, chunk: Uint8Array) {
  const pending = to.data.queue;
  if (pending.length > 0) {
    pending.push(Uint8Array.prototype.slice.call(chunk));
    return;
  }
  const written = to.write(chunk);
  if (written < 0) return; // closed
  if (written < chunk.byteLength) {
    pending.push(Uint8Array.prototype.slice.call(chunk, written));
    from.pause();
  }
}

/** `to` drained: write what waits for it, resume its peer once all is written. */
function flush(to: Socket<Side>, from: Socket<Side> | undefined) {
  const pending = to.data.queue;
  while (pending.length > 0) {
    const chunk = pending[0]!;
    const written = to.write(chunk);
    if (written < 0) return;
    if (written < chunk.byteLength) {
      pending[0] = chunk.subarray(written);
      return;
    }
    pending.shift();
  }
  from?.resume();
}

export async function startPortMux(opts: {
  port: number;
  host: string;
  /** Loopback (or connectable) addresses of the two servers. */
  grpc: { host: string; port: number };
  http: { host: string; port: number };
  /** Where the front records whom its loopback connections stand for (HTTP and gRPC separately). */
  peers: { http: LoopbackPeers; grpc: LoopbackPeers };
}): Promise<PortMux> {
  const sockets = new Set<Socket<Side>>();
  const close = (s: Socket<Side> | undefined) => {
    if (!s || s.data.closed) return;
    s.data.closed = true;
    s.end();
  };

  const connectUpstream = async (client: Socket<Side>, h2: boolean) => {
    const target = h2 ? opts.grpc : opts.http;
    const peers = h2 ? opts.peers.grpc : opts.peers.http;
    let upstream: Socket<Side>;
    try {
      upstream = await Bun.connect<Side>({
        hostname: target.host,
        port: target.port,
        data: { queue: [], closed: false },
        socket: {
          open(s) {
            sockets.add(s);
            s.data.localPort = s.localPort;
            peers.set(s.localPort, client.remoteAddress);
          },
          data(s, chunk) {
            forward(s, client, chunk);
          },
          drain(s) {
            flush(s, client);
          },
          close(s) {
            sockets.delete(s);
            if (s.data.localPort !== undefined) peers.delete(s.data.localPort);
            s.data.closed = true;
            close(client);
          },
          error(s) {
            close(s);
          },
        },
      });
    } catch {
      close(client);
      return;
    }
    if (client.data.closed) {
      close(upstream);
      return;
    }
    upstream.setNoDelay(true);
    client.timeout(0); // from here on idleness is the server's business (gRPC streams may be quiet for hours)
    client.data.peer = upstream;
    upstream.data.peer = client;
    const head = client.data.head!;
    client.data.head = undefined;
    forward(client, upstream, head);
    for (const chunk of client.data.early!.splice(0)) forward(client, upstream, chunk);
    if (upstream.data.queue.length === 0) client.resume();
  };

  const listener: TCPSocketListener<Side> = Bun.listen<Side>({
    hostname: opts.host,
    port: opts.port,
    data: { queue: [], closed: false },
    socket: {
      open(s) {
        s.data = { queue: [], closed: false, head: Buffer.alloc(0), early: [] };
        s.setNoDelay(true);
        // A connection that never says what it is does not stay: the servers behind time out idle ones themselves.
        s.timeout(SNIFF_TIMEOUT_SECONDS);
        sockets.add(s);
      },
      data(s, chunk) {
        const upstream = s.data.peer;
        if (upstream) {
          forward(s, upstream, chunk);
          return;
        }
        if (s.data.connecting) {
          // Still connecting upstream: keep the bytes in order behind the head.
          s.data.early!.push(new Uint8Array(chunk));
          return;
        }
        const head = s.data.head!.length === 0 ? Buffer.from(chunk) : Buffer.concat([s.data.head!, chunk]);
        const n = Math.min(head.length, PREFACE.length);
        const h2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
        if (h2 && head.length < PREFACE.length) {
          s.data.head = head; // a prefix of the preface so far: wait for more
          return;
        }
        s.data.head = head;
        s.data.connecting = true;
        s.pause();
        void connectUpstream(s, h2);
      },
      drain(s) {
        flush(s, s.data.peer);
      },
      timeout(s) {
        if (!s.data.peer) close(s);
      },
      close(s) {
        sockets.delete(s);
        s.data.closed = true;
        close(s.data.peer);
      },
      error(s) {
        close(s);
      },
    },
  });
  return {
    port: listener.port,
    async stop() {
      listener.stop(true);
      for (const s of sockets) s.terminate();
    },
  };
}
