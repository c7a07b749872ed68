/**
 * The embedded MQTT broker (aedes): agents log in with runtime access tokens and may only use their own topics;
 * consumers (`roz_mqc_` keys) may only read their tenant's telemetry, status and presence, at QoS 0, through a bounded
 * queue: a consumer that does not keep up is dropped, never waited for.
 */
import { createServer, type Server, type Socket } from "node:net";
import { Readable } from "node:stream";
import { Aedes, type Client } from "aedes";
import { AGENT_PUBLISHES, AGENT_RECEIVES, parseTopic } from "@edge/proto/wire";
import { consumerMaySubscribe } from "../modules/consumers/acl";
import type { InProcessBroker } from "./mqtt";

/** Who a connection is: an agent (bound to its host's topics), a read-only consumer, or the control plane itself. */
export type BrokerIdentity =
  | { kind: "agent"; tenantId: string; hostId: string; runtimeId: string }
  | { kind: "consumer"; tenantId: string; keyId: string }
  | { kind: "internal" };

export interface EmbeddedBrokerOptions {
  port: number;
  host?: string;
  /** Resolves the CONNECT credentials; undefined refuses the connection. `remoteAddress`: the client's TCP peer. */
  authenticate(
    clientId: string,
    username: string | undefined,
    password: string | undefined,
    remoteAddress?: string,
  ): Promise<BrokerIdentity | undefined>;
  /** A consumer with more than this many bytes waiting to be written to it is disconnected (default 1 MiB). */
  consumerMaxBufferedBytes?: number;
  /** Called when a consumer is dropped for not keeping up. */
  onSlowConsumer?(keyId: string, clientId: string): void;
}

export interface EmbeddedBroker {
  port: number;
  /** The broker for the control plane's own bridge, in-process (no connection of its own). */
  inProcess: InProcessBroker;
  /** Drops a connected client (e.g. its identity was revoked). */
  disconnect(clientId: string): void;
  /** Drops every connection of a consumer key (it was revoked); returns how many. */
  disconnectConsumer(keyId: string): number;
  /** Client ids connected with a consumer key. */
  consumerClients(keyId: string): string[];
  close(): Promise<void>;
}

const identities = new WeakMap<Client, BrokerIdentity>();

/** Messages the embedded broker delivers at once (see startEmbeddedBroker). */
const BROKER_CONCURRENCY = 2_000;

/** Messages (not bytes) queued for a consumer beyond which it is dropped, whatever their size. */
const CONSUMER_MAX_PENDING_MESSAGES = 10_000;
/** Open connections per consumer key: each may hold its buffer bound, so their number is bounded too. */
const CONSUMER_MAX_CONNECTIONS_PER_KEY = 10;

function agentMayUse(
  identity: Extract<BrokerIdentity, { kind: "agent" }>,
  topicName: string,
  allowed: readonly string[],
): boolean {
  const parsed = parseTopic(topicName);
  return Boolean(
    parsed &&
      parsed.tenantId === identity.tenantId &&
      parsed.hostId === identity.hostId &&
      allowed.includes(parsed.channel),
  );
}

function mayPublish(identity: BrokerIdentity, topicName: string): boolean {
  switch (identity.kind) {
    case "internal":
      return true;
    case "agent":
      return agentMayUse(identity, topicName, AGENT_PUBLISHES);
    case "consumer":
      return false;
  }
}

function maySubscribe(identity: BrokerIdentity, filter: string): boolean {
  switch (identity.kind) {
    case "internal":
      return true;
    case "agent":
      return agentMayUse(identity, filter, AGENT_RECEIVES);
    case "consumer":
      return consumerMaySubscribe(identity.tenantId, filter);
  }
}

type Deliver = (packet: unknown, done: () => void) => void;
interface ClientInternals {
  id: string;
  conn: Socket;
  deliver0: Deliver;
  deliverQoS: Deliver;
  close(): void;
}

/**
 * A consumer never holds up the broker: aedes waits for a subscriber's socket to drain before it completes a
 * delivery (and so before the publisher's PUBACK, and it has 100 deliveries in flight for the whole broker), so one
 * stalled reader would stall every agent. A consumer's deliveries complete at once instead (QoS 0), its unsent bytes
 * are bounded, and past the bound it is disconnected.
 */
function boundDelivery(client: Client, maxBufferedBytes: number, onDropped: () => void): void {
  const c = client as unknown as ClientInternals;
  const deliver0 = c.deliver0;
  let pending = 0;
  let dropped = false;
  const bounded: Deliver = (packet, done) => {
    if (!dropped && (c.conn.writableLength > maxBufferedBytes || pending >= CONSUMER_MAX_PENDING_MESSAGES)) {
      dropped = true;
      onDropped();
      c.close();
    }
    if (!dropped) {
      pending++;
      deliver0(packet, () => pending--);
    }
    done();
  };
  // Every subscription of a consumer is granted QoS 0; retained messages use deliverQoS: both go through the bound.
  c.deliver0 = bounded;
  c.deliverQoS = bounded;
}

interface ParserInternals {
  _queue: { cmd?: string; subscriptions?: { qos: number }[] }[] | null;
  prependListener(
    event: "packet",
    listener: (packet: { cmd?: string; subscriptions?: { qos: number }[] }) => void,
  ): void;
}

/**
 * A consumer's SUBSCRIBE asks for QoS 0 whatever it requested, so that its SUBACK grants what it will get (aedes takes
 * the granted QoS from the request). Packets parsed while the login was checked are queued: they are rewritten too.
 */
function grantQos0(client: Client): void {
  const parser = (client as unknown as { _parser: ParserInternals })._parser;
  const downgrade = (packet: { cmd?: string; subscriptions?: { qos: number }[] }) => {
    if (packet.cmd === "subscribe") for (const sub of packet.subscriptions ?? []) sub.qos = 0;
  };
  for (const packet of parser._queue ?? []) downgrade(packet);
  parser.prependListener("packet", downgrade);
}

/** Whether MQTT topic filter `filter` matches `name` (`+` one level, `#` the rest; wildcards never match `$...`). */
export function topicMatches(filter: string, name: string): boolean {
  if (name.startsWith("$") && (filter.startsWith("+") || filter.startsWith("#"))) return false;
  const f = filter.split("/");
  const t = name.split("/");
  for (let i = 0; i < f.length; i++) {
    if (f[i] === "#") return true;
    if (i >= t.length || (f[i] !== "+" && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
}

type RetainedPacket = { topic: string; payload: Buffer };
interface RetainedStore {
  storeRetained(packet: RetainedPacket, cb?: (err: Error | null) => void): Promise<void> | undefined;
  createRetainedStream(pattern: string): Readable;
  createRetainedStreamCombi(patterns: string[]): Readable;
}

/**
 * Retained messages indexed by topic. aedes' memory persistence finds the retained messages of a SUBSCRIBE by
 * testing every retained topic against the filter: with two retained messages per host (presence, policies) a
 * fleet's connect storm is quadratic (10,000 agents × 6 subscriptions × 20,000 topics), enough to stall the event
 * loop past the agents' keep-alive. Agents subscribe to exact topics: those are a map lookup; only wildcard filters
 * (the control plane's own bridge, consumers) scan.
 */
function indexRetained(persistence: RetainedStore): void {
  const retained = new Map<string, RetainedPacket>();
  function* matching(patterns: string[]) {
    for (const pattern of patterns) {
      if (!pattern.includes("+") && !pattern.includes("#")) {
        const packet = retained.get(pattern);
        if (packet) yield packet;
      } else for (const [name, packet] of retained) if (topicMatches(pattern, name)) yield packet;
    }
  }
  persistence.storeRetained = (packet, cb) => {
    if (packet.payload.length === 0) retained.delete(packet.topic);
    else retained.set(packet.topic, { ...packet });
    if (!cb) return Promise.resolve();
    process.nextTick(cb, null);
    return undefined;
  };
  persistence.createRetainedStream = (pattern) => Readable.from(matching([pattern]));
  persistence.createRetainedStreamCombi = (patterns) => Readable.from(matching(patterns));
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  // Deliveries in flight for the whole broker (aedes: 100). A delivery to a subscriber whose socket is full waits for
  // it to drain, holding its slot: with a fleet of thousands, a few hundred slow readers would stall every message.
  const broker = await Aedes.createBroker({ maxClientsIdLength: 128, concurrency: BROKER_CONCURRENCY });
  indexRetained((broker as unknown as { persistence: RetainedStore }).persistence);
  const clients = () => (broker as unknown as { clients: Record<string, Client | undefined> }).clients;
  const consumersOf = (keyId: string) =>
    Object.values(clients()).filter((client): client is Client => {
      const identity = client && identities.get(client);
      return identity?.kind === "consumer" && identity.keyId === keyId;
    });

  broker.authenticate = (client, username, password, done) => {
    opts
      .authenticate(
        client.id,
        username,
        password?.toString("utf8"),
        (client as { conn?: { remoteAddress?: string } }).conn?.remoteAddress,
      )
      .then((identity) => {
        if (!identity) {
          const error = Object.assign(new Error("bad credentials"), { returnCode: 4 });
          return done(error as never, false);
        }
        if (
          identity.kind === "consumer" &&
          consumersOf(identity.keyId).filter((other) => other.id !== client.id).length >=
            CONSUMER_MAX_CONNECTIONS_PER_KEY
        ) {
          const error = new Error(`consumer key ${identity.keyId} has ${CONSUMER_MAX_CONNECTIONS_PER_KEY} connections`);
          return done(Object.assign(error, { returnCode: 3 }) as never, false);
        }
        identities.set(client, identity);
        if (identity.kind === "consumer") {
          grantQos0(client);
          boundDelivery(client, opts.consumerMaxBufferedBytes ?? 1024 * 1024, () =>
            opts.onSlowConsumer?.(identity.keyId, client.id),
          );
        }
        done(null, true);
      })
      .catch((err) => done(err, false));
  };

  broker.authorizePublish = (client, packet, done) => {
    if (packet.topic.startsWith("$SYS/")) return done(new Error("$SYS is read-only"));
    // A Last Will published after its client is gone: it was authorised when the client connected.
    if (!client) return done(null);
    const identity = identities.get(client);
    if (identity && mayPublish(identity, packet.topic)) return done(null);
    done(new Error(`not allowed to publish to ${packet.topic}`));
  };

  broker.authorizeSubscribe = (client, subscription, done) => {
    const identity = client && identities.get(client);
    // A consumer reads at QoS 0: nothing is kept for it, nothing waits for its acknowledgement.
    if (identity && maySubscribe(identity, subscription.topic))
      return done(null, identity.kind === "consumer" ? { ...subscription, qos: 0 } : subscription);
    done(null, null); // refused: SUBACK 0x80, the connection stays up
  };

  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;

  type InProcessDeliver = (packet: { topic: string; payload: Buffer | string }, done: () => void) => void;
  const inProcess: InProcessBroker = {
    // Through the broker's own pipeline (retained store, offline queues, subscribers), as a client's PUBLISH after
    // its authorisation: the callback comes when subscribers have it, which is when the broker would PUBACK.
    publish: (topicName, payload, { qos, retain }) =>
      new Promise((resolve, reject) =>
        broker.publish({ cmd: "publish", topic: topicName, payload, qos, retain, dup: false } as never, (err) =>
          err ? reject(err) : resolve(),
        ),
      ),
    subscribe: (filter, onMessage) => {
      const deliver: InProcessDeliver = (packet, done) => {
        onMessage(packet.topic, typeof packet.payload === "string" ? Buffer.from(packet.payload) : packet.payload);
        done();
      };
      return new Promise((resolve, reject) =>
        broker.subscribe(
          filter,
          deliver as never,
          ((err?: Error) =>
            err ? reject(err) : resolve(() => broker.unsubscribe(filter, deliver as never, () => {}))) as never,
        ),
      );
    },
  };

  return {
    port,
    inProcess,
    disconnect(clientId) {
      clients()[clientId]?.close();
    },
    disconnectConsumer(keyId) {
      const connected = consumersOf(keyId);
      for (const client of connected) client.close();
      return connected.length;
    },
    consumerClients: (keyId) => consumersOf(keyId).map((client) => client.id),
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
