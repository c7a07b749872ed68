/** The embedded MQTT broker (aedes): agents log in with runtime access tokens and may only use their own topics. */
import { createServer, type Server } from "node:net";
import { Aedes, type Client } from "aedes";
import { AGENT_PUBLISHES, AGENT_RECEIVES, parseTopic } from "@edge/proto/wire";

/** Who a connection is: an agent (bound to its host's topics) or the control plane itself. */
export type BrokerIdentity =
  | { kind: "agent"; tenantId: string; hostId: string; runtimeId: string }
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
}

export interface EmbeddedBroker {
  port: number;
  /** Drops a connected client (e.g. its identity was revoked). */
  disconnect(clientId: string): void;
  close(): Promise<void>;
}

const identities = new WeakMap<Client, BrokerIdentity>();

function agentMayUse(identity: BrokerIdentity, topicName: string, allowed: readonly string[]): boolean {
  if (identity.kind === "internal") return true;
  const parsed = parseTopic(topicName);
  return Boolean(
    parsed &&
      parsed.tenantId === identity.tenantId &&
      parsed.hostId === identity.hostId &&
      allowed.includes(parsed.channel),
  );
}

export async function startEmbeddedBroker(opts: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker({ maxClientsIdLength: 128 });

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
        identities.set(client, identity);
        done(null, true);
      })
      .catch((err) => done(err, false));
  };

  broker.authorizePublish = (client, packet, done) => {
    if (packet.topic.startsWith("$SYS/")) return done(new Error("$SYS is read-only"));
    // A Last Will published after its client is gone: it was authorised when the client connected.
    if (!client) return done(null);
    const identity = identities.get(client);
    if (identity && agentMayUse(identity, packet.topic, AGENT_PUBLISHES)) return done(null);
    done(new Error(`not allowed to publish to ${packet.topic}`));
  };

  broker.authorizeSubscribe = (client, subscription, done) => {
    const identity = client && identities.get(client);
    if (identity && agentMayUse(identity, subscription.topic, AGENT_RECEIVES)) return done(null, subscription);
    done(null, null); // refused: SUBACK 0x80, the connection stays up
  };

  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host ?? "0.0.0.0", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : opts.port;

  return {
    port,
    disconnect(clientId) {
      const clients = (broker as unknown as { clients: Record<string, { close(): void } | undefined> }).clients;
      clients[clientId]?.close();
    },
    async close() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
