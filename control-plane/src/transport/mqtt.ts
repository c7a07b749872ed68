/**
 * The control plane's side of MQTT: sends commands and policy sets to agents, and turns their
 * acks, status reports, telemetry and presence into database state.
 */
import mqtt, { type MqttClient } from "mqtt";
import { randomBytes } from "node:crypto";
import type { CommandToDeliver, DomainEvent } from "../lib/events";
import type { Services } from "../services";
import { PresenceState, codecs, parseTopic, topic, type Channel, type Codec } from "../../../proto/wire";
import type { AgentInbox } from "./agent-inbox";
import { toWireCommand, type LiveSessions } from "./live-sessions";

export interface MqttBridgeOptions {
  url: string;
  username?: string;
  password?: string;
  /** Use `$share/{group}/...` for agent messages (external brokers; spreads load over replicas). */
  sharedGroup?: string;
}

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
  private readonly chains = new Map<string, Promise<void>>();

  constructor(
    private readonly services: Services,
    private readonly inbox: AgentInbox,
    private readonly sessions: LiveSessions,
    private readonly opts: MqttBridgeOptions,
  ) {}

  async start(): Promise<void> {
    const client = mqtt.connect(this.opts.url, {
      clientId: `control-plane-${randomBytes(6).toString("hex")}`,
      username: this.opts.username,
      password: this.opts.password,
      clean: true,
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
        { "edge/+/+/presence": { qos: 1 }, [shared("edge/+/+/ack")]: { qos: 1 }, [shared("edge/+/+/log")]: { qos: 1 }, [shared("edge/+/+/status")]: { qos: 1 }, [shared("edge/+/+/telemetry")]: { qos: 1 } },
        (err) => err && this.services.log.error("mqtt subscribe failed", err),
      );
    });
    await new Promise<void>((resolve, reject) => {
      client.once("connect", () => resolve());
      client.once("error", reject);
    });
    this.unsubscribe = this.services.events.subscribe((event) => this.onEvent(event));
  }

  async stop(): Promise<void> {
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
    if (event.type === "command.created") {
      // Nothing goes to a host without a live runtime: it stays pending until one connects.
      // A live gRPC session (authenticated, dropped on revocation) is the faster path: no query, no broker hop.
      if (this.sessions.push(event.tenantId, event.hostId, event.command)) return;
      if (!(await this.inbox.reachable(event.tenantId, event.hostId))) return;
      await this.sendCommand(event.tenantId, event.hostId, event.command);
    } else if (event.type === "command.transition" && event.status === "cancelled") {
      // The agent must stop it for real: kill it if running, never start it otherwise.
      const reason = "cancelled by operator";
      if (this.sessions.cancel(event.tenantId, event.hostId, event.commandId, reason)) return;
      if (!(await this.inbox.hostHasLiveRuntime(event.tenantId, event.hostId))) return;
      const payload = codecs.commandCancel.encode({ commandId: event.commandId, reason, atMs: Date.now() });
      await this.publish(event.tenantId, event.hostId, "cancel", payload);
    } else if (event.type === "policies.changed") {
      for (const host of await this.services.hosts.list(event.tenantId, {})) await this.sendPolicies(event.tenantId, host.id);
    } else if (event.type === "runtime.revoked" && !(await this.inbox.hostHasLiveRuntime(event.tenantId, event.hostId))) {
      await this.services.hosts.setStatus(event.tenantId, event.hostId, "offline");
    }
  }

  private async publish(tenantId: string, hostId: string, channel: Channel, payload: Uint8Array, retain = false) {
    await this.client!.publishAsync(topic(tenantId, hostId, channel), Buffer.from(payload), { qos: 1, retain });
  }

  private async sendCommand(tenantId: string, hostId: string, command: CommandToDeliver) {
    await this.publish(tenantId, hostId, "cmd", codecs.command.encode(toWireCommand(command)));
  }

  /** Publishes the host's complete policy set, retained, so a (re)connecting agent always gets it. */
  private async sendPolicies(tenantId: string, hostId: string) {
    const host = await this.services.hosts.get(tenantId, hostId);
    const policies = host.environmentId ? await this.services.environments.policiesOf(tenantId, host.environmentId) : [];
    const payload = codecs.policySet.encode({
      policies: policies.map((p) => ({ id: p.id, name: p.name, enabled: p.enabled, rulesJson: JSON.stringify(p.rules), version: p.version })),
      issuedAtMs: Date.now(),
    });
    await this.publish(tenantId, hostId, "policies", payload, true);
  }

  private async handle(name: string, payload: Buffer): Promise<void> {
    const where = parseTopic(name);
    if (!where) return;
    const { tenantId, hostId, channel } = where;
    const { commands, hosts, log } = this.services;
    if (!(await this.inbox.hostHasLiveRuntime(tenantId, hostId))) {
      log.debug(`ignoring ${channel} for ${hostId}: no live runtime identity`);
      return;
    }
    switch (channel) {
      case "presence": {
        const presence = decode(codecs.presence, payload);
        if (presence?.state === PresenceState.ONLINE) {
          await hosts.setStatus(tenantId, hostId, "online", { agentVersion: presence.agentVersion, presence: true });
          await this.sendPolicies(tenantId, hostId);
          for (const command of await commands.pendingFor(tenantId, hostId)) await this.sendCommand(tenantId, hostId, command);
        } else if (presence?.state === PresenceState.OFFLINE) {
          await hosts.setStatus(tenantId, hostId, "offline", { presence: true });
        }
        return;
      }
      case "ack": {
        const update = decode(codecs.commandUpdate, payload);
        if (update) await this.inbox.commandUpdate(tenantId, hostId, update);
        return;
      }
      case "log": {
        const line = decode(codecs.commandLog, payload);
        if (line) await this.inbox.commandLog(tenantId, hostId, line, false);
        return;
      }
      case "status": {
        const report = decode(codecs.status, payload);
        if (report) await this.inbox.status(tenantId, hostId, report);
        return;
      }
      case "telemetry": {
        const batch = decode(codecs.telemetry, payload);
        if (batch) await this.inbox.telemetry(tenantId, hostId, batch.points);
        return;
      }
    }
  }
}
