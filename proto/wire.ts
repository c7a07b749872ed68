/** The MQTT wire contract: topic names and protobuf codecs for the messages of edge.proto. */
import protobuf from "protobufjs";
import protoSource from "./edge.proto" with { type: "text" };

const root = protobuf.parse(protoSource, { keepCase: false }).root;

export enum CommandStatus {
  UNSPECIFIED = 0,
  RUNNING = 1,
  COMPLETED = 2,
  FAILED = 3,
}

export enum PresenceState {
  UNSPECIFIED = 0,
  ONLINE = 1,
  OFFLINE = 2,
}

export interface Command {
  id: string;
  kind: string;
  paramsJson: string;
  timeoutMs: number;
  createdAtMs: number;
}
export interface CommandCancel {
  commandId: string;
  reason: string;
  atMs: number;
}
export interface CommandUpdate {
  commandId: string;
  status: CommandStatus;
  error: string;
  resultJson: string;
  atMs: number;
}
export interface CommandLog {
  commandId: string;
  stream: string;
  line: string;
  atMs: number;
  index: number;
}
export interface AgentStatus {
  agentVersion: string;
  uptimeSeconds: number;
  load1: number;
  memoryTotalBytes: number;
  memoryFreeBytes: number;
  runningCommands: number;
  atMs: number;
}
export interface TelemetryPoint {
  name: string;
  value: number;
  tags: Record<string, string>;
  atMs: number;
  seq: number;
}
export interface TelemetryBatch {
  points: TelemetryPoint[];
}
export interface Presence {
  state: PresenceState;
  agentVersion: string;
  atMs: number;
}
export interface SafetyPolicyMessage {
  id: string;
  name: string;
  enabled: boolean;
  rulesJson: string;
  version: number;
}
export interface PolicySet {
  policies: SafetyPolicyMessage[];
  issuedAtMs: number;
}

export interface Codec<T> {
  encode(value: T): Uint8Array;
  /** Throws on bytes that are not this message. */
  decode(bytes: Uint8Array): T;
}

function codec<T>(name: string): Codec<T> {
  const type = root.lookupType(`edge.v1.${name}`);
  return {
    encode: (value) => type.encode(type.fromObject(value as Record<string, unknown>)).finish(),
    decode: (bytes) =>
      type.toObject(type.decode(bytes), { longs: Number, enums: Number, defaults: true, arrays: true, objects: true }) as T,
  };
}

export const codecs = {
  command: codec<Command>("Command"),
  commandCancel: codec<CommandCancel>("CommandCancel"),
  commandUpdate: codec<CommandUpdate>("CommandUpdate"),
  commandLog: codec<CommandLog>("CommandLog"),
  status: codec<AgentStatus>("AgentStatus"),
  telemetry: codec<TelemetryBatch>("TelemetryBatch"),
  presence: codec<Presence>("Presence"),
  policySet: codec<PolicySet>("PolicySet"),
};

export type Channel = "cmd" | "cancel" | "ack" | "log" | "status" | "telemetry" | "presence" | "policies";

/** Channels an agent publishes on; the rest it only receives. */
export const AGENT_PUBLISHES: readonly Channel[] = ["ack", "log", "status", "telemetry", "presence"];
export const AGENT_RECEIVES: readonly Channel[] = ["cmd", "cancel", "policies"];

export const topic = (tenantId: string, hostId: string, channel: Channel) => `edge/${tenantId}/${hostId}/${channel}`;

/** Parses `edge/{tenant}/{host}/{channel}`; undefined for anything else. */
export function parseTopic(name: string): { tenantId: string; hostId: string; channel: Channel } | undefined {
  const parts = name.split("/");
  if (parts.length !== 4 || parts[0] !== "edge") return undefined;
  const [, tenantId, hostId, channel] = parts as [string, string, string, string];
  if (!tenantId || !hostId || ![...AGENT_PUBLISHES, ...AGENT_RECEIVES].includes(channel as Channel)) return undefined;
  return { tenantId, hostId, channel: channel as Channel };
}
