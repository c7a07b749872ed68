/** The MQTT wire contract: topic names and protobuf codecs for the messages of edge.proto. */
import protobuf from "protobufjs";
import protoSource from "./edge.proto" with { type: "text" };

const root = protobuf.parse(protoSource, { keepCase: false }).root;

export enum CommandStatus {
  UNSPECIFIED = 0,
  RUNNING = 1,
  COMPLETED = 2,
  FAILED = 3,
  EXPIRED = 4,
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
  /** Re-sent to reconcile a command the control plane saw running: never start it if unknown. */
  alreadyStarted?: boolean;
  /** Deadline in ms since the epoch; 0 = none. */
  notAfterMs?: number;
}
export interface CommandCancel {
  commandId: string;
  reason: string;
  atMs: number;
}
/** Delivery numbering of an agent → control plane message (see edge.proto); both 0 when absent. */
export interface AgentSequenced {
  agentSeq?: number;
  agentSeqFloor?: number;
}
export interface CommandUpdate extends AgentSequenced {
  commandId: string;
  status: CommandStatus;
  error: string;
  resultJson: string;
  atMs: number;
}
export interface CommandLog extends AgentSequenced {
  commandId: string;
  stream: string;
  line: string;
  atMs: number;
  index: number;
}
export interface AgentStatus extends AgentSequenced {
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
export interface TelemetryBatch extends AgentSequenced {
  points: TelemetryPoint[];
}
export interface Receipt {
  throughSeq: number;
  seqs: number[];
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
  /** The host's set version (0 = unversioned, from an older control plane). */
  version?: number;
}
export interface EmergencyStop {
  generation: number;
  engaged: boolean;
  reason: string;
  atMs: number;
}
export interface AgentSafetyState {
  estopGeneration: number;
  remoteEngaged: boolean;
  localEngaged: boolean;
  localReason: string;
  killed: number;
  policyVersion: number;
  atMs: number;
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
      type.toObject(type.decode(bytes), {
        longs: Number,
        enums: Number,
        defaults: true,
        arrays: true,
        objects: true,
      }) as T,
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
  receipt: codec<Receipt>("Receipt"),
  emergencyStop: codec<EmergencyStop>("EmergencyStop"),
  safetyState: codec<AgentSafetyState>("AgentSafetyState"),
};

/** Field numbers of agent_seq_floor / agent_seq in CommandUpdate, AgentStatus and TelemetryBatch. */
const AGENT_SEQ_FLOOR_FIELD = 14;
const AGENT_SEQ_FIELD = 15;

/**
 * Numbers a stored agent → control plane payload for sending: appends agent_seq and agent_seq_floor to its bytes
 * (a later occurrence of a protobuf scalar field wins, so this works whatever the payload already holds).
 */
export function withAgentSeq(payload: Uint8Array, seq: number, floor: number): Uint8Array {
  const suffix = protobuf.Writer.create()
    .uint32((AGENT_SEQ_FLOOR_FIELD << 3) | 0)
    .uint64(floor)
    .uint32((AGENT_SEQ_FIELD << 3) | 0)
    .uint64(seq)
    .finish();
  const out = new Uint8Array(payload.length + suffix.length);
  out.set(payload);
  out.set(suffix, payload.length);
  return out;
}

export type Channel =
  | "cmd"
  | "cancel"
  | "estop"
  | "receipt"
  | "ack"
  | "log"
  | "status"
  | "telemetry"
  | "presence"
  | "safety"
  | "policies";

/** Channels an agent publishes on; the rest it only receives. */
export const AGENT_PUBLISHES: readonly Channel[] = ["ack", "log", "status", "telemetry", "presence", "safety"];
export const AGENT_RECEIVES: readonly Channel[] = ["cmd", "cancel", "estop", "receipt", "policies"];

export const topic = (tenantId: string, hostId: string, channel: Channel) => `edge/${tenantId}/${hostId}/${channel}`;

/** Parses `edge/{tenant}/{host}/{channel}`; undefined for anything else. */
export function parseTopic(name: string): { tenantId: string; hostId: string; channel: Channel } | undefined {
  const parts = name.split("/");
  if (parts.length !== 4 || parts[0] !== "edge") return undefined;
  const [, tenantId, hostId, channel] = parts as [string, string, string, string];
  if (!tenantId || !hostId || ![...AGENT_PUBLISHES, ...AGENT_RECEIVES].includes(channel as Channel)) return undefined;
  return { tenantId, hostId, channel: channel as Channel };
}

/** Channels an MQTT consumer (a `roz_mqc_` key) may read, as protobuf on `edge/...` and as JSON on `edge-json/...`. */
export const CONSUMER_CHANNELS = ["telemetry", "status", "presence"] as const;
export type ConsumerChannel = (typeof CONSUMER_CHANNELS)[number];

/** Root of the JSON mirror: `edge-json/{tenantId}/{hostId}/{telemetry|status|presence}`, QoS 0. */
export const JSON_MIRROR_ROOT = "edge-json";

export const jsonTopic = (tenantId: string, hostId: string, channel: ConsumerChannel) =>
  `${JSON_MIRROR_ROOT}/${tenantId}/${hostId}/${channel}`;

/** One telemetry point on `edge-json/{tenant}/{host}/telemetry`. */
export interface JsonTelemetryPoint {
  host: string;
  name: string;
  value: number;
  /** The point's `unit` tag, or null. */
  unit: string | null;
  /** ISO 8601, the agent's measurement time. */
  time: string;
  /** The agent's sequence number of the point: (host, seq) is unique, so duplicates can be dropped. */
  seq: number;
  tags: Record<string, string>;
}

/** An agent status report on `edge-json/{tenant}/{host}/status` (fields the agent reported within bounds). */
export interface JsonStatus {
  host: string;
  /** ISO 8601, the agent's report time (or when it was received). */
  time: string;
  agentVersion: string | null;
  uptimeSeconds?: number;
  load1?: number;
  memoryTotalBytes?: number;
  memoryFreeBytes?: number;
  runningCommands?: number;
}

/** The host's status as the control plane records it, retained on `edge-json/{tenant}/{host}/presence`. */
export interface JsonPresence {
  host: string;
  /** `online`, `offline`, `maintenance`, ... (the host's status). */
  status: string;
  previous: string;
  time: string;
}
