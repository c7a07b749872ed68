/** gRPC clients for tests, built from the same proto sources as the servers. */
import * as grpc from "@grpc/grpc-js";
import {
  AgentSessionClient,
  OperatorClient,
  type SendCommandResponse,
  type Sent,
  type ServerFrame,
  type WatchEvent,
} from "@edge/proto/grpc";

export const bearerMetadata = (token?: string) => {
  const md = new grpc.Metadata();
  if (token) md.set("authorization", `Bearer ${token}`);
  return md;
};

export function operatorClient(address: string) {
  return new OperatorClient(address, grpc.credentials.createInsecure());
}

export function sessionClient(address: string) {
  return new AgentSessionClient(address, grpc.credentials.createInsecure());
}

/** A raw agent session stream with a queue of received frames. */
export function openSession(address: string, token?: string) {
  const client = sessionClient(address);
  const call = client.Connect(bearerMetadata(token));
  const frames: ServerFrame[] = [];
  let error: grpc.ServiceError | undefined;
  call.on("data", (f: ServerFrame) => frames.push(f));
  call.on("error", (e: grpc.ServiceError) => (error = e));
  return {
    call,
    frames,
    get error() {
      return error;
    },
    async next(pred: (f: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = frames.findIndex(pred);
        if (i >= 0) return frames.splice(i, 1)[0]!;
        if (error) throw error;
        if (Date.now() > deadline) throw new Error(`no matching frame; got ${JSON.stringify(frames)}`);
        await Bun.sleep(10);
      }
    },
    async failure(timeoutMs = 5000): Promise<grpc.ServiceError> {
      const deadline = Date.now() + timeoutMs;
      while (!error) {
        if (Date.now() > deadline) throw new Error("stream did not fail");
        await Bun.sleep(10);
      }
      return error;
    },
    close() {
      call.cancel();
      client.close();
    },
  };
}

/** Collects an operator watch stream's events. */
export function watch(address: string, token: string | undefined, request: { hostId?: string; taskId?: string }) {
  const client = operatorClient(address);
  const call = client.Watch(request, bearerMetadata(token));
  const events: WatchEvent[] = [];
  let error: grpc.ServiceError | undefined;
  const ready = new Promise<void>((resolve) => call.once("metadata", () => resolve()));
  call.on("data", (e) => events.push(e));
  call.on("error", (e: grpc.ServiceError) => (error = e));
  return {
    call,
    events,
    ready,
    get error() {
      return error;
    },
    async failure(timeoutMs = 5000): Promise<grpc.ServiceError> {
      const deadline = Date.now() + timeoutMs;
      while (!error) {
        if (Date.now() > deadline) throw new Error("watch did not fail");
        await Bun.sleep(10);
      }
      return error;
    },
    close() {
      call.cancel();
      client.close();
    },
  };
}

export function sendCommand(
  address: string,
  token: string | undefined,
  request: Sent<"SendCommandRequest">,
): Promise<SendCommandResponse> {
  const client = operatorClient(address);
  return new Promise((resolve, reject) =>
    client.SendCommand(request, bearerMetadata(token), (err, res) => {
      client.close();
      if (err || !res) reject(err ?? new Error("no response"));
      else resolve(res);
    }),
  );
}
