/** REST and gRPC on one port (the default): a gRPC client and a REST client on the same port at the same time. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { availableBackends } from "../support/backends";
import { startTestPlane, type TestPlane } from "../support/control-plane";
import { sendCommand } from "../support/grpc-clients";
import { createConnection } from "node:net";
import { LoopbackPeers } from "../../control-plane/src/lib/loopback-peers";
import { loadConfig } from "../../control-plane/src/config";
import { getKeptAlive } from "../support/raw-http";

/** A raw HTTP/1.1 GET from a chosen local address (127.0.0.2 is loopback too on Linux): its status code. */
function getFrom(localAddress: string, port: number, path: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: "127.0.0.1", port, localAddress }, () =>
      socket.write(`GET ${path} HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\nconnection: close\r\n\r\n`),
    );
    let text = "";
    socket.on("data", (d) => (text += d.toString()));
    socket.on("end", () => resolve(Number(text.split(" ")[1])));
    socket.on("error", reject);
  });
}

const backends = await availableBackends();

describe.each(backends)("REST and gRPC on one port on $name", (backend) => {
  let t: TestPlane;
  beforeAll(async () => {
    t = await startTestPlane(backend, { rateLimitAuthFailures: 3 });
  });
  afterAll(() => t?.stop());

  test("gRPC SendCommand and REST calls interleaved on the HTTP port", async () => {
    const port = new URL(t.plane.url).port;
    expect(Number(port)).not.toBe(t.plane.transport.grpc.port);
    const host = (await t.api.post("/api/v1/hosts", { name: "one-port" }, t.adminKey)).body;
    const [grpcAnswers, restAnswers] = await Promise.all([
      Promise.all(
        [1, 2, 3].map(() =>
          sendCommand(`127.0.0.1:${port}`, t.adminKey, { hostId: host.id, kind: "echo", paramsJson: "{}" }),
        ),
      ),
      Promise.all([1, 2, 3].map(() => t.api.get(`/api/v1/hosts/${host.id}`, t.adminKey))),
    ]);
    for (const r of restAnswers) expect(r.status).toBe(200);
    const ids = grpcAnswers.map((a) => a.commandId);
    for (const id of ids) {
      expect(id).toBeTruthy();
      expect((await t.api.get(`/api/v1/commands/${id}`, t.adminKey)).status).toBe(200);
    }
    expect((await t.api.get("/health")).body).toEqual({ status: "ok" });
  });

  test("rate limits see the front's client, not loopback: one address locked out, another still served", async () => {
    const port = Number(new URL(t.plane.url).port);
    for (let i = 0; i < 3; i++) expect(await getFrom("127.0.0.2", port, "/api/v1/hosts", "roz_sk_wrong")).toBe(401);
    expect(await getFrom("127.0.0.2", port, "/api/v1/hosts", t.adminKey)).toBe(429);
    expect(await getFrom("127.0.0.1", port, "/api/v1/hosts", t.adminKey)).toBe(200);
  });

  // (Nothing of it depends on the database: on the embedded one only.)
  test.skipIf(backend.name !== "pglite")(
    "an idle keep-alive connection is closed after HTTP_IDLE_TIMEOUT_SECONDS, not Elysia's 30 s",
    async () => {
      // Longer than the pools of the usual clients and proxies (README › Idle connections): they close idle
      // connections first, and never send a request on one the server is closing.
      expect(loadConfig({}).httpIdleTimeoutSeconds).toBe(120);
      expect(() => loadConfig({ HTTP_IDLE_TIMEOUT_SECONDS: "256" })).toThrow(/at most 255/);
      const short = await startTestPlane(backend, { httpIdleTimeoutSeconds: 1 });
      try {
        const { text: answered, idleOpenMs: closedAfterMs } = await getKeptAlive(short.plane.url, "/health");
        expect(answered).toStartWith("HTTP/1.1 200");
        // (Bun checks its sockets' timeouts every 4 s.)
        expect(closedAfterMs).toBeGreaterThanOrEqual(900);
        expect(closedAfterMs).toBeLessThan(10_000);
      } finally {
        await short.stop();
      }
    },
    60_000,
  );
});

describe("LoopbackPeers", () => {
  test("resolves the front's loopback connections by local port; anything else stays as it is", () => {
    const peers = new LoopbackPeers();
    peers.set(40000, "203.0.113.9");
    expect(peers.resolve("127.0.0.1", 40000)).toBe("203.0.113.9");
    expect(peers.resolve("::ffff:127.0.0.1", 40000)).toBe("203.0.113.9");
    expect(peers.resolve("198.51.100.1", 40000)).toBe("198.51.100.1");
    expect(peers.resolve("127.0.0.1", 40001)).toBe("127.0.0.1");
    expect(peers.resolvePeer("127.0.0.1:40000")).toBe("203.0.113.9");
    expect(peers.resolvePeer("ipv4:127.0.0.1:40000")).toBe("203.0.113.9");
    expect(peers.resolvePeer("[::1]:40000")).toBe("203.0.113.9");
    expect(peers.resolvePeer("198.51.100.1:5")).toBe("198.51.100.1:5");
    peers.delete(40000);
    expect(peers.resolve("127.0.0.1", 40000)).toBe("127.0.0.1");
  });
});
