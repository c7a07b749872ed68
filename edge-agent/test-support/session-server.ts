/**
 * A test double of the control plane's AgentSession service: real @grpc/grpc-js server on 127.0.0.1, records
 * every stream (metadata, frames), welcomes with a scripted lastAgentSeq and acks automatically or on demand.
 */
import * as grpc from "@grpc/grpc-js";
import { AgentSessionService, type AgentFrame, type ServerFrameOut } from "@edge/proto/grpc";

export interface TestStream {
  authorization: string | undefined;
  frames: AgentFrame[];
  ended: boolean;
  send(frame: ServerFrameOut): void;
  /** Ends the stream with an error status (a dropped session, from the agent's side). */
  fail(code?: grpc.status, details?: string): void;
}

export interface TestSessionServer {
  url: string;
  streams: TestStream[];
  /** Bearer tokens accepted; others get UNAUTHENTICATED. */
  validTokens: Set<string>;
  /** welcome.lastAgentSeq for the next streams. */
  lastAgentSeq: number;
  /** Ack each sequenced frame as it arrives (default true); otherwise call ack() yourself. */
  autoAck: boolean;
  /** Sequenced frames of all streams, in arrival order. */
  seqFrames(): AgentFrame[];
  latest(): TestStream | undefined;
  close(): Promise<void>;
}

export async function startTestSessionServer(): Promise<TestSessionServer> {
  const server = new grpc.Server();
  const state: TestSessionServer = {
    url: "",
    streams: [],
    validTokens: new Set(["access-1"]),
    lastAgentSeq: 0,
    autoAck: true,
    seqFrames: () => state.streams.flatMap((s) => s.frames.filter((f) => f.seq > 0)),
    latest: () => state.streams.at(-1),
    async close() {
      server.forceShutdown();
    },
  };
  server.addService(AgentSessionService, {
    Connect(call: grpc.ServerDuplexStream<AgentFrame, ServerFrameOut>) {
      const value = call.metadata.get("authorization")[0];
      const stream: TestStream = {
        authorization: typeof value === "string" ? value : undefined,
        frames: [],
        ended: false,
        send: (frame) => {
          if (!stream.ended) call.write(frame);
        },
        fail: (code = grpc.status.UNAVAILABLE, details = "dropped by test") => {
          if (stream.ended) return;
          stream.ended = true;
          call.emit("error", Object.assign(new Error(details), { code, details }));
        },
      };
      state.streams.push(stream);
      const token = stream.authorization?.replace(/^Bearer /, "");
      if (!token || !state.validTokens.has(token)) return stream.fail(grpc.status.UNAUTHENTICATED, "bad token");
      call.on("data", (frame: AgentFrame) => {
        stream.frames.push(frame);
        if (frame.body === "hello") stream.send({ welcome: { lastAgentSeq: state.lastAgentSeq, hostId: "host_1" } });
        else if (frame.seq > 0 && state.autoAck) stream.send({ ack: { seq: frame.seq } });
      });
      call.on("end", () => {
        if (stream.ended) return;
        stream.ended = true;
        call.end();
      });
      call.on("error", () => (stream.ended = true));
      call.on("cancelled", () => (stream.ended = true));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  state.url = `127.0.0.1:${port}`;
  return state;
}
