/** A minimal simulated agent: acknowledges every command RUNNING then COMPLETED over MQTT, nothing else. */
import mqtt, { type MqttClient } from "mqtt";
import { CommandStatus, PresenceState, codecs, topic } from "../proto/wire";

export interface SimAgentIdentity {
  runtimeId: string;
  tenantId: string;
  hostId: string;
  accessToken: string;
}

export async function startSimAgent(url: string, id: SimAgentIdentity): Promise<MqttClient> {
  const client = await mqtt.connectAsync(url, {
    clientId: id.runtimeId,
    username: id.runtimeId,
    password: id.accessToken,
    clean: true,
    reconnectPeriod: 0,
  });
  const ack = (commandId: string, status: CommandStatus) =>
    client.publish(
      topic(id.tenantId, id.hostId, "ack"),
      Buffer.from(codecs.commandUpdate.encode({ commandId, status, error: "", resultJson: "{}", atMs: Date.now() })),
      { qos: 1 },
    );
  client.on("message", (_topic, payload) => {
    const command = codecs.command.decode(payload);
    ack(command.id, CommandStatus.RUNNING);
    ack(command.id, CommandStatus.COMPLETED);
  });
  await client.subscribeAsync(topic(id.tenantId, id.hostId, "cmd"), { qos: 1 });
  await client.publishAsync(
    topic(id.tenantId, id.hostId, "presence"),
    Buffer.from(codecs.presence.encode({ state: PresenceState.ONLINE, agentVersion: "sim", atMs: Date.now() })),
    { qos: 1, retain: true },
  );
  return client;
}
