/**
 * The agent's MQTT 3.1.1 client over Bun's own sockets (TCP, TLS) or the built-in WebSocket: one connection, no
 * automatic reconnect (the connection actor reconnects with its own backoff), QoS 0/1. Its surface is the part of
 * mqtt.js's MqttClient the connection actor uses, with the same meaning, so tests can still inject mqtt.js:
 * - `handleMessage(packet, done)`: inbound PUBLISHes are handed over one at a time, in order; a QoS 1 message is
 *   PUBACKed only once `done()` is called without an error (with one, it stays unacknowledged: redelivered by the
 *   broker on the next connection of the persistent session);
 * - `publish` calls back on the PUBACK (QoS 1) or once written (QoS 0); in-flight ones fail when the connection ends;
 * - events `connect` (CONNACK accepted), `error` (socket errors, a refused CONNACK with its return code as `code`,
 *   keepalive and CONNACK timeouts), then exactly one `close`.
 * Why not mqtt.js: a connected mqtt.js client costs ~30 MiB of resident memory (its streams, node:net, debug, ...),
 * two thirds of the agent's budget; this costs ~3 (README, agent footprint).
 */
import {
  MqttProtocolError,
  PacketReader,
  encodeConnect,
  encodeDisconnect,
  encodePingreq,
  encodePuback,
  encodePublish,
  encodeSubscribe,
  type Packet,
  type PublishPacket,
} from "./packets.ts";

export type MqttProtocol = "mqtt" | "mqtts" | "tcp" | "ssl" | "tls" | "ws" | "wss";

/** Connection options; the names and meanings are mqtt.js's (IClientOptions), for the fields the agent sets. */
export interface MqttClientOptions {
  protocol?: MqttProtocol;
  host?: string;
  port?: number;
  /** WebSocket path (and query). */
  path?: string;
  clientId: string;
  username?: string;
  password?: string;
  /** Only 4 (MQTT 3.1.1). */
  protocolVersion?: 4;
  clean?: boolean;
  /** Seconds; 0 = no keepalive. */
  keepalive?: number;
  /** Only 0: this client never reconnects by itself. */
  reconnectPeriod?: 0;
  /** Milliseconds to wait for the CONNACK. */
  connectTimeout?: number;
  resubscribe?: false;
  will?: { topic: string; payload: Uint8Array; qos: 0 | 1; retain: boolean };
}

/** An inbound PUBLISH as handed to `handleMessage`. */
export interface InboundPublish {
  topic: string;
  payload: Uint8Array;
  qos: number;
  retain: boolean;
}

export type MqttError = Error & { code?: number | string };
type PublishCallback = (error?: Error) => void;
type SubscribeCallback = (error: Error | null, granted?: { topic: string; qos: number }[]) => void;

/** What the connection actor needs of an MQTT client (mqtt.js's MqttClient has it too). */
export interface MqttLink {
  handleMessage(packet: InboundPublish, done: (error?: Error) => void): void;
  on(event: "connect" | "close", listener: () => void): unknown;
  on(event: "error", listener: (error: MqttError) => void): unknown;
  removeAllListeners(): unknown;
  publish(
    topic: string,
    payload: Uint8Array,
    options: { qos: 0 | 1; retain?: boolean },
    callback?: PublishCallback,
  ): unknown;
  publishAsync(topic: string, payload: Uint8Array, options: { qos: 0 | 1; retain?: boolean }): Promise<unknown>;
  subscribe(subscriptions: Record<string, { qos: 0 | 1 }>, callback: SubscribeCallback): unknown;
  end(force?: boolean): unknown;
  endAsync(force?: boolean): Promise<void>;
}

const DEFAULT_PORTS: Record<MqttProtocol, number> = {
  mqtt: 1883,
  tcp: 1883,
  mqtts: 8883,
  ssl: 8883,
  tls: 8883,
  ws: 80,
  wss: 443,
};
const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

/** A byte pipe to the broker: TCP/TLS (Bun.connect) or WebSocket. */
interface Transport {
  write(bytes: Uint8Array): void;
  /** Sends what is queued, then closes. */
  end(): void;
  /** Closes at once. */
  destroy(): void;
}

interface TransportEvents {
  open(): void;
  data(bytes: Uint8Array): void;
  error(error: Error): void;
  close(): void;
}

export function connectMqtt(options: MqttClientOptions): MqttLink {
  return new MqttLiteClient(options);
}

export class MqttLiteClient implements MqttLink {
  handleMessage: MqttLink["handleMessage"] = (_packet, done) => done();

  private listeners: { [K in "connect" | "close" | "error"]: ((arg?: never) => void)[] } = {
    connect: [],
    close: [],
    error: [],
  };
  private transport?: Transport;
  private readonly reader = new PacketReader();
  private connected = false;
  private closed = false;
  private nextId = 0;
  private readonly publishes = new Map<number, PublishCallback>();
  private readonly subscribes = new Map<number, { topics: string[]; callback: SubscribeCallback }>();
  private readonly inbound: PublishPacket[] = [];
  private handling = false;
  private connackTimer?: ReturnType<typeof setTimeout>;
  private pingTimer?: ReturnType<typeof setInterval>;
  private awaitingPong = false;
  private readonly closeWaiters: (() => void)[] = [];

  constructor(private readonly options: MqttClientOptions) {
    if ((options.protocolVersion ?? 4) !== 4) throw new Error("only MQTT 3.1.1 (protocolVersion 4) is supported");
    // Connect on the next tick, so that listeners attached right after construction see every event.
    queueMicrotask(() => this.open());
  }

  on(event: "connect" | "close", listener: () => void): this;
  on(event: "error", listener: (error: MqttError) => void): this;
  on(event: "connect" | "close" | "error", listener: (arg: never) => void): this {
    this.listeners[event].push(listener as (arg?: never) => void);
    return this;
  }

  removeAllListeners(): this {
    this.listeners = { connect: [], close: [], error: [] };
    return this;
  }

  publish(
    topic: string,
    payload: Uint8Array,
    options: { qos: 0 | 1; retain?: boolean },
    callback?: PublishCallback,
  ): this {
    if (!this.connected || !this.transport) {
      callback?.(new Error("MQTT client is not connected"));
      return this;
    }
    const qos = options.qos;
    const messageId = qos > 0 ? this.allocateId() : undefined;
    let bytes: Uint8Array;
    try {
      bytes = encodePublish({ topic, payload, qos, retain: options.retain ?? false, dup: false, messageId });
    } catch (error) {
      callback?.(error as Error);
      return this;
    }
    if (messageId !== undefined) this.publishes.set(messageId, callback ?? (() => {}));
    this.transport.write(bytes);
    if (messageId === undefined) callback?.();
    return this;
  }

  publishAsync(topic: string, payload: Uint8Array, options: { qos: 0 | 1; retain?: boolean }): Promise<void> {
    return new Promise((resolve, reject) =>
      this.publish(topic, payload, options, (error) => (error ? reject(error) : resolve())),
    );
  }

  subscribe(subscriptions: Record<string, { qos: 0 | 1 }>, callback: SubscribeCallback): this {
    const topics = Object.keys(subscriptions);
    if (!this.connected || !this.transport) {
      callback(new Error("MQTT client is not connected"));
      return this;
    }
    const messageId = this.allocateId();
    this.subscribes.set(messageId, { topics, callback });
    this.transport.write(
      encodeSubscribe(
        messageId,
        topics.map((topic) => ({ topic, qos: subscriptions[topic]!.qos })),
      ),
    );
    return this;
  }

  /** Force: drop the connection at once. Otherwise send DISCONNECT (the broker discards the Last Will) and close. */
  end(force = false): this {
    if (this.closed) return this;
    if (!force && this.connected && this.transport) {
      this.transport.write(encodeDisconnect());
      this.connected = false;
      this.transport.end();
    } else {
      this.transport?.destroy();
      this.finish();
    }
    return this;
  }

  endAsync(force = false): Promise<void> {
    if (this.closed) return Promise.resolve();
    const closed = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    this.end(force);
    return closed;
  }

  private emit(event: "connect" | "close"): void;
  private emit(event: "error", error: MqttError): void;
  private emit(event: "connect" | "close" | "error", arg?: MqttError): void {
    for (const listener of [...this.listeners[event]]) (listener as (arg?: MqttError) => void)(arg);
  }

  private open(): void {
    if (this.closed) return;
    const o = this.options;
    const protocol = o.protocol ?? "mqtt";
    const host = o.host ?? "localhost";
    const port = o.port ?? DEFAULT_PORTS[protocol];
    const events: TransportEvents = {
      open: () => this.onOpen(),
      data: (bytes) => this.onData(bytes),
      error: (error) => this.fail(error),
      close: () => this.finish(),
    };
    this.connackTimer = setTimeout(
      () => this.fail(new Error("connack timeout")),
      o.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS,
    );
    try {
      if (protocol === "ws" || protocol === "wss") {
        const hostPart = host.includes(":") ? `[${host}]` : host;
        this.transport = webSocketTransport(`${protocol}://${hostPart}:${port}${o.path ?? "/"}`, events);
      } else {
        this.transport = socketTransport(host, port, protocol !== "mqtt" && protocol !== "tcp", events);
      }
    } catch (error) {
      this.fail(error as Error);
    }
  }

  private onOpen(): void {
    const o = this.options;
    this.transport?.write(
      encodeConnect({
        clientId: o.clientId,
        username: o.username,
        password: o.password,
        clean: o.clean ?? true,
        keepalive: o.keepalive ?? 60,
        will: o.will,
      }),
    );
  }

  private onData(bytes: Uint8Array): void {
    if (this.closed) return;
    let packets: Packet[];
    try {
      packets = this.reader.push(bytes);
    } catch (error) {
      return this.fail(error as Error);
    }
    for (const packet of packets) {
      if (this.closed) return;
      this.onPacket(packet);
    }
  }

  private onPacket(packet: Packet): void {
    switch (packet.cmd) {
      case "connack": {
        clearTimeout(this.connackTimer);
        if (packet.returnCode !== 0) {
          const error: MqttError = new Error(`Connection refused: ${connackReason(packet.returnCode)}`);
          error.code = packet.returnCode;
          return this.fail(error);
        }
        this.connected = true;
        this.startKeepalive();
        this.emit("connect");
        return;
      }
      case "publish":
        if (packet.qos === 2)
          return this.fail(new MqttProtocolError("QoS 2 PUBLISH (this client subscribes at QoS 1)"));
        this.inbound.push(packet);
        return this.handleNext();
      case "puback": {
        const callback = this.publishes.get(packet.messageId);
        this.publishes.delete(packet.messageId);
        callback?.();
        return;
      }
      case "suback": {
        const pending = this.subscribes.get(packet.messageId);
        this.subscribes.delete(packet.messageId);
        pending?.callback(
          null,
          pending.topics.map((topic, i) => ({ topic, qos: packet.granted[i] ?? 128 })),
        );
        return;
      }
      case "pingresp":
        this.awaitingPong = false;
        return;
    }
  }

  /** One inbound message at a time, in arrival order: the next waits for the previous one's `done`. */
  private handleNext(): void {
    if (this.handling || this.closed) return;
    const packet = this.inbound.shift();
    if (!packet) return;
    this.handling = true;
    let called = false;
    const done = (error?: Error) => {
      if (called) return;
      called = true;
      this.handling = false;
      if (!error && packet.qos === 1 && packet.messageId !== undefined && this.connected)
        this.transport?.write(encodePuback(packet.messageId));
      this.handleNext();
    };
    try {
      this.handleMessage(
        { topic: packet.topic, payload: packet.payload, qos: packet.qos, retain: packet.retain },
        done,
      );
    } catch (error) {
      done(error as Error);
    }
  }

  private startKeepalive(): void {
    const seconds = this.options.keepalive ?? 60;
    if (seconds <= 0) return;
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) return this.fail(new Error("Keepalive timeout"));
      this.awaitingPong = true;
      this.transport?.write(encodePingreq());
    }, seconds * 1000);
  }

  private allocateId(): number {
    for (let i = 0; i < 0xffff; i++) {
      this.nextId = (this.nextId % 0xffff) + 1;
      if (!this.publishes.has(this.nextId) && !this.subscribes.has(this.nextId)) return this.nextId;
    }
    throw new Error("no free MQTT message id");
  }

  private fail(error: MqttError): void {
    if (this.closed) return;
    this.emit("error", error);
    this.transport?.destroy();
    this.finish();
  }

  /** Once: timers off, everything pending fails, `close`. */
  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.connected = false;
    clearTimeout(this.connackTimer);
    clearInterval(this.pingTimer);
    const gone = new Error("connection closed");
    const publishes = [...this.publishes.values()];
    const subscribes = [...this.subscribes.values()];
    this.publishes.clear();
    this.subscribes.clear();
    this.inbound.length = 0;
    for (const callback of publishes) callback(gone);
    for (const { callback } of subscribes) callback(gone);
    this.emit("close");
    for (const resolve of this.closeWaiters.splice(0)) resolve();
  }
}

function connackReason(code: number): string {
  return (
    [
      "",
      "Unacceptable protocol version",
      "Identifier rejected",
      "Server unavailable",
      "Bad username or password",
      "Not authorized",
    ][code] ?? `return code ${code}`
  );
}

/** TCP or TLS through Bun.connect, with a write queue for what the kernel did not take yet. */
function socketTransport(hostname: string, port: number, tls: boolean, events: TransportEvents): Transport {
  let socket: Bun.Socket | undefined;
  let queue: Uint8Array[] = [];
  let ending = false;
  let gone = false;
  const flush = () => {
    if (!socket) return;
    while (queue.length > 0) {
      const head = queue[0]!;
      const written = socket.write(head);
      if (written < 0) return;
      if (written < head.length) {
        queue[0] = head.subarray(written);
        return;
      }
      queue.shift();
    }
    if (ending) socket.end();
  };
  Bun.connect({
    hostname,
    port,
    tls,
    socket: {
      open(s) {
        if (gone) return void s.terminate();
        socket = s;
        events.open();
        flush();
      },
      data(_s, data) {
        events.data(data);
      },
      drain() {
        flush();
      },
      error(_s, error) {
        events.error(error);
      },
      connectError(_s, error) {
        events.error(error);
      },
      close() {
        gone = true;
        events.close();
      },
      end(s) {
        s.end();
      },
    },
  }).catch((error: Error) => {
    // connectError covers it; the promise rejects as well.
    if (!gone) events.error(error);
    gone = true;
    events.close();
  });
  return {
    write(bytes) {
      if (gone || ending) return;
      queue.push(bytes);
      if (queue.length === 1) flush();
    },
    end() {
      ending = true;
      if (queue.length === 0) socket?.end();
      if (!socket) gone = true;
    },
    destroy() {
      gone = true;
      queue = [];
      socket?.terminate();
    },
  };
}

/** MQTT over WebSocket (subprotocol "mqtt", binary frames) with the runtime's own WebSocket. */
function webSocketTransport(url: string, events: TransportEvents): Transport {
  const ws = new WebSocket(url, ["mqtt"]);
  ws.binaryType = "arraybuffer";
  let ending = false;
  ws.onopen = () => events.open();
  ws.onmessage = (event) => {
    const data = event.data;
    if (data instanceof ArrayBuffer) events.data(new Uint8Array(data));
    else events.error(new MqttProtocolError("text frame on an MQTT WebSocket"));
  };
  ws.onerror = () => events.error(new Error(`WebSocket error on ${url}`));
  ws.onclose = () => events.close();
  return {
    write(bytes) {
      if (!ending && ws.readyState === WebSocket.OPEN) ws.send(bytes);
    },
    end() {
      ending = true;
      ws.close(1000);
    },
    destroy() {
      ending = true;
      ws.close();
    },
  };
}
