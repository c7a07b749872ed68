/**
 * Connection actor: owns the MQTT client. Connects with a persistent session and a Last Will (OFFLINE presence),
 * announces ONLINE, subscribes to its host's cmd, cancel, receipt and policies topics, drives the outbox pump, and
 * reconnects with jittered exponential backoff. A refused password triggers a token refresh before the next attempt.
 * Outbox rows go out numbered (agent_seq) and leave the outbox on the control plane's receipt, not on the broker's
 * PUBACK; rows unreceipted after `receiptTimeoutMs` are sent again.
 * While a gRPC session is up (see session.ts) the pump sends through it instead, and falls back to MQTT after.
 */
import type { PtyInput } from "@edge/proto/grpc";
import type { PtyReply } from "./pty.ts";
import type { ActorContext, ActorRef, Behavior, ReplyTo } from "../actors/index.ts";
import type { TokenRefresherMsg } from "../auth/token-refresher.ts";
import type { BackoffRange } from "../backoff.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { RuntimeIdentity } from "../store/identity-store.ts";
import type { Outbox } from "../store/outbox.ts";
import { readVersion, type VersionSource } from "../version.ts";
import {
  PresenceState,
  codecs,
  topic,
  withAgentSeq,
  type AgentSafetyState,
  type Codec,
  type Command,
  type CommandCancel,
  type EmergencyStop,
  type Receipt,
  type RuntimeRequest,
} from "@edge/proto/wire";
import { connectMqtt, type InboundPublish, type MqttClientOptions, type MqttLink } from "./mqtt/client.ts";
import { mqttOptionsFromUrl } from "./mqtt-url.ts";
import { OutboxPump, type PublishSettled, type Publisher } from "./outbox-pump.ts";
import { AwaitingReceipts } from "./receipts.ts";
import { Reconnect } from "./reconnect.ts";

/** Opens an MQTT connection (default connectMqtt; tests may pass mqtt.js's `mqtt.connect`). */
export type MqttConnect = (options: MqttClientOptions) => MqttLink;

export type ConnectionMsg =
  | { type: "connect" }
  | { type: "connected"; attempt: number }
  | { type: "closed"; attempt: number }
  | { type: "refused"; attempt: number; code: number; message: string }
  /** The token refresher has a new access token. */
  | { type: "credentialsRenewed" }
  /** New outbox rows. */
  | { type: "kick" }
  /** Publish now, ahead of the outbox (safety state); dropped while disconnected (re-sent on connect). */
  | { type: "publishSafety"; state: AgentSafetyState }
  | { type: "published"; event: PublishSettled }
  /** The control plane processed these messages. */
  | { type: "receipt"; receipt: Receipt }
  /** Periodic: resend if receipts are overdue. */
  | { type: "checkReceipts" }
  /** A gRPC session was welcomed: the outbox goes through `publisher` (once MQTT's in-flight rows are acked). */
  | { type: "sessionUp"; publisher: Publisher }
  /** That session ended: back to MQTT. */
  | { type: "sessionDown"; publisher: Publisher }
  /** Replies true once the outbox is empty, false if it could not be emptied in time. */
  | { type: "drain"; timeoutMs: number; replyTo: ReplyTo<boolean> }
  /** Final: optionally publish OFFLINE presence, then disconnect; no reconnects afterwards. */
  | { type: "close"; announceOffline: boolean; replyTo?: ReplyTo<void> };

/**
 * Handlers for inbound messages, shared with the gRPC session; each resolves once the message is durably handled
 * (then it is PUBACKed). Undecodable payloads are acknowledged and dropped before they get here.
 */
export interface InboundHandlers {
  command(command: Command): Promise<void>;
  cancel(cancel: CommandCancel): Promise<void>;
  /** The PolicySet payload as received (it is stored as is). */
  policySet(payload: Uint8Array): Promise<void>;
  /** Resolves once latched (the kill itself proceeds in the background). */
  estop?(stop: EmergencyStop): Promise<void>;
  /** A forwarded request to the workspace runtime API; `reply` sends each part of the answer back. */
  runtimeRequest?(request: RuntimeRequest, reply: (part: RuntimeResponsePart) => void): void;
  /** A message for an interactive terminal (gRPC session only); `reply` sends its output back on that session. */
  pty?(input: PtyInput, reply: PtyReply): void;
  /** The session that carried the terminals ended: hang them up. */
  ptySessionLost?(): void;
}

/** One part of the answer to a RuntimeRequest (edge.proto RuntimeResponse). */
export interface RuntimeResponsePart {
  id: string;
  part: number;
  status: number;
  contentType: string;
  chunk: Uint8Array;
  end: boolean;
}

export interface ConnectionDeps {
  mqttUrl: string;
  runtimeId: string;
  keepaliveSeconds: number;
  /** How long a published row waits for its receipt before everything unreceipted is sent again. */
  receiptTimeoutMs: number;
  backoff: BackoffRange;
  identity: RuntimeIdentity;
  /** The current access token (the MQTT password). */
  accessToken(): string;
  agentVersion: VersionSource;
  outbox: Outbox;
  auth: ActorRef<TokenRefresherMsg>;
  inbound: InboundHandlers;
  log: Logger;
  connect?: MqttConnect;
  /** Observes connection state changes (tests, metrics). */
  onStateChange?(connected: boolean): void;
  /** The current AgentSafetyState, published on every connect (the control plane shows what the agent acknowledged). */
  safetyState?(): AgentSafetyState;
}

/** CONNACK return codes (MQTT 3.1.1) meaning our credentials were not accepted. */
const BAD_CREDENTIALS = new Set([4, 5]);
const CONNECT_TIMEOUT_MS = 15_000;
const CLOSE_TIMEOUT_MS = 2_000;
/** The receipt timeout grows up to this many times the configured one while nothing is receipted. */
const MAX_RECEIPT_BACKOFF = 16;

export function connection(deps: ConnectionDeps) {
  const { log, identity } = deps;
  const topics = {
    presence: topic(identity.tenantId, identity.hostId, "presence"),
    cmd: topic(identity.tenantId, identity.hostId, "cmd"),
    cancel: topic(identity.tenantId, identity.hostId, "cancel"),
    receipt: topic(identity.tenantId, identity.hostId, "receipt"),
    policies: topic(identity.tenantId, identity.hostId, "policies"),
    estop: topic(identity.tenantId, identity.hostId, "estop"),
    safety: topic(identity.tenantId, identity.hostId, "safety"),
    runtimeReq: topic(identity.tenantId, identity.hostId, "runtime-req"),
    runtimeRes: topic(identity.tenantId, identity.hostId, "runtime-res"),
  };
  const presence = (state: PresenceState) =>
    Buffer.from(codecs.presence.encode({ state, agentVersion: readVersion(deps.agentVersion), atMs: Date.now() }));

  return ({ self, timers }: ActorContext<ConnectionMsg>): Behavior<ConnectionMsg> => {
    let client: MqttLink | undefined;
    let connected = false;
    /** Identifies the client an event comes from; events of older clients are ignored. */
    let attempt = 0;
    const reconnect = new Reconnect(timers, { type: "connect" } as const, {
      backoff: deps.backoff,
      auth: deps.auth,
      log,
    });
    let mqttPublisher: Publisher | undefined;
    let sessionPublisher: Publisher | undefined;
    const pump = new OutboxPump(deps.outbox, (event) => self.tell({ type: "published", event }));
    /** Rows the current MQTT connection sent, waiting for their receipt. */
    let awaiting = new AwaitingReceipts();
    /** The receipt timeout, doubled after each resend that brought no receipt (a slow control plane is not flooded). */
    let receiptTimeoutMs = deps.receiptTimeoutMs;

    function connect(): void {
      if (!reconnect.mayConnect || client) return;
      const current = ++attempt;
      log.debug(`connecting to ${deps.mqttUrl} (attempt ${current})`);
      const next = (deps.connect ?? connectMqtt)({
        ...mqttOptionsFromUrl(deps.mqttUrl),
        clientId: deps.runtimeId,
        username: deps.runtimeId,
        password: deps.accessToken(),
        protocolVersion: 4,
        // Persistent session: the broker queues QoS 1 commands while we are away.
        clean: false,
        keepalive: deps.keepaliveSeconds,
        reconnectPeriod: 0,
        connectTimeout: CONNECT_TIMEOUT_MS,
        resubscribe: false,
        will: { topic: topics.presence, payload: presence(PresenceState.PRESENCE_STATE_OFFLINE), qos: 1, retain: true },
      });
      client = next;
      // PUBACK only once the message is durably handled, so a crash before that means redelivery, not loss.
      next.handleMessage = (packet, done) => {
        route(packet).then(
          () => done(),
          (error) => {
            log.warn(`not acknowledging message on ${packet.topic}: ${errorMessage(error)}`);
            done(error as Error);
          },
        );
      };
      next.on("connect", () => self.tell({ type: "connected", attempt: current }));
      next.on("close", () => self.tell({ type: "closed", attempt: current }));
      next.on("error", (error) => {
        const code = (error as { code?: unknown }).code;
        if (typeof code === "number" && BAD_CREDENTIALS.has(code)) {
          self.tell({ type: "refused", attempt: current, code, message: error.message });
        } else {
          reconnect.failed(error.message);
          log.debug(`mqtt: ${error.message}`);
        }
      });
    }

    /** The message, or undefined (logged) when the payload is not one: acknowledged, never redelivered. */
    function decode<T>(codec: Codec<T>, payload: Uint8Array, what: string): T | undefined {
      try {
        return codec.decode(payload);
      } catch (error) {
        log.warn(`dropping undecodable ${what}: ${errorMessage(error)}`);
        return undefined;
      }
    }

    async function route(packet: InboundPublish): Promise<void> {
      const payload = new Uint8Array(packet.payload);
      const { inbound } = deps;
      switch (packet.topic) {
        case topics.cmd: {
          const command = decode(codecs.command, payload, "command");
          return command && inbound.command(command);
        }
        case topics.cancel: {
          const cancel = decode(codecs.commandCancel, payload, "cancel");
          return cancel && inbound.cancel(cancel);
        }
        case topics.receipt: {
          const receipt = decode(codecs.receipt, payload, "receipt");
          if (receipt) self.tell({ type: "receipt", receipt });
          return;
        }
        case topics.policies:
          return inbound.policySet(payload);
        case topics.estop: {
          const stop = inbound.estop && decode(codecs.emergencyStop, payload, "emergency stop");
          return stop && inbound.estop?.(stop);
        }
        case topics.runtimeReq: {
          const request = decode(codecs.runtimeRequest, payload, "runtime request");
          if (!request) return;
          const current = client;
          // Answers are not durable (no outbox): the control plane waits for them only so long.
          const reply = (part: RuntimeResponsePart) =>
            current?.publish(
              topics.runtimeRes,
              Buffer.from(codecs.runtimeResponse.encode(part)),
              { qos: 1 },
              (error) => {
                if (error) log.debug(`runtime response part not published: ${error.message}`);
              },
            );
          if (!inbound.runtimeRequest) {
            const chunk = new TextEncoder().encode(JSON.stringify({ error: "this agent has no workspace runtime" }));
            reply({ id: request.id, part: 0, status: 501, contentType: "application/json", chunk, end: true });
            return;
          }
          return inbound.runtimeRequest(request, reply);
        }
        default:
          log.debug(`ignoring message on unexpected topic ${packet.topic}`);
      }
    }

    function onConnected(): void {
      const current = client!;
      connected = true;
      reconnect.succeeded();
      log.info(`connected to ${deps.mqttUrl} as ${deps.runtimeId}`);
      deps.onStateChange?.(true);
      current.publish(
        topics.presence,
        presence(PresenceState.PRESENCE_STATE_ONLINE),
        { qos: 1, retain: true },
        (error) => {
          if (error) log.warn(`publishing ONLINE presence failed: ${error.message}`);
        },
      );
      const subscriptions = {
        [topics.estop]: { qos: 1 as const },
        [topics.cmd]: { qos: 1 as const },
        [topics.cancel]: { qos: 1 as const },
        [topics.receipt]: { qos: 1 as const },
        [topics.policies]: { qos: 1 as const },
        [topics.runtimeReq]: { qos: 1 as const },
      };
      current.subscribe(subscriptions, (error, granted) => {
        const refused = granted?.filter((g) => g.qos === 128).map((g) => g.topic) ?? [];
        if (!error && refused.length === 0) return log.debug("subscribed to estop, cmd, cancel, receipt and policies");
        log.error(`subscription failed (${error ? error.message : `refused: ${refused.join(", ")}`}); reconnecting`);
        current.end(true);
      });
      const waiting = new AwaitingReceipts();
      awaiting = waiting;
      if (deps.safetyState) publishSafety(deps.safetyState());
      mqttPublisher = {
        // Settled by the receipt (or failed with the publish); the PUBACK alone settles nothing.
        publish: (row, done) => {
          waiting.add(row.seq, done);
          const payload = Buffer.from(withAgentSeq(row.payload, row.seq, deps.outbox.floor()));
          current.publish(row.topic, payload, { qos: 1 }, (error) => error && waiting.fail(row.seq, error));
        },
      };
      timers.startPeriodicTimer(
        "checkReceipts",
        { type: "checkReceipts" },
        Math.max(50, Math.min(1_000, deps.receiptTimeoutMs / 4)),
      );
      if (!sessionPublisher) pump.attach(mqttPublisher);
    }

    function onReceipt(receipt: Receipt): void {
      // Processed, whichever connection or transport sent them: never to be sent again.
      deps.outbox.removeThrough(receipt.throughSeq);
      for (const seq of receipt.seqs) deps.outbox.remove(seq);
      const settled = awaiting.settle(receipt);
      if (settled > 0) receiptTimeoutMs = deps.receiptTimeoutMs;
      log.debug(
        `receipt through ${receipt.throughSeq}${receipt.seqs.length ? ` and ${receipt.seqs.join(", ")}` : ""}: ${settled} message(s) settled`,
      );
    }

    function checkReceipts(): void {
      if (!awaiting.overdue(receiptTimeoutMs)) return;
      log.info(
        `no receipt from the control plane for ${awaiting.size} message(s) in ${receiptTimeoutMs}ms: sending again`,
      );
      receiptTimeoutMs = Math.min(receiptTimeoutMs * 2, deps.receiptTimeoutMs * MAX_RECEIPT_BACKOFF);
      awaiting.clear();
      pump.resend();
    }

    function publishSafety(state: AgentSafetyState): void {
      if (!client || !connected) return;
      client.publish(topics.safety, Buffer.from(codecs.safetyState.encode(state)), { qos: 1 }, (error) => {
        if (error) log.warn(`publishing on ${topics.safety} failed: ${error.message}`);
      });
    }

    function onClosed(): void {
      const wasConnected = connected;
      client?.removeAllListeners();
      client?.on("error", () => {}); // late socket errors of a dead client must not become uncaught
      client?.end(true);
      client = undefined;
      connected = false;
      timers.cancel("checkReceipts");
      awaiting.clear();
      if (mqttPublisher) pump.drop(mqttPublisher);
      mqttPublisher = undefined;
      if (wasConnected) {
        if (reconnect.isClosed) log.info("disconnected from broker");
        else log.warn("connection to broker lost");
        deps.onStateChange?.(false);
      }
      reconnect.schedule();
    }

    async function close(announceOffline: boolean): Promise<void> {
      reconnect.close();
      const current = client;
      if (!current) return;
      if (connected && announceOffline) {
        const sent = current.publishAsync(topics.presence, presence(PresenceState.PRESENCE_STATE_OFFLINE), {
          qos: 1,
          retain: true,
        });
        await withTimeout(sent, CLOSE_TIMEOUT_MS).catch((error) =>
          log.warn(`publishing OFFLINE presence failed: ${errorMessage(error)}`),
        );
        // A clean DISCONNECT: the broker discards the Last Will.
        await withTimeout(current.endAsync(false), CLOSE_TIMEOUT_MS).catch(() => current.end(true));
      } else {
        current.end(true);
      }
      onClosed();
    }

    return {
      preStart() {
        self.tell({ type: "connect" });
      },

      async receive(msg) {
        switch (msg.type) {
          case "connect":
            return connect();
          case "connected":
            if (msg.attempt === attempt && client) onConnected();
            return;
          case "closed":
            if (msg.attempt === attempt && client) onClosed();
            return;
          case "refused":
            if (msg.attempt !== attempt) return;
            log.warn(`broker refused our credentials (${msg.message}); refreshing the access token`);
            return reconnect.refused("broker refused the access token");
          case "credentialsRenewed":
            return reconnect.credentialsRenewed(client !== undefined);
          case "kick":
            return pump.pump();
          case "publishSafety":
            return publishSafety(msg.state);
          case "published":
            return pump.settle(msg.event);
          case "receipt":
            return onReceipt(msg.receipt);
          case "checkReceipts":
            return checkReceipts();
          case "sessionUp":
            sessionPublisher = msg.publisher;
            return pump.handover(msg.publisher);
          case "sessionDown":
            if (sessionPublisher !== msg.publisher) return;
            sessionPublisher = undefined;
            pump.drop(msg.publisher);
            if (mqttPublisher) pump.handover(mqttPublisher);
            return;
          case "drain":
            // Not awaited: the acks that empty the outbox arrive through this mailbox.
            if (pump.connected) void pump.whenEmpty(msg.timeoutMs).then(msg.replyTo);
            else msg.replyTo(deps.outbox.size() === 0);
            return;
          case "close":
            await close(msg.announceOffline);
            msg.replyTo?.();
            return;
        }
      },

      postStop() {
        reconnect.close();
        if (client) onClosed();
      },
    };
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms}ms`)), ms)),
  );
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
