/**
 * An in-process aedes MQTT broker for agent tests: password check against a token set, and a log of publishes.
 * It also plays the control plane's receipts: every numbered ack/status/telemetry message is receipted, unless
 * `receipts` is switched off (a control plane that is down).
 */
import { createServer, type Server } from "node:net";
import { Aedes } from "aedes";
import { codecs, parseTopic, topic, type Channel } from "@edge/proto/wire";

export interface Published {
  topic: string;
  channel: Channel | undefined;
  payload: Uint8Array;
  retain: boolean;
  qos: number;
  /** Client id of the publisher; undefined for broker-originated messages (Last Will, tests). */
  clientId: string | undefined;
}

export interface TestBroker {
  port: number;
  url: string;
  /** Passwords accepted at CONNECT (any username). */
  validPasswords: Set<string>;
  published: Published[];
  connects: { clientId: string; username?: string; password?: string }[];
  /** Whether numbered agent messages get a receipt (default true); the seqs receipted so far. */
  receipts: boolean;
  receipted: number[];
  /** Publishes as the control plane would (QoS 1). */
  publish(topic: string, payload: Uint8Array, retain?: boolean): Promise<void>;
  /** Drops a client's socket without a DISCONNECT (its Last Will fires). */
  dropClient(clientId: string): void;
  /** Stops accepting connections but keeps state; `listen()` resumes on the same port. */
  pause(): Promise<void>;
  listen(): Promise<void>;
  close(): Promise<void>;
}

export async function startTestBroker(port = 0): Promise<TestBroker> {
  const broker = await Aedes.createBroker();
  const validPasswords = new Set<string>();
  const published: Published[] = [];
  const connects: TestBroker["connects"] = [];
  broker.authenticate = (client, username, password, done) => {
    const pass = password?.toString("utf8");
    connects.push({ clientId: client.id, username, password: pass });
    if (pass !== undefined && validPasswords.has(pass)) return done(null, true);
    done(Object.assign(new Error("bad credentials"), { returnCode: 4 }) as never, false);
  };
  const receipted: number[] = [];
  const state = { receipts: true };
  broker.on("publish", (packet, client) => {
    if (packet.topic.startsWith("$SYS")) return;
    const where = parseTopic(packet.topic);
    if (client && state.receipts && where && ["ack", "status", "telemetry"].includes(where.channel)) {
      const message =
        where.channel === "ack" ? codecs.commandUpdate : where.channel === "status" ? codecs.status : codecs.telemetry;
      const seq = message.decode(new Uint8Array(packet.payload as Buffer)).agentSeq ?? 0;
      if (seq) {
        receipted.push(seq);
        const receipt = codecs.receipt.encode({ throughSeq: 0, seqs: [seq] });
        broker.publish(
          {
            cmd: "publish",
            topic: topic(where.tenantId, where.hostId, "receipt"),
            payload: Buffer.from(receipt),
            qos: 1,
            retain: false,
            dup: false,
          } as never,
          () => {},
        );
      }
    }
    published.push({
      topic: packet.topic,
      channel: parseTopic(packet.topic)?.channel,
      payload: new Uint8Array(packet.payload as Buffer),
      retain: packet.retain,
      qos: packet.qos,
      clientId: client?.id,
    });
  });

  const sockets = new Set<import("node:net").Socket>();
  let server: Server | undefined;
  let boundPort = port;
  async function listen(): Promise<void> {
    server = createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      broker.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      server!.once("error", reject);
      server!.listen(boundPort, "127.0.0.1", () => resolve());
    });
    const address = server.address();
    if (typeof address === "object" && address) boundPort = address.port;
  }
  async function pause(): Promise<void> {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  }
  await listen();

  return {
    get port() {
      return boundPort;
    },
    get url() {
      return `mqtt://127.0.0.1:${boundPort}`;
    },
    validPasswords,
    published,
    connects,
    get receipts() {
      return state.receipts;
    },
    set receipts(on: boolean) {
      state.receipts = on;
    },
    receipted,
    publish: (topic, payload, retain = false) =>
      new Promise<void>((resolve, reject) =>
        broker.publish(
          { cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain, dup: false } as never,
          (error) => (error ? reject(error) : resolve()),
        ),
      ),
    dropClient(clientId) {
      const clients = (broker as unknown as { clients: Record<string, { conn: { destroy(): void } } | undefined> })
        .clients;
      clients[clientId]?.conn.destroy();
    },
    pause,
    listen,
    async close() {
      await pause();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
    },
  };
}
