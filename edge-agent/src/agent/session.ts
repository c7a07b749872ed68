/**
 * Session actor: keeps one gRPC `Connect` stream to the control plane open while the agent has an access token.
 * Sends hello; on welcome, rows the control plane already processed are dropped from the outbox and the outbox
 * pump is handed to this stream (acks are cumulative). Commands pushed over the stream take the same path as
 * MQTT ones (durable dedupe, safety policy, runner), and so do cancels. Live exec output goes out as unsequenced log frames.
 * Reconnects with the same jittered backoff as MQTT; UNAUTHENTICATED triggers a token refresh first.
 */
import * as grpc from "@grpc/grpc-js";
import type { ActorContext, ActorRef, Behavior, ReplyTo } from "../actors/index.ts";
import type { TokenRefresherMsg } from "../auth/token-refresher.ts";
import type { BackoffRange } from "../backoff.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { Outbox } from "../store/outbox.ts";
import { readVersion, type VersionSource } from "../version.ts";
import { AgentSessionClient, type AgentFrameOut, type ServerFrame } from "@edge/proto/grpc";
import type { AgentSafetyState } from "@edge/proto/wire";
import type { ConnectionMsg, InboundHandlers, RuntimeResponsePart } from "./connection.ts";
import type { LiveLog, LogSink } from "./live-log.ts";
import type { Publisher } from "./outbox-pump.ts";
import type { PtyReply } from "./pty.ts";
import { Reconnect } from "./reconnect.ts";
import { frameOfRow } from "./session-frames.ts";

export type SessionMsg =
  | { type: "connect" }
  | { type: "frame"; attempt: number; frame: ServerFrame }
  | { type: "ended"; attempt: number; code: number; details: string }
  | { type: "welcomeTimeout"; attempt: number }
  /** The token refresher has a new access token. */
  | { type: "credentialsRenewed" }
  /** An AgentSafetyState to send now (unsequenced; dropped while no session is up, re-sent on welcome). */
  | { type: "safety"; state: AgentSafetyState }
  /** Final: close the stream; no reconnects afterwards. */
  | { type: "close"; replyTo?: ReplyTo<void> };

export interface SessionDeps {
  /** host:port, plaintext. */
  grpcUrl: string;
  keepaliveSeconds: number;
  backoff: BackoffRange;
  /** The current runtime access token ('' = none yet). */
  accessToken(): string;
  agentVersion: VersionSource;
  outbox: Outbox;
  /** Owns the outbox pump; told when the session can carry the outbox and when it cannot any more. */
  link: ActorRef<ConnectionMsg>;
  auth: ActorRef<TokenRefresherMsg>;
  /** The MQTT paths for commands, cancels and emergency stops (policy sets come over MQTT only). */
  inbound: Omit<InboundHandlers, "policySet">;
  liveLog: LiveLog;
  log: Logger;
  /** Observes session state changes (tests, metrics). */
  onStateChange?(up: boolean): void;
  /** The current AgentSafetyState, sent right after every welcome. */
  safetyState?(): AgentSafetyState;
}

type Call = grpc.ClientDuplexStream<AgentFrameOut, ServerFrame>;

/** A welcomed stream. */
interface Live {
  publisher: Publisher;
  sink: LogSink;
  /** Frames sent and not yet acked, in send (= seq) order, with the pump's completion callbacks. */
  unacked: Map<number, (error?: Error) => void>;
}

const WELCOME_TIMEOUT_MS = 15_000;
const CLOSE_TIMEOUT_MS = 2_000;
/** Log lines are dropped while this many frames wait in the stream's write buffer. */
const LOG_BACKLOG_FRAMES = 256;

export function agentSession(deps: SessionDeps) {
  const { log } = deps;
  return ({ self, timers }: ActorContext<SessionMsg>): Behavior<SessionMsg> => {
    let client: AgentSessionClient | undefined;
    let call: Call | undefined;
    let live: Live | undefined;
    /** Identifies the stream an event comes from; events of older streams are ignored. */
    let attempt = 0;
    const reconnect = new Reconnect(timers, { type: "connect" } as const, {
      backoff: deps.backoff,
      auth: deps.auth,
      log,
      label: "gRPC session: ",
    });

    function connect(): void {
      if (!reconnect.mayConnect || call) return;
      const token = deps.accessToken();
      if (!token) {
        log.warn("no runtime access token yet: gRPC session waits for one");
        return reconnect.waitForCredentials();
      }
      const current = ++attempt;
      log.debug(`opening gRPC session to ${deps.grpcUrl} (attempt ${current})`);
      // A fresh channel per attempt: no stale connection state or channel-level backoff of its own.
      client = new AgentSessionClient(deps.grpcUrl, grpc.credentials.createInsecure(), {
        "grpc.keepalive_time_ms": deps.keepaliveSeconds * 1000,
        "grpc.keepalive_timeout_ms": 10_000,
      });
      const metadata = new grpc.Metadata();
      metadata.set("authorization", `Bearer ${token}`);
      const next = client.Connect(metadata);
      call = next;
      next.on("data", (frame: ServerFrame) => self.tell({ type: "frame", attempt: current, frame }));
      next.on("status", (status: grpc.StatusObject) =>
        self.tell({ type: "ended", attempt: current, code: status.code, details: status.details }),
      );
      next.on("error", (error) => log.debug(`grpc session: ${error.message}`)); // 'status' follows
      next.write({ seq: 0, hello: { agentVersion: readVersion(deps.agentVersion) } });
      timers.startSingleTimer("welcome", { type: "welcomeTimeout", attempt: current }, WELCOME_TIMEOUT_MS);
    }

    function onFrame(frame: ServerFrame): void {
      const { inbound } = deps;
      const { estop, command, cancel } = frame;
      if (estop) {
        inbound
          .estop?.(estop)
          .catch((error) =>
            log.warn(`emergency stop ${estop.generation} from the session not applied: ${errorMessage(error)}`),
          );
        return;
      }
      if (frame.welcome) return onWelcome(frame.welcome);
      const runtimeRequest = frame.runtimeRequest;
      if (runtimeRequest) {
        const stream = call;
        const reply = (part: RuntimeResponsePart) => {
          if (stream && stream === call && !stream.writableEnded) stream.write({ seq: 0, runtimeResponse: part });
        };
        if (!inbound.runtimeRequest) {
          const body = new TextEncoder().encode(JSON.stringify({ error: "this agent has no workspace runtime" }));
          return reply({
            id: runtimeRequest.id,
            part: 0,
            status: 501,
            contentType: "application/json",
            chunk: body,
            end: true,
          });
        }
        return inbound.runtimeRequest(runtimeRequest, reply);
      }
      const ptyInput = frame.ptyInput;
      if (ptyInput) {
        const stream = call;
        const reply: PtyReply = (output) => {
          if (stream && stream === call && !stream.writableEnded) stream.write({ seq: 0, ptyOutput: output });
        };
        if (!inbound.pty)
          return reply({ id: ptyInput.id, exited: true, exitCode: -1, error: "this agent has no terminals" });
        return inbound.pty(ptyInput, reply);
      }
      if (frame.ack) return onAck(frame.ack.seq);
      if (command) {
        inbound
          .command(command)
          .catch((error) => log.warn(`command ${command.id} from the session not accepted: ${errorMessage(error)}`));
      }
      if (cancel) {
        inbound
          .cancel(cancel)
          .catch((error) =>
            log.warn(`cancel of ${cancel.commandId} from the session not accepted: ${errorMessage(error)}`),
          );
      }
    }

    function onWelcome({ lastAgentSeq, hostId }: { lastAgentSeq: number; hostId: string }): void {
      const stream = call;
      if (live || !stream) return log.debug("ignoring a repeated welcome");
      timers.cancel("welcome");
      reconnect.succeeded();
      // Processed already (over either transport): never resent.
      const dropped = deps.outbox.removeThrough(lastAgentSeq);
      const unacked = new Map<number, (error?: Error) => void>();
      const publisher: Publisher = {
        // Called by the connection actor's pump; a stream that just ended is about to be replaced, so skip.
        publish(row, done) {
          if (live?.publisher !== publisher) return;
          let frame: AgentFrameOut;
          try {
            frame = { ...frameOfRow(row), seqFloor: deps.outbox.floor() };
          } catch (error) {
            log.warn(`dropping outbox row: ${errorMessage(error)}`);
            return done();
          }
          unacked.set(row.seq, done);
          stream.write(frame);
        },
      };
      const sink: LogSink = (line) => {
        if (stream.writableLength < LOG_BACKLOG_FRAMES) stream.write({ seq: 0, log: line });
      };
      live = { publisher, sink, unacked };
      deps.liveLog.attach(sink);
      if (deps.safetyState) sendSafety(deps.safetyState());
      deps.link.tell({ type: "sessionUp", publisher });
      log.info(
        `gRPC session up with ${deps.grpcUrl} (host ${hostId}, control plane has seq ${lastAgentSeq}${dropped ? `, ${dropped} outbox row(s) already processed` : ""})`,
      );
      deps.onStateChange?.(true);
    }

    function sendSafety(state: AgentSafetyState): void {
      if (!live || !call) return;
      call.write({ seq: 0, safety: state });
    }

    /** Cumulative: every frame with seq <= `seq` is processed. */
    function onAck(seq: number): void {
      if (!live) return;
      for (const [sent, done] of live.unacked) {
        if (sent > seq) break;
        live.unacked.delete(sent);
        done();
      }
    }

    /** Gives the outbox back to MQTT (unacked frames are resent there or on the next session) and stops live logs. */
    function release(): void {
      if (!live) return;
      deps.liveLog.detach(live.sink);
      deps.link.tell({ type: "sessionDown", publisher: live.publisher });
      live = undefined;
      if (!reconnect.isClosed) log.warn("gRPC session lost");
      deps.onStateChange?.(false);
    }

    /** Forgets the stream, cancelling it if still open. */
    function teardown(): void {
      timers.cancel("welcome");
      release();
      if (call) deps.inbound.ptySessionLost?.();
      call?.removeAllListeners();
      call?.on("error", () => {}); // late errors of a dead stream must not become uncaught
      call?.cancel();
      call = undefined;
      client?.close();
      client = undefined;
    }

    function onEnded(code: number, details: string): void {
      teardown();
      if (reconnect.isClosed) return;
      if (code === grpc.status.UNAUTHENTICATED) {
        log.warn(`control plane refused the session (${details}); refreshing the access token`);
        return reconnect.refused("gRPC session refused the access token");
      }
      reconnect.failed(`${grpc.status[code] ?? code}${details.trim() ? `: ${details.trim()}` : ""}`);
      reconnect.schedule();
    }

    /** Half-closes the stream and waits briefly for the control plane to end it, then cancels. */
    async function close(): Promise<void> {
      reconnect.close();
      const stream = call;
      if (!stream) return teardown();
      const ended = new Promise<void>((resolve) => {
        stream.once("status", () => resolve());
        setTimeout(resolve, CLOSE_TIMEOUT_MS);
      });
      release();
      stream.end();
      await ended;
      teardown();
      log.info("gRPC session closed");
    }

    return {
      preStart() {
        self.tell({ type: "connect" });
      },

      async receive(msg) {
        switch (msg.type) {
          case "connect":
            return connect();
          case "frame":
            if (msg.attempt === attempt && call) onFrame(msg.frame);
            return;
          case "ended":
            if (msg.attempt === attempt && call) onEnded(msg.code, msg.details);
            return;
          case "welcomeTimeout":
            if (msg.attempt !== attempt || !call || live) return;
            teardown();
            reconnect.failed("no welcome from the control plane");
            return reconnect.schedule();
          case "credentialsRenewed":
            return reconnect.credentialsRenewed(call !== undefined);
          case "safety":
            return sendSafety(msg.state);
          case "close":
            await close();
            msg.replyTo?.();
            return;
        }
      },

      postStop() {
        reconnect.close();
        teardown();
      },
    };
  };
}
