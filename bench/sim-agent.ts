/**
 * Minimal simulated agents: acknowledge every command RUNNING then COMPLETED, nothing else.
 * One speaks MQTT only; the other also holds a gRPC session (commands then arrive over it).
 */
import mqtt, { type MqttClient } from "mqtt";
import * as grpc from "@grpc/grpc-js";
import { CommandStatus, PresenceState, codecs, topic, withAgentSeq } from "@edge/proto/wire";
import { AgentSessionClient, type ServerFrame } from "@edge/proto/grpc";

export interface SimAgentIdentity {
  runtimeId: string;
  tenantId: string;
  hostId: string;
  accessToken: string;
}

export interface SimAgent {
  stop(): Promise<void>;
}

/** When each command reached a simulated agent (performance.now()), for delivery latency. */
export const receivedAt = new Map<string, number>();

export async function startMqttSimAgent(url: string, id: SimAgentIdentity): Promise<SimAgent & { client: MqttClient }> {
  const client = await mqtt.connectAsync(url, {
    clientId: id.runtimeId,
    username: id.runtimeId,
    password: id.accessToken,
    clean: true,
    reconnectPeriod: 0,
  });
  (client.stream as unknown as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);
  // Numbered like a real agent's outbox messages (floor 0: the control plane moves the floor over what it processed).
  let seq = 0;
  const ack = (commandId: string, status: CommandStatus) =>
    client.publish(
      topic(id.tenantId, id.hostId, "ack"),
      Buffer.from(
        withAgentSeq(
          codecs.commandUpdate.encode({ commandId, status, error: "", resultJson: "{}", atMs: Date.now() }),
          ++seq,
          0,
        ),
      ),
      { qos: 1 },
    );
  client.on("message", (name, payload) => {
    if (name.endsWith("/receipt")) return; // a real agent forgets what the receipt covers; these keep no outbox
    const command = codecs.command.decode(payload);
    receivedAt.set(command.id, performance.now());
    ack(command.id, CommandStatus.COMMAND_STATUS_RUNNING);
    ack(command.id, CommandStatus.COMMAND_STATUS_COMPLETED);
  });
  // Receipts too, as a real agent: the control plane's cost per command includes delivering them.
  await client.subscribeAsync([topic(id.tenantId, id.hostId, "cmd"), topic(id.tenantId, id.hostId, "receipt")], {
    qos: 1,
  });
  await client.publishAsync(
    topic(id.tenantId, id.hostId, "presence"),
    Buffer.from(
      codecs.presence.encode({ state: PresenceState.PRESENCE_STATE_ONLINE, agentVersion: "sim", atMs: Date.now() }),
    ),
    { qos: 1, retain: true },
  );
  return { client, stop: () => client.endAsync(true) };
}

/** MQTT for presence, a gRPC session for commands and acks. */
export async function startGrpcSimAgent(mqttUrl: string, grpcAddress: string, id: SimAgentIdentity): Promise<SimAgent> {
  const mqttAgent = await startMqttSimAgent(mqttUrl, id);
  const client = new AgentSessionClient(grpcAddress, grpc.credentials.createInsecure());
  const md = new grpc.Metadata();
  md.set("authorization", `Bearer ${id.accessToken}`);
  const call = client.Connect(md);
  let seq = 0;
  const welcomed = new Promise<void>((resolve) => {
    call.on("data", (frame: ServerFrame) => {
      if (frame.welcome) {
        seq = frame.welcome.lastAgentSeq;
        resolve();
      }
      if (frame.command) {
        receivedAt.set(frame.command.id, performance.now());
        for (const status of [CommandStatus.COMMAND_STATUS_RUNNING, CommandStatus.COMMAND_STATUS_COMPLETED]) {
          call.write({
            seq: ++seq,
            update: { commandId: frame.command.id, status, resultJson: "{}", atMs: Date.now() },
          });
        }
      }
    });
  });
  call.on("error", () => {});
  call.write({ seq: 0, hello: { agentVersion: "sim" } });
  await welcomed;
  return {
    async stop() {
      call.cancel();
      client.close();
      await mqttAgent.stop();
    },
  };
}
