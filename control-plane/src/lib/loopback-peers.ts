/**
 * Real client addresses behind the one-port front (transport/port-mux.ts): every connection it splices reaches the
 * HTTP and gRPC servers from loopback, so the front records which client each of its loopback connections stands
 * for, by that connection's local (source) port.
 */
export class LoopbackPeers {
  private readonly byPort = new Map<number, string>();

  set(port: number, address: string) {
    this.byPort.set(port, address);
  }

  delete(port: number) {
    this.byPort.delete(port);
  }

  /** The client address behind `address:port`: the front's client when it is one of the front's connections. */
  resolve(address: string, port: number | undefined): string {
    if (port === undefined || !isLoopback(address)) return address;
    return this.byPort.get(port) ?? address;
  }

  /** Same, from a gRPC peer string (`127.0.0.1:1234`, `[::1]:1234`, `ipv4:...`). */
  resolvePeer(peer: string): string {
    const m = /^(?:ipv[46]:)?\[?([^\]]*?)\]?:(\d+)$/.exec(peer);
    if (!m) return peer;
    const resolved = this.resolve(m[1]!, Number(m[2]));
    return resolved === m[1] ? peer : resolved;
  }
}

const isLoopback = (address: string) => address === "127.0.0.1" || address === "::1" || address === "::ffff:127.0.0.1";
