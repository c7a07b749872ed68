/** gRPC service definitions loaded from the same .proto sources as the MQTT codecs (embedded as text). */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import protobuf from "protobufjs";
import edgeSource from "./edge.proto" with { type: "text" };
import sessionSource from "./session.proto" with { type: "text" };
import type { AgentSafetyState, EmergencyStop } from "./wire";

const root = new protobuf.Root();
protobuf.parse(edgeSource, root, { keepCase: false });
protobuf.parse(sessionSource, root, { keepCase: false });

const definition = protoLoader.fromJSON(root.toJSON(), {
  keepCase: false,
  longs: Number,
  enums: Number,
  defaults: true,
  oneofs: true,
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const pkg = (grpc.loadPackageDefinition(definition) as any).edge.v1;

export const AgentSessionService: grpc.ServiceDefinition = pkg.AgentSession.service;
export const OperatorService: grpc.ServiceDefinition = pkg.Operator.service;
export const AgentSessionClient: grpc.ServiceClientConstructor = pkg.AgentSession;
export const OperatorClient: grpc.ServiceClientConstructor = pkg.Operator;

/** Frame shapes as @grpc/proto-loader delivers them (camelCase, oneof name in `body`). */
export interface AgentFrame {
  seq: number;
  /** Every frame with seq <= seqFloor is settled (see session.proto). */
  seqFloor?: number;
  body?: "hello" | "update" | "status" | "telemetry" | "log" | "safety" | "commandLog";
  hello?: { agentVersion: string };
  update?: { commandId: string; status: number; error: string; resultJson: string; atMs: number };
  status?: Record<string, unknown> & { agentVersion: string };
  telemetry?: { points: { name: string; value: number; tags: Record<string, string>; atMs: number; seq: number }[] };
  log?: LogLine;
  safety?: AgentSafetyState;
  commandLog?: LogLine & { index: number };
}
export interface LogLine {
  commandId: string;
  stream: string;
  line: string;
  atMs: number;
}
export interface ServerFrame {
  welcome?: { lastAgentSeq: number; hostId: string };
  command?: {
    id: string;
    kind: string;
    paramsJson: string;
    timeoutMs: number;
    createdAtMs: number;
    alreadyStarted?: boolean;
    notAfterMs?: number;
  };
  ack?: { seq: number };
  cancel?: { commandId: string; reason: string; atMs: number };
  estop?: EmergencyStop;
}
