/**
 * The control plane's side of MQTT: sends commands and policy sets to agents, and turns their
 * acks, status reports, telemetry and presence into database state. Numbered agent messages are applied at most
 * once (the agent's shared delivery sequence) and answered with a receipt once committed: the broker's PUBACK
 * only means the broker has the message, and a broker with no subscriber drops it.
 */
import mqtt, { type MqttClient } from "mqtt";
import { createHash, randomBytes } from "node:crypto";
import type { CommandToDeliver, DomainEvent, EstopOrder } from "../lib/events";
import type { Services } from "../services";
import {
  PresenceState,
  codecs,
  parseTopic,
  topic,
  type AgentSequenced,
  type Channel,
  type Codec,
} from "../../../proto/wire";
import { storableText, type AgentInbox } from "./agent-inbox";
import { toWireCommand, toWireEstop, type LiveSessions } from "./live-sessions";

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
  /** Re-sends commands pending for this long (their first delivery may have been lost); 0 = never. */
  redeliveryMs?: number;
}

/** At most this many commands are re-sent per sweep. */
const REDELIVERY_BATCH = 500;

/** Decodes a payload, or undefined for bytes that are not that message (dropped, never fatal). */
function decode<T>(codec: Codec<T>, payload: Uint8Array): T | undefined {
  try {
    return codec.decode(payload);
  } catch {
    return undefined;
  }
}

export class MqttBridge {
  private client?: MqttClient;
  private unsubscribe?: () => void;
  private redeliveryTimer?: ReturnType<typeof setInterval>;
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly services: Services,
    private readonly inbox: AgentInbox,
    private readonly sessions: LiveSessions,
    private readonly opts: MqttBridgeOptions,
  ) {}

  async start(): Promise<void> {
    const client = mqtt.connect(this.opts.url, {
      clientId: this.opts.clientId ?? `control-plane-${randomBytes(6).toString("hex")}`,
      username: this.opts.username,
      password: this.opts.password,
      clean: !this.opts.clientId,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    this.client = client;
    client.on("message", (name, payload) => this.enqueue(name, payload));
    client.on("error", (err) => this.services.log.error("mqtt client error", err));
    client.on("connect", () => {
      const shared = (t: string) => (this.opts.sharedGroup ? `$share/${this.opts.sharedGroup}/${t}` : t);
      // Presence is retained, and retained messages are not delivered to shared subscriptions.
      client.subscribe(
        {
          "edge/+/+/presence": { qos: 1 },
          [shared("edge/+/+/safety")]: { qos: 1 },
          [shared("edge/+/+/ack")]: { qos: 1 },
          [shared("edge/+/+/log")]: { qos: 1 },
          [shared("edge/+/+/status")]: { qos: 1 },
          [shared("edge/+/+/telemetry")]: { qos: 1 },
        },
        (err) => err && this.services.log.error("mqtt subscribe failed", err),
      );
    });
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
    });
    this.unsubscribe = this.services.events.subscribe((event) => this.onEvent(event));
    const every = this.opts.redeliveryMs ?? 0;
    if (every > 0) {
      this.redeliveryTimer = setInterval(
        () => this.redeliverStale(every).catch((err) => this.services.log.error("command redelivery failed", err)),
        every,
      );
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.redeliveryTimer);
    this.unsubscribe?.();
    await this.client?.endAsync();
  }

  /**
   * Messages of one host are handled strictly in arrival order (a RUNNING ack must land before its
   * COMPLETED); different hosts proceed in parallel.
   */
  private enqueue(name: string, payload: Buffer): void {
    const key = name.split("/").slice(0, 3).join("/");
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.handle(name, payload))
      .catch((err) => this.services.log.error(`mqtt message on ${name} failed`, err))
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  private async onEvent(event: DomainEvent): Promise<void> {
    if (event.type === "estop.requested") {
      // Every path at once, whatever the host's status: the live session (if on this replica) and the retained
      // MQTT message, which a reconnecting agent receives as soon as it subscribes.
      await Promise.all(event.orders.map((order) => this.sendEstop(event.tenantId, order)));
    } else if (event.type === "command.created") {
      // Nothing goes to a host without a live runtime: it stays pending until one connects.
      // A live gRPC session (authenticated, dropped on revocation) is the faster path: no query, no broker hop.
      if (this.sessions.push(event.tenantId, event.hostId, event.command)) return;
      if (!(await this.inbox.reachable(event.tenantId, event.hostId))) return;
      await this.sendCommand(event.tenantId, event.hostId, event.command);
    } else if (event.type === "commands.created") {
      // The same per command, with one reachability query for the whole batch and the publishes in flight together.
      const rest = event.commands.filter((c) => !this.sessions.push(event.tenantId, c.hostId, c));
      const reachable = await this.inbox.reachableHosts(event.tenantId, [...new Set(rest.map((c) => c.hostId))]);
      await Promise.all(
        rest.filter((c) => reachable.has(c.hostId)).map((c) => this.sendCommand(event.tenantId, c.hostId, c)),
      );
    } else if (event.type === "command.transition" && event.status === "cancelled") {
      // The agent must stop it for real: kill it if running, never start it otherwise.
      const reason = "cancelled by operator";
      if (this.sessions.cancel(event.tenantId, event.hostId, event.commandId, reason)) return;
      if (!(await this.inbox.hostHasLiveRuntime(event.tenantId, event.hostId))) return;
      const payload = codecs.commandCancel.encode({ commandId: event.commandId, reason, atMs: Date.now() });
      await this.publish(event.tenantId, event.hostId, "cancel", payload);
    } else if (event.type === "policies.changed") {
      for (const host of await this.services.hosts.list(event.tenantId, {}))
        await this.sendPolicies(event.tenantId, host.id);
    } else if (
      event.type === "runtime.revoked" &&
      !(await this.inbox.hostHasLiveRuntime(event.tenantId, event.hostId))
    ) {
      await this.services.hosts.setStatus(event.tenantId, event.hostId, "offline");
    }
  }

  private async publish(tenantId: string, hostId: string, channel: Channel, payload: Uint8Array, retain = false) {
    await this.client!.publishAsync(topic(tenantId, hostId, channel), Buffer.from(payload), { qos: 1, retain });
  }

  private async sendEstop(tenantId: string, order: EstopOrder) {
    this.sessions.estop(tenantId, order);
    await this.publish(tenantId, order.hostId, "estop", codecs.emergencyStop.encode(toWireEstop(order)), true);
  }

  private async sendCommand(tenantId: string, hostId: string, command: CommandToDeliver) {
    await this.publish(tenantId, hostId, "cmd", codecs.command.encode(toWireCommand(command)));
  }

  /** Applies a numbered message once, then tells the agent it may forget it (from whichever replica this is). */
  private async numbered(
    tenantId: string,
    hostId: string,
    runtimeId: string,
    message: AgentSequenced,
    apply: () => Promise<unknown>,
  ) {
    const seq = message.agentSeq ?? 0;
    const through = await this.inbox.numbered({ tenantId, hostId, runtimeId }, seq, message.agentSeqFloor ?? 0, apply);
    if (through === undefined) return; // an agent that does not number its messages relies on the PUBACK
    // Not awaited: the host's next message need not wait for the broker's PUBACK of this receipt.
    const receipt = codecs.receipt.encode({ throughSeq: through, seqs: seq > through ? [seq] : [] });
    this.publish(tenantId, hostId, "receipt", receipt).catch((err) =>
      this.services.log.error(`receipt to ${hostId} failed`, err),
    );
  }

  /**
   * Commands pending for longer than `ageMs` are sent again to reachable agents: the replica that created one
   * may have died between commit and publish. The agent's durable dedupe makes extra copies harmless.
   */
  private async redeliverStale(ageMs: number): Promise<void> {
    const stale = await this.services.commands.pendingSince(new Date(Date.now() - ageMs), REDELIVERY_BATCH);
    const reachable = new Map<string, boolean>();
    for (const command of stale) {
      const key = `${command.tenantId}/${command.hostId}`;
      if (!reachable.has(key)) reachable.set(key, await this.inbox.reachable(command.tenantId, command.hostId));
      if (!reachable.get(key)) continue;
      if (!this.sessions.push(command.tenantId, command.hostId, command))
        await this.sendCommand(command.tenantId, command.hostId, command);
    }
  }

  /** Publishes the host's complete policy set, retained, so a (re)connecting agent always gets it. */
  private async sendPolicies(tenantId: string, hostId: string) {
    const host = await this.services.hosts.get(tenantId, hostId);
    const policies = host.environmentId
      ? await this.services.environments.policiesOf(tenantId, host.environmentId)
      : [];
    const wirePolicies = policies.map((p) => ({
      id: p.id,
      name: p.name,
      enabled: p.enabled,
      rulesJson: JSON.stringify(p.rules),
      version: p.version,
    }));
    // The set's version: bumped whenever its content changes; the agent acknowledges the one it enforces.
    const fingerprint = createHash("sha256").update(JSON.stringify(wirePolicies)).digest("hex");
    const version = await this.services.safety.policySetVersion(tenantId, hostId, fingerprint);
    const payload = codecs.policySet.encode({ policies: wirePolicies, issuedAtMs: Date.now(), version });
    await this.publish(tenantId, hostId, "policies", payload, true);
  }

  private async handle(name: string, payload: Buffer): Promise<void> {
    const where = parseTopic(name);
    if (!where) return;
    const { tenantId, hostId, channel } = where;
    const { commands, hosts, log } = this.services;
    const runtimeId = await this.inbox.liveRuntimeOf(tenantId, hostId);
    if (!runtimeId) {
      log.debug(`ignoring ${channel} for ${hostId}: no live runtime identity`);
      return;
    }
    switch (channel) {
      case "presence": {
        const presence = decode(codecs.presence, payload);
        if (presence?.state === PresenceState.ONLINE) {
          await hosts.setStatus(tenantId, hostId, "online", {
            agentVersion: storableText(presence.agentVersion, 100),
            presence: true,
          });
          // Re-sent on every reconnect until acknowledged (the agent re-acknowledges a generation it knows).
          const order = await this.services.safety.currentOrder(tenantId, hostId);
          if (order) await this.sendEstop(tenantId, order);
          await this.sendPolicies(tenantId, hostId);
          // Reconcile after any gap (agent reconnect, or this replica starting: presence is retained): pending
          // commands are (re)delivered, and the agent answers running ones with their final report if it has it.
          for (const command of await commands.unfinishedFor(tenantId, hostId))
            await this.sendCommand(tenantId, hostId, command);
        } else if (presence?.state === PresenceState.OFFLINE) {
          await hosts.setStatus(tenantId, hostId, "offline", { presence: true });
        }
        return;
      }
      case "safety": {
        const state = decode(codecs.safetyState, payload);
        if (state) await this.inbox.safety(tenantId, hostId, state);
        return;
      }
      case "ack": {
        const update = decode(codecs.commandUpdate, payload);
        if (update)
          await this.numbered(tenantId, hostId, runtimeId, update, () =>
            this.inbox.commandUpdate(tenantId, hostId, update),
          );
        return;
      }
      case "log": {
        const line = decode(codecs.commandLog, payload);
        if (line)
          await this.numbered(tenantId, hostId, runtimeId, line, () =>
            this.inbox.commandLog(tenantId, hostId, line, false),
          );
        return;
      }
      case "status": {
        const report = decode(codecs.status, payload);
        if (report)
          await this.numbered(tenantId, hostId, runtimeId, report, () => this.inbox.status(tenantId, hostId, report));
        return;
      }
      case "telemetry": {
        const batch = decode(codecs.telemetry, payload);
        if (batch)
          await this.numbered(tenantId, hostId, runtimeId, batch, () =>
            this.inbox.telemetry(tenantId, hostId, batch.points),
          );
        return;
      }
      case "cmd":
        throw new Error("TODO: Not implemented yet");
      case "cancel":
        throw new Error("TODO: Not implemented yet");
      case "estop":
        throw new Error("TODO: Not implemented yet");
      case "receipt":
        throw new Error("TODO: Not implemented yet");
      case "policies":
        throw new Error("TODO: Not implemented yet");
    }
  }
}
