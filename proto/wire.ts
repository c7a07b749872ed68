/**
 * The MQTT wire contract: topic names and protobuf codecs for the messages of edge.proto. Types and code are
 * generated from the .proto files (proto/generated, `npm run gen:proto`); nothing here restates a message.
 */
import protobuf from "protobufjs/minimal.js";
import { edge } from "./generated/edge.js";

export import CommandStatus = edge.v1.CommandStatus;
export import PresenceState = edge.v1.PresenceState;

type Long = protobuf.Long;
type Field<V> = V extends Long
  ? number
  : V extends Uint8Array
    ? V
    : V extends (infer E)[]
      ? Field<E>[]
      : V extends object
        ? Filled<V>
        : V;
type Fields<T> = {
  [K in keyof T as K extends "$unknowns" ? never : T[K] extends (...args: never[]) => unknown ? never : K]: T[K];
};
/** A nested message as decoded: every field present. */
type Filled<T> = { [K in keyof Fields<T>]-?: Field<Exclude<T[K], null | undefined>> };
/**
 * A message as `codec.decode` returns it (protobufjs toObject with defaults): every field present (a oneof's
 * members optional, its name in the oneof's field), 64-bit integers as numbers, enums as numbers.
 */
export type Decoded<T> = { [K in keyof Fields<T>]: Field<Exclude<T[K], null>> };

export type Command = Decoded<edge.v1.Command>;
export type CommandCancel = Decoded<edge.v1.CommandCancel>;
export type CommandUpdate = Decoded<edge.v1.CommandUpdate>;
export type CommandLog = Decoded<edge.v1.CommandLog>;
export type AgentStatus = Decoded<edge.v1.AgentStatus>;
export type TelemetryPoint = Decoded<edge.v1.TelemetryPoint>;
export type TelemetryBatch = Decoded<edge.v1.TelemetryBatch>;
export type Receipt = Decoded<edge.v1.Receipt>;
export type Presence = Decoded<edge.v1.Presence>;
export type SafetyPolicyMessage = Decoded<edge.v1.SafetyPolicy>;
export type PolicySet = Decoded<edge.v1.PolicySet>;
export type EmergencyStop = Decoded<edge.v1.EmergencyStop>;
export type AgentSafetyState = Decoded<edge.v1.AgentSafetyState>;
export type RuntimeRequest = Decoded<edge.v1.RuntimeRequest>;
export type RuntimeResponse = Decoded<edge.v1.RuntimeResponse>;
/** Delivery numbering of an agent → control plane message (see edge.proto); both 0 when absent. */
export type AgentSequenced = Pick<CommandUpdate, "agentSeq" | "agentSeqFloor">;

/** What a generated message class offers a codec. */
export interface MessageClass<P, M> {
  fromObject(object: { [k: string]: unknown }): M;
  encode(message: M): protobuf.Writer;
  decode(bytes: Uint8Array): M;
  toObject(message: M, options: protobuf.IConversionOptions): { [k: string]: unknown };
  readonly prototype: M & P;
}

/** How every decoded message looks (see Decoded). */
export const DECODE_OPTIONS: protobuf.IConversionOptions = {
  longs: Number,
  enums: Number,
  defaults: true,
  arrays: true,
  objects: true,
  oneofs: true,
};

export interface Codec<D, P = never> {
  /** Missing fields encode as their defaults. */
  encode(value: P): Uint8Array;
  /** Throws on bytes that are not this message. */
  decode(bytes: Uint8Array): D;
}

/** Encoding and decoding of one generated message type. */
export function codecOf<P, M>(type: MessageClass<P, M>): Codec<Decoded<M>, P> {
  return {
    encode: (value) => type.encode(type.fromObject(value as { [k: string]: unknown })).finish(),
    decode: (bytes) => type.toObject(type.decode(bytes), DECODE_OPTIONS) as Decoded<M>,
  };
}

const v1 = edge.v1;
export const codecs = {
  command: codecOf<edge.v1.Command.$Properties, edge.v1.Command>(v1.Command),
  commandCancel: codecOf<edge.v1.CommandCancel.$Properties, edge.v1.CommandCancel>(v1.CommandCancel),
  commandUpdate: codecOf<edge.v1.CommandUpdate.$Properties, edge.v1.CommandUpdate>(v1.CommandUpdate),
  commandLog: codecOf<edge.v1.CommandLog.$Properties, edge.v1.CommandLog>(v1.CommandLog),
  status: codecOf<edge.v1.AgentStatus.$Properties, edge.v1.AgentStatus>(v1.AgentStatus),
  telemetry: codecOf<edge.v1.TelemetryBatch.$Properties, edge.v1.TelemetryBatch>(v1.TelemetryBatch),
  presence: codecOf<edge.v1.Presence.$Properties, edge.v1.Presence>(v1.Presence),
  policySet: codecOf<edge.v1.PolicySet.$Properties, edge.v1.PolicySet>(v1.PolicySet),
  receipt: codecOf<edge.v1.Receipt.$Properties, edge.v1.Receipt>(v1.Receipt),
  emergencyStop: codecOf<edge.v1.EmergencyStop.$Properties, edge.v1.EmergencyStop>(v1.EmergencyStop),
  safetyState: codecOf<edge.v1.AgentSafetyState.$Properties, edge.v1.AgentSafetyState>(v1.AgentSafetyState),
  runtimeRequest: codecOf<edge.v1.RuntimeRequest.$Properties, edge.v1.RuntimeRequest>(v1.RuntimeRequest),
  runtimeResponse: codecOf<edge.v1.RuntimeResponse.$Properties, edge.v1.RuntimeResponse>(v1.RuntimeResponse),
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
  | "policies"
  /** Workspace runtime API requests forwarded by the control plane, and their answers (RuntimeRequest/Response). */
  | "runtime-req"
  | "runtime-res";

/** Channels an agent publishes on; the rest it only receives. */
export const AGENT_PUBLISHES: readonly Channel[] = [
  "ack",
  "log",
  "status",
  "telemetry",
  "presence",
  "safety",
  "runtime-res",
];
export const AGENT_RECEIVES: readonly Channel[] = ["cmd", "cancel", "estop", "receipt", "policies", "runtime-req"];

export const topic = (tenantId: string, hostId: string, channel: Channel) => `edge/${tenantId}/${hostId}/${channel}`;
/** Subscription filter for one channel of every host. */
export const everyHostTopic = (channel: Channel) => `edge/+/+/${channel}`;

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
