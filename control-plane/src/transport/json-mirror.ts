/**
 * The JSON mirror for off-the-shelf MQTT consumers (opt-in per tenant): each telemetry point, status report and host
 * status change the control plane has applied is published once more as JSON on `edge-json/{tenant}/{host}/...`,
 * QoS 0. Published by the replica that applied it (with shared subscriptions, exactly one per agent message), after
 * the database has it: a point on the mirror is a stored point.
 */
import type { CleanPoint } from "../modules/hosts/telemetry";
import type { BoundedStatus } from "../modules/hosts/status-report";
import type { Services } from "../services";
import { jsonTopic, type JsonPresence, type JsonStatus, type JsonTelemetryPoint } from "@edge/proto/wire";

/** Sends one message, QoS 0, without waiting for anything. */
export type MirrorPublish = (topic: string, payload: string, retain: boolean) => void;

export class JsonMirror {
  private publish?: MirrorPublish;
  private unsubscribe?: () => void;

  constructor(private readonly services: Services) {}

  /** Starts publishing through `publish` (host status changes included). */
  start(publish: MirrorPublish): void {
    this.publish = publish;
    this.unsubscribe = this.services.events.subscribe((event) => {
      // Fired once, by the replica whose transaction changed the status.
      if (event.type !== "host.status") return;
      return this.presence(event.tenantId, event.hostId, event.status, event.previous);
    });
  }

  stop(): void {
    this.unsubscribe?.();
    this.publish = undefined;
  }

  private async enabled(tenantId: string): Promise<MirrorPublish | undefined> {
    const publish = this.publish;
    if (!publish) return undefined;
    return (await this.services.consumers.jsonMirrorEnabled(tenantId)) ? publish : undefined;
  }

  async telemetry(tenantId: string, hostId: string, points: CleanPoint[]): Promise<void> {
    if (points.length === 0) return;
    const publish = await this.enabled(tenantId);
    if (!publish) return;
    const name = jsonTopic(tenantId, hostId, "telemetry");
    for (const p of points) {
      const message: JsonTelemetryPoint = {
        host: hostId,
        name: p.name,
        value: p.value,
        unit: p.tags.unit ?? null,
        time: p.at.toISOString(),
        seq: p.seq,
        tags: p.tags,
      };
      publish(name, JSON.stringify(message), false);
    }
  }

  async status(tenantId: string, hostId: string, status: BoundedStatus): Promise<void> {
    const publish = await this.enabled(tenantId);
    if (!publish) return;
    const { atMs, ...fields } = status.report;
    const message: JsonStatus = {
      host: hostId,
      time: new Date(atMs || Date.now()).toISOString(),
      agentVersion: status.agentVersion ?? null,
      ...fields,
    };
    publish(jsonTopic(tenantId, hostId, "status"), JSON.stringify(message), false);
  }

  /** Retained: a consumer subscribing later learns each host's current status at once. */
  private async presence(tenantId: string, hostId: string, status: string, previous: string): Promise<void> {
    const publish = await this.enabled(tenantId);
    if (!publish) return;
    const message: JsonPresence = { host: hostId, status, previous, time: new Date().toISOString() };
    publish(jsonTopic(tenantId, hostId, "presence"), JSON.stringify(message), true);
  }
}
