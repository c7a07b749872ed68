/** Starts MQTT: the embedded broker (unless MQTT_URL is set) and the control plane's bridge to it. */
import { randomBytes } from "node:crypto";
import { hashSecret, secretMatches } from "../lib/secrets";
import type { Config } from "../config";
import type { Services } from "../services";
import { startEmbeddedBroker, type BrokerIdentity, type EmbeddedBroker } from "./embedded-broker";
import type { Database } from "../db/connect";
import { ClusterEvents } from "../lib/cluster-events";
import { JsonMirror } from "./json-mirror";
import { startGrpcServer, type GrpcServer } from "./grpc";
import { MqttBridge } from "./mqtt";
import { normalizeAddress } from "../lib/rate-limit";
import { CONSUMER_ID_PREFIX } from "../modules/consumers/service";

export interface Transport {
  /** The broker URL agents should use. */
  mqttUrl: string;
  broker?: EmbeddedBroker;
  bridge: MqttBridge;
  grpc: GrpcServer;
  /** The cluster's shared events (PostgreSQL NOTIFY), for live watches and streams. */
  cluster: ClusterEvents;
  /** How the control plane itself logs in to the broker (in-process use only, e.g. benchmarks). */
  credentials: { username?: string; password?: string };
  stop(): Promise<void>;
}

const INTERNAL_USER = "control-plane";

export async function startTransport(config: Config, services: Services, database: Database): Promise<Transport> {
  const mirror = new JsonMirror(services);
  services.agents.inbox.mirrorTo(mirror);
  const cluster = new ClusterEvents(database, services.events, (err) =>
    services.log.error("cluster event relay failed", err),
  );
  await cluster.start();
  const started = await startGrpcServer(services, cluster, {
    port: config.grpcPort,
    host: config.host,
  });
  const grpc = {
    port: started.port,
    host: started.host,
    separate: started.separate,
    async stop() {
      await started.stop();
      await cluster.stop();
    },
  };
  if (config.mqttUrl) {
    const bridge = new MqttBridge(services.agents, services.log, {
      url: config.mqttUrl,
      username: config.mqttUsername,
      password: config.mqttPassword,
      sharedGroup: config.mqttSharedGroup,
      clientId: config.mqttClientId,
      count: services.metrics.mqttMessage,
    });
    await bridge.start();
    services.agents.delivery.start(bridge, config.commandRedeliverySeconds * 1000);
    services.pty.setRelay(bridge);
    services.agents.setBrokerRuntimeOutlet((tenantId, hostId, request) =>
      bridge.send(tenantId, hostId, "runtime-req", request).then(() => true),
    );
    mirror.start((name, payload, retain) => bridge.publishQos0(name, payload, retain));
    return {
      mqttUrl: config.mqttUrl,
      bridge,
      grpc,
      cluster,
      credentials: { username: config.mqttUsername, password: config.mqttPassword },
      async stop() {
        mirror.stop();
        services.agents.delivery.stop();
        await grpc.stop();
        await bridge.stop();
      },
    };
  }

  // Embedded: the bridge logs in with a per-process secret; agents with their runtime access token.
  const internalSecret = randomBytes(32).toString("base64url");
  const internalSecretHash = hashSecret(internalSecret);
  const brokerIdentity = async (
    clientId: string,
    username?: string,
    password?: string,
  ): Promise<BrokerIdentity | undefined> => {
    if (username === INTERNAL_USER)
      return password && secretMatches(password, internalSecretHash) ? { kind: "internal" } : undefined;
    if (username?.startsWith(`${CONSUMER_ID_PREFIX}_`)) {
      // The client id starts with the key id, so a consumer can never take over an agent's or another key's session.
      if (clientId !== username && !clientId.startsWith(`${username}-`))
        throw Object.assign(new Error(`a consumer's client id must be ${username} or start with ${username}-`), {
          returnCode: 2,
        });
      const consumer = await services.consumers.authenticate(username, password);
      return consumer && { kind: "consumer", ...consumer };
    }
    if (!password || username !== clientId) return undefined;
    const principal = await services.agents.authenticate(password);
    if (!principal || principal.runtimeId !== clientId) return undefined;
    return { kind: "agent", tenantId: principal.tenantId, hostId: principal.hostId, runtimeId: principal.runtimeId };
  };
  const broker = await startEmbeddedBroker({
    port: config.mqttPort,
    host: config.host,
    async authenticate(clientId, username, password, remoteAddress) {
      // Logins share the failed-authentication budget of their address with the HTTP API and gRPC (the bridge's own
      // login is never refused for it: it comes from this host, like a local attacker might).
      const source = normalizeAddress(remoteAddress ?? "unknown");
      if (username !== INTERNAL_USER && services.rateLimits.failuresBySource.retryAfter(source) !== undefined)
        return undefined;
      const identity = await brokerIdentity(clientId, username, password);
      if (!identity) services.rateLimits.failuresBySource.hit(source);
      return identity;
    },
    consumerMaxBufferedBytes: config.mqttConsumerMaxBufferBytes,
    onSlowConsumer: (keyId, clientId) =>
      services.log.info(`MQTT consumer ${clientId} (key ${keyId}) dropped: it did not keep up with its messages`),
  });
  const dropRevoked = services.events.subscribe((event) => {
    if (event.type === "runtime.revoked") broker.disconnect(event.runtimeId);
    // Its token may belong to the revoked family: it logs in again, and only a live token gets in.
    if (event.type === "session.revoked" && event.runtimeId) broker.disconnect(event.runtimeId);
    if (event.type === "consumer_key.revoked") broker.disconnectConsumer(event.keyId);
  });
  const host = config.host === "0.0.0.0" ? "127.0.0.1" : config.host;
  const bridge = new MqttBridge(services.agents, services.log, {
    url: `mqtt://${host}:${broker.port}`,
    count: services.metrics.mqttMessage,
    inProcess: broker.inProcess,
  });
  await bridge.start();
  services.agents.delivery.start(bridge, config.commandRedeliverySeconds * 1000);
  services.pty.setRelay(bridge);
  services.agents.setBrokerRuntimeOutlet((tenantId, hostId, request) =>
    bridge.send(tenantId, hostId, "runtime-req", request).then(() => true),
  );
  mirror.start((name, payload, retain) => bridge.publishQos0(name, payload, retain));
  return {
    mqttUrl: `mqtt://${host}:${broker.port}`,
    broker,
    bridge,
    grpc,
    cluster,
    credentials: { username: INTERNAL_USER, password: internalSecret },
    async stop() {
      mirror.stop();
      dropRevoked();
      services.agents.delivery.stop();
      await grpc.stop();
      await bridge.stop();
      await broker.close();
    },
  };
}
