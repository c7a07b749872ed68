/**
 * gRPC services of session.proto for @grpc/grpc-js: definitions and typed clients built from the generated code
 * (proto/generated: message classes and the service table), encoded and decoded exactly like the MQTT codecs.
 */
import * as grpc from "@grpc/grpc-js";
import { edge } from "./generated/edge.js";
import { services } from "./generated/services.ts";
import { codecOf, type Decoded, type MessageClass } from "./wire.ts";

type Messages = typeof edge.v1;
type MessageName = {
  [N in keyof Messages]: Messages[N] extends abstract new (...args: never[]) => unknown ? N : never;
}[keyof Messages];
/** A message as received (see Decoded). */
export type Received<N extends MessageName> = Messages[N] extends abstract new (
  ...args: never[]
) => infer Message
  ? Decoded<Message>
  : never;
/** A message as sent: any of its fields (missing ones encode as defaults). */
export type Sent<N extends MessageName> = Messages[N] extends abstract new (
  properties?: infer Fields,
) => unknown
  ? NonNullable<Fields>
  : never;

/** Agent → control plane frame, as the control plane reads it (`body` names the oneof member that is set). */
export type AgentFrame = Received<"AgentFrame">;
export type AgentFrameOut = Sent<"AgentFrame">;
/** Control plane → agent frame, as the agent reads it. */
export type ServerFrame = Received<"ServerFrame">;
export type ServerFrameOut = Sent<"ServerFrame">;
export type LogLine = Received<"LogLine">;
export type PtyInput = Received<"PtyInput">;
export type PtyOutput = Received<"PtyOutput">;
export type PtyOutputOut = Sent<"PtyOutput">;
export type WatchRequest = Received<"WatchRequest">;
export type WatchEvent = Received<"WatchEvent">;
export type WatchEventOut = Sent<"WatchEvent">;
export type SendCommandRequest = Received<"SendCommandRequest">;
export type SendCommandResponse = Received<"SendCommandResponse">;

type ServiceTable = typeof services;
interface MethodTable {
  readonly path: string;
  readonly requestType: MessageName;
  readonly responseType: MessageName;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
}
type Request<M extends MethodTable> = M["requestType"];
type Response<M extends MethodTable> = M["responseType"];

function definition(table: Record<string, MethodTable>): grpc.ServiceDefinition {
  return Object.fromEntries(
    Object.entries(table).map(([name, method]) => {
      const request = codecOf(edge.v1[method.requestType] as MessageClass<unknown, object>);
      const response = codecOf(edge.v1[method.responseType] as MessageClass<unknown, object>);
      const methodDefinition: grpc.MethodDefinition<unknown, unknown> = {
        path: method.path,
        requestStream: method.requestStream,
        responseStream: method.responseStream,
        // Clients get the method under both names, as @grpc/proto-loader did.
        originalName: name.charAt(0).toLowerCase() + name.slice(1),
        requestSerialize: (value) => Buffer.from(request.encode(value)),
        requestDeserialize: (bytes) => request.decode(bytes),
        responseSerialize: (value) => Buffer.from(response.encode(value)),
        responseDeserialize: (bytes) => response.decode(bytes),
      };
      return [name, methodDefinition];
    }),
  );
}

/** What a server implements for each method. */
export type ServiceHandlers<S extends Record<string, MethodTable>> = {
  [K in keyof S]: S[K]["requestStream"] extends true
    ? S[K]["responseStream"] extends true
      ? grpc.handleBidiStreamingCall<Received<Request<S[K]>>, Sent<Response<S[K]>>>
      : grpc.handleClientStreamingCall<Received<Request<S[K]>>, Sent<Response<S[K]>>>
    : S[K]["responseStream"] extends true
      ? grpc.handleServerStreamingCall<Received<Request<S[K]>>, Sent<Response<S[K]>>>
      : grpc.handleUnaryCall<Received<Request<S[K]>>, Sent<Response<S[K]>>>;
};

/** What a client calls for each method. */
type ClientMethods<S extends Record<string, MethodTable>> = {
  [K in keyof S]: S[K]["requestStream"] extends true
    ? S[K]["responseStream"] extends true
      ? (
          metadata?: grpc.Metadata,
          options?: grpc.CallOptions,
        ) => grpc.ClientDuplexStream<Sent<Request<S[K]>>, Received<Response<S[K]>>>
      : never
    : S[K]["responseStream"] extends true
      ? (
          request: Sent<Request<S[K]>>,
          metadata?: grpc.Metadata,
          options?: grpc.CallOptions,
        ) => grpc.ClientReadableStream<Received<Response<S[K]>>>
      : (
          request: Sent<Request<S[K]>>,
          metadata: grpc.Metadata,
          callback: (error: grpc.ServiceError | null, response?: Received<Response<S[K]>>) => void,
        ) => grpc.ClientUnaryCall;
};

export type ServiceClient<S extends Record<string, MethodTable>> = grpc.Client & ClientMethods<S>;
type ClientConstructor<S extends Record<string, MethodTable>> = new (
  address: string,
  credentials: grpc.ChannelCredentials,
  options?: grpc.ClientOptions,
) => ServiceClient<S>;

function client<S extends Record<string, MethodTable>>(serviceDefinition: grpc.ServiceDefinition, name: string) {
  return grpc.makeGenericClientConstructor(serviceDefinition, name) as unknown as ClientConstructor<S>;
}

export type AgentSessionMethods = ServiceTable["AgentSession"];
export type OperatorMethods = ServiceTable["Operator"];

export const AgentSessionService = definition(services.AgentSession);
export const OperatorService = definition(services.Operator);
export const AgentSessionClient = client<AgentSessionMethods>(AgentSessionService, "AgentSession");
export const OperatorClient = client<OperatorMethods>(OperatorService, "Operator");
export type AgentSessionClient = ServiceClient<AgentSessionMethods>;
export type OperatorClient = ServiceClient<OperatorMethods>;
