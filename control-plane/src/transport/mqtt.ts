/**
 * The control plane's MQTT adapter over the agents module: decodes what agents publish (acks, status, telemetry,
 * presence...) and hands it to the module; encodes and publishes what the module sends (it is delivery's broker
 * outlet). Numbered agent messages are answered with a receipt once applied: the broker's PUBACK only means the
 * broker has the message, and a broker with no subscriber drops it.
 */
import { latencyTraceOn, mark } from "../lib/latency-trace";
import { asSystem } from "../db/context";
import type { MqttClient } from "mqtt";
import { randomBytes } from "node:crypto";
import type { Logger } from "@edge/proto/log";
import {
  type AgentRef,
  type AgentService,
  type BrokerOutlet,
  type OutboundMessages,
  MAX_REPORTS_APPLYING,
  storableText,
} from "../modules/agents/service";
import {
  PresenceState,
  codecs,
  everyHostTopic,
  parseTopic,
  topic,
  type AgentSequenced,
  type Codec,
} from "@edge/proto/wire";
import { TelemetryBusy } from "../modules/hosts/telemetry-writer";
import type { Relay } from "../modules/pty/channels";

export interface MqttBridgeOptions {
  url: string;
  username?: string;
  password?: string;
  /** Use `$share/{group}/...` for agent messages (external brokers; spreads load over replicas). */
  sharedGroup?: string;
  /**
   * A fixed client id: the bridge keeps a persistent session (clean: false), so the broker queues agent messages
   * while this replica restarts. A complement only: agents resend whatever is not receipted anyway.
   */
  clientId?: string;
  /** Counts each message: `in` from agents, `out` to them, by channel (the metrics' MQTT counters). */
  count?: (direction: "in" | "out", channel: string) => void;
  /**
   * The embedded broker itself: the bridge publishes and subscribes in-process instead of over an MQTT connection
   * to it (no encoding, socket, parsing and PUBACK per message on either side; `url` and the credentials unused).
   */
  inProcess?: InProcessBroker;
}

/** A broker the bridge uses in-process (the embedded one): what it publishes goes through the broker's pipeline. */
export interface InProcessBroker {
  /** Resolves once the broker has handed the message to its subscribers (as its PUBACK would say). */
  publish(topic: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }): Promise<void>;
  /** Calls `onMessage` for each message on a topic matching `filter`, in order; returns how to stop. */
  subscribe(filter: string, onMessage: (topic: string, payload: Buffer) => void): Promise<() => void>;
}

/** Decodes a payload, or undefined for bytes that are not that message (dropped, never fatal). */
function decode<T>(codec: Codec<T>, payload: Uint8Array): T | undefined {
  try {
    return codec.decode(payload);
  } catch {
    return undefined;
  }
}

/** The codec of each channel the control plane publishes on. */
const OUTBOUND_CODECS: { [C in keyof OutboundMessages]: Codec<unknown, OutboundMessages[C]> } = {
  cmd: codecs.command,
  cancel: codecs.commandCancel,
  estop: codecs.emergencyStop,
  policies: codecs.policySet,
  receipt: codecs.receipt,
  "runtime-req": codecs.runtimeRequest,
};

/**
 * QoS of each channel the control plane publishes on. A receipt goes at QoS 0: the agent keeps every message until
 * it is receipted and sends again what is not receipted in time, so a lost receipt costs a resend (applied once, by
 * its sequence number, and receipted again) — while QoS 1 would cost a broker-stored delivery and a PUBACK for every
 * one of them.
 */
const OUTBOUND_QOS: { [C in keyof OutboundMessages]: 0 | 1 } = {
  cmd: 1,
  cancel: 1,
  estop: 1,
  policies: 1,
  receipt: 0,
  "runtime-req": 1,
};

/** Receipts owed to one host beyond which they are sent without waiting for its queued messages. */
const MAX_OWED = 32;

/** Topics of the control plane's own relays between replicas (never an agent's: agents' ACLs stop at `edge/`). */
export const RELAY_PREFIX = "edge-cp/";

export class MqttBridge implements BrokerOutlet, Relay {
  private client?: MqttClient;
  private readonly chains = new Map<string, Promise<void>>();
  /** Per host: messages not finished (queued, being handled, or a report whose statement has not committed). */
  private readonly unfinished = new Map<string, number>();
  /** Per host: its reports handed to the batcher and not committed yet (see `report`). */
  private readonly reporting = new Map<string, Set<Promise<void>>>();
  /** Per host: receipts owed for messages applied while a later message of the host was queued (see `receipt`). */
  private readonly owed = new Map<string, { tenantId: string; hostId: string; through: number; seqs: number[] }>();
  private readonly relays = new Map<string, (payload: Uint8Array) => void>();

  constructor(
    private readonly agents: AgentService,
    private readonly log: Logger,
    private readonly opts: MqttBridgeOptions,
  ) {}

  /** Subscriptions made in-process (`inProcess`), stopped with the bridge. */
  private readonly inProcessSubscriptions: (() => void)[] = [];

  private onMessage(name: string, payload: Buffer): void {
    if (name.startsWith(RELAY_PREFIX)) {
      this.relays.get(name)?.(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
      return;
    }
    this.opts.count?.("in", name.slice(name.lastIndexOf("/") + 1));
    if (latencyTraceOn && name.endsWith("/ack")) {
      const u = decode(codecs.commandUpdate, payload);
      if (u) mark(u.commandId, `ack${u.status}.in`);
    }
    this.enqueue(name, payload);
  }

  async start(): Promise<void> {
    const { inProcess } = this.opts;
    if (inProcess) {
      const onMessage = (name: string, payload: Buffer) => this.onMessage(name, payload);
      for (const channel of ["presence", "safety", "ack", "log", "status", "telemetry", "runtime-res"] as const)
        this.inProcessSubscriptions.push(await inProcess.subscribe(everyHostTopic(channel), onMessage));
      return;
    }
    // Loaded only for an external broker: the embedded one is used in-process (a shorter start without it).
    const { default: mqtt } = await import("mqtt");
    const client = mqtt.connect(this.opts.url, {
      clientId: this.opts.clientId ?? `control-plane-${randomBytes(6).toString("hex")}`,
      username: this.opts.username,
      password: this.opts.password,
      clean: !this.opts.clientId,
      reconnectPeriod: 1000,
      // QoS 0 (the JSON mirror) is dropped while disconnected, never queued without bound.
      queueQoSZero: false,
      connectTimeout: 10_000,
    });
    this.client = client;
    client.on("message", (name, payload) => this.onMessage(name, payload));
    client.on("error", (err) => this.log.error("mqtt client error", err));
    client.on("connect", () => {
      const shared = (t: string) => (this.opts.sharedGroup ? `$share/${this.opts.sharedGroup}/${t}` : t);
      // Presence is retained, and retained messages are not delivered to shared subscriptions.
      client.subscribe(
        {
          [everyHostTopic("presence")]: { qos: 1 },
          [shared(everyHostTopic("safety"))]: { qos: 1 },
          [shared(everyHostTopic("ack"))]: { qos: 1 },
          [shared(everyHostTopic("log"))]: { qos: 1 },
          [shared(everyHostTopic("status"))]: { qos: 1 },
          [shared(everyHostTopic("telemetry"))]: { qos: 1 },
          // Not shared: the answer must reach the replica that forwarded the request (the others ignore its id).
          [everyHostTopic("runtime-res")]: { qos: 1 },
        },
        (err) => err && this.log.error("mqtt subscribe failed", err),
      );
    });
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
    });
  }

  async stop(): Promise<void> {
    for (const unsubscribe of this.inProcessSubscriptions.splice(0)) unsubscribe();
    await this.client?.endAsync();
  }

  async send<C extends keyof OutboundMessages>(
    tenantId: string,
    hostId: string,
    channel: C,
    message: OutboundMessages[C],
    { retain = false } = {},
  ): Promise<void> {
    const payload = OUTBOUND_CODECS[channel].encode(message);
    this.opts.count?.("out", channel);
    const name = topic(tenantId, hostId, channel);
    await this.out(name, Buffer.from(payload), { qos: OUTBOUND_QOS[channel], retain });
  }

  /** Publishes through the in-process broker or the client; rejects when there is neither (not started). */
  private async out(name: string, payload: Buffer, opts: { qos: 0 | 1; retain: boolean }): Promise<void> {
    if (this.opts.inProcess) return this.opts.inProcess.publish(name, payload, opts);
    if (!this.client) throw new Error("the MQTT bridge is not started");
    await this.client.publishAsync(name, payload, opts);
  }

  /**
   * Messages of one host are handled strictly in arrival order (a RUNNING ack must land before its
   * COMPLETED); different hosts proceed in parallel. Numbered reports (acks, status) are the exception that keeps
   * the order: each is handed to the report batcher, which applies an agent's reports in the order it got them, and
   * the next message goes on without waiting for the commit (see `report`).
   */
  private enqueue(name: string, payload: Buffer): void {
    const key = name.split("/").slice(0, 3).join("/");
    this.begin(key);
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      // Agents' messages are the process's own work (system), whatever context delivered them in-process.
      .then(() => asSystem("agent messages over MQTT", () => this.handle(name, payload, key)))
      .catch((err) => this.failed(name, err))
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
        this.end(key);
      });
    this.chains.set(key, next);
  }

  private failed(name: string, err: unknown): void {
    // A saturated telemetry ingest refuses on purpose: no receipt, so the agent sends the batch again later.
    if (err instanceof TelemetryBusy) this.log.debug(`telemetry on ${name} refused: ${err.message}`);
    else this.log.error(`mqtt message on ${name} failed`, err);
  }

  private begin(key: string): void {
    this.unfinished.set(key, (this.unfinished.get(key) ?? 0) + 1);
  }

  /** A message of the host is finished; after its last one, what its applied messages are owed goes in one receipt. */
  private end(key: string): void {
    const left = this.unfinished.get(key)! - 1;
    if (left > 0) {
      this.unfinished.set(key, left);
      return;
    }
    this.unfinished.delete(key);
    this.payReceipts(key);
  }

  /**
   * A numbered report: handed to the batcher (at once, in this turn, so in arrival order), and the host's next
   * message is handled without waiting for the commit — an agent's RUNNING and COMPLETED then reach the batcher
   * together and share one commit. Its receipt still waits for the commit, and any other message of the host
   * (`handle`) waits for the host's reports to be applied. An unnumbered report is applied in turn.
   */
  private async report(
    key: string,
    name: string,
    agent: AgentRef,
    message: AgentSequenced,
    apply: (agent: AgentRef, seq: number, floor: number) => Promise<number | undefined | null>,
  ): Promise<void> {
    if (!message.agentSeq || (this.reporting.get(key)?.size ?? 0) >= MAX_REPORTS_APPLYING)
      await this.reportsApplied(key);
    const applying = this.numbered(key, agent, message, { report: apply });
    if (!message.agentSeq) return applying;
    this.begin(key);
    const reports = this.reporting.get(key) ?? new Set<Promise<void>>();
    this.reporting.set(key, reports);
    const settled: Promise<void> = applying
      .catch((err) => this.failed(name, err))
      .finally(() => {
        reports.delete(settled);
        if (reports.size === 0 && this.reporting.get(key) === reports) this.reporting.delete(key);
        this.end(key);
      });
    reports.add(settled);
  }

  /** Resolves once every report of the host handed to the batcher so far is applied (or failed). */
  private async reportsApplied(key: string): Promise<void> {
    const reports = this.reporting.get(key);
    if (reports) await Promise.all(reports);
  }

  /**
   * A host's message is applied (durable): its receipt is owed, and paid when the host's last unfinished message is
   * (`end`) — at once when none is queued behind it; an agent that sends its RUNNING and COMPLETED acks
   * together gets one receipt for both, not two — or once `MAX_OWED` are owed: a host whose messages never stop
   * coming is not kept waiting. Only what was applied is ever receipted.
   */
  private receipt(key: string, through: number, seq: number, tenantId: string, hostId: string): void {
    const owed = this.owed.get(key) ?? { through, seqs: [], tenantId, hostId };
    owed.through = Math.max(owed.through, through);
    if (seq > through) owed.seqs.push(seq);
    this.owed.set(key, owed);
    if (owed.seqs.length >= MAX_OWED) this.payReceipts(key);
  }

  private payReceipts(key: string): void {
    const owed = this.owed.get(key);
    if (!owed) return;
    this.owed.delete(key);
    const { tenantId, hostId, through } = owed;
    const receipt = { throughSeq: through, seqs: owed.seqs.filter((seq) => seq > through) };
    // Not awaited: the host's next message need not wait for the broker's PUBACK of this receipt.
    this.send(tenantId, hostId, "receipt", receipt).catch((err) => this.log.error(`receipt to ${hostId} failed`, err));
  }

  publish(name: string, payload: Uint8Array): void {
    this.out(name, Buffer.from(payload), { qos: 1, retain: false }).catch((err: Error) =>
      this.log.debug(`relay publish on ${name} failed: ${err.message}`),
    );
  }

  async subscribe(name: string, handler: (payload: Uint8Array) => void): Promise<() => void> {
    if (!name.startsWith(RELAY_PREFIX)) throw new Error(`not a relay topic: ${name}`);
    this.relays.set(name, handler);
    let stop: () => void = () => this.client?.unsubscribe(name);
    if (this.opts.inProcess)
      stop = await this.opts.inProcess.subscribe(name, (n, payload) => this.onMessage(n, payload));
    else await this.client!.subscribeAsync(name, { qos: 1 });
    return () => {
      if (this.relays.get(name) !== handler) return;
      this.relays.delete(name);
      stop();
    };
  }

  /** A QoS 0 message (the JSON mirror): sent if connected, dropped otherwise; nothing waits for it. */
  publishQos0(name: string, payload: string, retain: boolean): void {
    this.out(name, Buffer.from(payload), { qos: 0, retain }).catch((err: Error) =>
      this.log.debug(`mirror publish on ${name} dropped: ${err.message}`),
    );
  }

  /** Applies a numbered message once, then tells the agent it may forget it (from whichever replica this is). */
  private async numbered(
    key: string,
    agent: AgentRef,
    message: AgentSequenced,
    apply:
      | (() => Promise<unknown>)
      | { report: (agent: AgentRef, seq: number, floor: number) => Promise<number | undefined | null> },
  ) {
    const seq = message.agentSeq ?? 0;
    const { tenantId, hostId } = agent;
    const through =
      typeof apply === "function"
        ? await this.agents.inbox.numbered(agent, seq, message.agentSeqFloor ?? 0, apply)
        : await apply.report(agent, seq, message.agentSeqFloor ?? 0);
    // undefined: an agent that does not number its messages relies on the PUBACK; null: its identity is revoked.
    if (through === undefined || through === null) return;
    if ("commandId" in message)
      mark(String(message.commandId), `ack${(message as { status?: number }).status}.receipt`);
    this.receipt(key, through, seq, tenantId, hostId);
  }

  private async handle(name: string, payload: Buffer, key: string): Promise<void> {
    const where = parseTopic(name);
    if (!where) return;
    const { tenantId, hostId, channel } = where;
    const runtimeId = await this.agents.liveRuntimeOf(tenantId, hostId);
    if (!runtimeId) {
      this.log.debug(`ignoring ${channel} for ${hostId}: no live runtime identity`);
      return;
    }
    const agent = { tenantId, hostId, runtimeId };
    // Only numbered reports may go while the host's earlier reports are applying (`report`); the rest wait.
    if (channel !== "ack" && channel !== "status") await this.reportsApplied(key);
    switch (channel) {
      case "presence": {
        const presence = decode(codecs.presence, payload);
        // Online reconciles after any gap (agent reconnect, or this replica starting: presence is retained).
        if (presence?.state === PresenceState.PRESENCE_STATE_ONLINE)
          await this.agents.presence(tenantId, hostId, true, storableText(presence.agentVersion, 100), runtimeId);
        else if (presence?.state === PresenceState.PRESENCE_STATE_OFFLINE)
          await this.agents.presence(tenantId, hostId, false, "");
        return;
      }
      case "safety": {
        const state = decode(codecs.safetyState, payload);
        if (state) await this.agents.inbox.safety(tenantId, hostId, state);
        return;
      }
      case "ack": {
        const update = decode(codecs.commandUpdate, payload);
        if (!update) return;
        mark(update.commandId, `ack${update.status}.handle`);
        // Applied with other agents' reports in one statement (group commit); receipted once committed.
        return this.report(key, name, agent, update, (agent, seq, floor) =>
          this.agents.inbox.numberedCommandUpdate(agent, seq, floor, update),
        );
      }
      case "log": {
        const line = decode(codecs.commandLog, payload);
        if (line)
          await this.numbered(key, agent, line, () => this.agents.inbox.commandLog(tenantId, hostId, line, false));
        return;
      }
      case "status": {
        const report = decode(codecs.status, payload);
        if (!report) return;
        return this.report(key, name, agent, report, (agent, seq, floor) =>
          this.agents.inbox.numberedStatus(agent, seq, floor, report),
        );
      }
      case "telemetry": {
        const batch = decode(codecs.telemetry, payload);
        if (batch)
          await this.numbered(key, agent, batch, () => this.agents.inbox.telemetry(tenantId, hostId, batch.points));
        return;
      }
      case "runtime-res": {
        const part = decode(codecs.runtimeResponse, payload);
        if (part) this.agents.runtimeResponse(tenantId, hostId, part);
        return;
      }
      case "runtime-req":
      case "cmd":
      case "cancel":
      case "estop":
      case "receipt":
      case "policies":
        return; // the control plane's own channels: not subscribed, nothing an agent says on them counts
    }
  }
}
