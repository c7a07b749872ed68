/**
 * gRPC: the adapter of real-time agent sessions over the agents module (commands pushed without the broker hop;
 * acks, status, telemetry and log lines streamed back, resumable by sequence number) and the operator's live
 * watch / send-command calls. Domain errors are mapped to gRPC status codes here, once.
 */
import * as grpc from "@grpc/grpc-js";
import { asSystem, inRequest, setRequestScope, tenantScope } from "../db/context";
import { type DomainErrorKind, isDomainError } from "../lib/errors";
import { parseJsonObject } from "../lib/json-guard";
import type { ClusterEvents, WatchedEvent } from "../lib/cluster-events";
import type { CommandToDeliver } from "../lib/events";
import {
  type AgentRef,
  type LiveSession,
  MAX_REPORTS_APPLYING,
  toWireCommand,
  toWireEstop,
} from "../modules/agents/service";
import { bearerToken, type UserPrincipal } from "../modules/auth/principal";
import type { RuntimePrincipal } from "../modules/runtime/principal";
import type { Services } from "../services";
import { AgentSessionService, OperatorService, type AgentFrame, type ServerFrameOut } from "@edge/proto/grpc";
import { normalizeAddress } from "../lib/rate-limit";

type Status = grpc.status;
const statusError = (code: Status, details: string) => Object.assign(new Error(details), { code, details });

export const GRPC_STATUS_OF: Record<DomainErrorKind, Status> = {
  invalid: grpc.status.INVALID_ARGUMENT,
  unauthenticated: grpc.status.UNAUTHENTICATED,
  forbidden: grpc.status.PERMISSION_DENIED,
  not_found: grpc.status.NOT_FOUND,
  conflict: grpc.status.FAILED_PRECONDITION,
  unprocessable: grpc.status.INVALID_ARGUMENT,
  too_many: grpc.status.RESOURCE_EXHAUSTED,
  unavailable: grpc.status.UNAVAILABLE,
  timeout: grpc.status.DEADLINE_EXCEEDED,
  payment_required: grpc.status.FAILED_PRECONDITION,
  bad_gateway: grpc.status.UNAVAILABLE,
};

/** The one gRPC form of an error: a status error as is, a domain error by its kind, anything else INTERNAL. */
function toGrpcError(err: unknown, log: (msg: string, err: unknown) => void): Error {
  if (isDomainError(err)) return statusError(GRPC_STATUS_OF[err.kind], err.message);
  if ((err as { code?: unknown })?.code !== undefined && err instanceof Error) return err;
  log("gRPC call failed", err);
  return statusError(grpc.status.INTERNAL, "internal error");
}

/** The `authorization` metadata, read like the HTTP header of the same name. */
function authorization(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get("authorization")[0];
  return typeof value === "string" ? value : undefined;
}

const commandFrame = (c: CommandToDeliver): ServerFrameOut => ({ command: toWireCommand(c) });

export interface GrpcServerOptions {
  /** A separate listener's port; undefined = a loopback port of its own, reached through the one-port front. */
  port?: number;
  host: string;
}

export interface GrpcServer {
  /** The port the gRPC server listens on (GRPC_PORT, or its loopback port behind the front). */
  port: number;
  /** Where the one-port front connects to reach it. */
  host: string;
  /** Whether that is a separate listener of its own (GRPC_PORT set). */
  separate: boolean;
  stop(): Promise<void>;
}

export async function startGrpcServer(
  services: Services,
  cluster: ClusterEvents,
  opts: GrpcServerOptions,
): Promise<GrpcServer> {
  const server = new grpc.Server();
  server.addService(AgentSessionService, {
    Connect: (call: grpc.ServerDuplexStream<AgentFrame, ServerFrameOut>) => agentSession(services, call),
  });
  server.addService(OperatorService, operator(services, cluster));
  const separate = opts.port !== undefined;
  const host = separate ? opts.host : "127.0.0.1";
  const address = host.includes(":") ? `[${host}]` : host;
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${address}:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  const connectHost = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return {
    port,
    host: connectHost,
    separate,
    async stop() {
      services.agents.abortAllSessions("control plane shutting down");
      // Watches and sessions are endless streams: give calls a moment, then cut them.
      await Promise.race([new Promise<void>((resolve) => server.tryShutdown(() => resolve())), Bun.sleep(500)]);
      server.forceShutdown();
    },
  };
}

/** One agent's Connect stream: hello → welcome (+ pending commands), then sequenced frames acknowledged cumulatively. */
function agentSession(services: Services, call: grpc.ServerDuplexStream<AgentFrame, ServerFrameOut>) {
  const { agents } = services;
  let principal: RuntimePrincipal | undefined;
  let agent: AgentRef | undefined;
  let session: LiveSession | undefined;
  let lastSeq = 0;
  let ended = false;
  /** The session's reports handed to the batcher, acknowledged in order as they commit (see `handle`). */
  let reporting: Promise<void> = Promise.resolve();
  let reportsApplying = 0;
  const write = (frame: ServerFrameOut) => {
    if (!ended && !call.cancelled) {
      services.metrics.grpcMessage("out", "agent");
      call.write(frame);
    }
  };
  const finish = (error?: Error) => {
    if (ended) return;
    ended = true;
    if (agent && session) agents.closeSession(agent, session);
    if (error) call.emit("error", error);
    else call.end();
  };

  const authenticated = (async () => {
    principal = await withAuthBudget(services, call.getPeer(), async () => {
      const token = bearerToken(authorization(call.metadata));
      return token ? await agents.authenticate(token) : undefined;
    });
    if (!principal) throw statusError(grpc.status.UNAUTHENTICATED, "missing, invalid or revoked runtime access token");
  })();

  /** A frame's handling failed (in turn, or its report when applied): the session ends with its status. */
  const failed = (err: unknown) => finish(toGrpcError(err, (msg, e) => services.log.error(`agent session: ${msg}`, e)));
  let queue: Promise<void> = authenticated;
  call.on("data", (frame: AgentFrame) => {
    services.metrics.grpcMessage("in", "agent");
    queue = queue
      .then(() => (ended ? undefined : asSystem("an agent's session frames", () => handle(frame))))
      .catch(failed);
  });
  // An agent that sends nothing still learns at once that its token is bad.
  authenticated.catch((err) => finish(err));
  call.on("end", () => queue.finally(() => reporting).finally(() => finish()));
  call.on("cancelled", () => finish());
  call.on("error", () => finish());

  async function handle(frame: AgentFrame) {
    const me = principal!;
    const { inbox } = agents;
    if (!session) {
      if (frame.body !== "hello") throw statusError(grpc.status.FAILED_PRECONDITION, "the first frame must be hello");
      agent = { tenantId: me.tenantId, hostId: me.hostId, runtimeId: me.runtimeId };
      const live: LiveSession = {
        runtimeId: me.runtimeId,
        pushCommand: (command) => write(commandFrame(command)),
        pushCancel: (commandId, reason) => write({ cancel: { commandId, reason, atMs: Date.now() } }),
        pushEstop: (order) => write({ estop: toWireEstop(order) }),
        pushRuntimeRequest: (request) => write({ runtimeRequest: request }),
        pushPty: (input) => write({ ptyInput: input }),
        abort: (reason) => finish(statusError(grpc.status.UNAUTHENTICATED, reason)),
      };
      session = live;
      const opened = await agents.openSession(agent, live);
      lastSeq = opened.lastSeq;
      write({ welcome: { lastAgentSeq: lastSeq, hostId: me.hostId } });
      await opened.start();
      if (ended) agents.closeSession(agent, live); // the stream ended while it opened: nothing may push to it
      return;
    }
    if (frame.body === "log" && frame.log) return inbox.liveLog(me.tenantId, me.hostId, frame.log);
    const report = (frame.body === "update" && frame.update) || (frame.body === "status" && frame.status);
    // Only numbered reports may go while earlier ones apply: anything else waits for them (acks are cumulative).
    if (!report || !frame.seq || reportsApplying >= MAX_REPORTS_APPLYING) await reporting;
    if (frame.body === "safety" && frame.safety) return inbox.safety(me.tenantId, me.hostId, frame.safety);
    if (frame.body === "runtimeResponse" && frame.runtimeResponse)
      return agents.runtimeResponse(me.tenantId, me.hostId, frame.runtimeResponse);
    if (frame.body === "ptyOutput" && frame.ptyOutput) return agents.ptyOutput(me.tenantId, me.hostId, frame.ptyOutput);
    if (!frame.seq) return; // resendable frames carry a seq; anything else is not ours to process
    const inRange = (n: number) => Number.isSafeInteger(n) && n >= 0;
    if (!inRange(frame.seq) || !inRange(frame.seqFloor ?? 0))
      throw statusError(grpc.status.INVALID_ARGUMENT, "seq out of range");
    // The same per-agent sequence as MQTT: a frame processed before (on any transport or replica) is not re-applied.
    if (report) {
      // Applied with other agents' reports in one statement (group commit); acked once committed. Handed to the
      // batcher now (it applies the agent's reports in order) without waiting for the commit, so a RUNNING and the
      // COMPLETED right behind it can share one (report-batch.ts).
      const { seq, seqFloor } = frame;
      const applying = frame.update
        ? inbox.numberedCommandUpdate(agent!, seq, seqFloor ?? 0, frame.update)
        : inbox.numberedStatus(agent!, seq, seqFloor ?? 0, frame.status!);
      reportsApplying++;
      reporting = reporting
        .then(async () => {
          if ((await applying) === null) throw statusError(grpc.status.UNAUTHENTICATED, "runtime identity revoked");
          lastSeq = Math.max(lastSeq, seq);
          write({ ack: { seq: lastSeq } });
        })
        .catch(failed)
        .finally(() => reportsApplying--);
      return;
    }
    await inbox.numbered(agent!, frame.seq, frame.seqFloor ?? 0, async () => {
      if (frame.body === "commandLog" && frame.commandLog)
        await inbox.commandLog(me.tenantId, me.hostId, frame.commandLog, true);
      else if (frame.body === "telemetry" && frame.telemetry)
        await inbox.telemetry(me.tenantId, me.hostId, frame.telemetry.points);
    });
    // Frames of a stream are processed in order, so the ack is cumulative.
    lastSeq = Math.max(lastSeq, frame.seq);
    write({ ack: { seq: lastSeq } });
  }
}

/** Operator calls: authenticated with an API key or user access token, tenant-scoped. */
function operator(services: Services, cluster: ClusterEvents): grpc.UntypedServiceImplementation {
  /** `peer` given: a failure counts against that client address's failed-authentication budget. */
  async function user(metadata: grpc.Metadata, peer?: string): Promise<UserPrincipal> {
    const principal = async () => services.authenticator.user(authorization(metadata)).catch(() => undefined);
    const me = peer ? await withAuthBudget(services, peer, principal) : await principal();
    if (!me) throw statusError(grpc.status.UNAUTHENTICATED, "missing or invalid credential");
    return me;
  }
  const asStatus = (err: unknown) => toGrpcError(err, (msg, e) => services.log.error(`operator: ${msg}`, e));
  // The watches to re-check when a user's session is revoked, by user: one bus listener for them all (not one per
  // watch, which every domain event would visit).
  const revocable = new Map<string, Set<() => Promise<void>>>();
  services.events.subscribe((event) => {
    if (event.type !== "session.revoked" || !event.userId) return;
    for (const recheck of revocable.get(event.userId) ?? [])
      recheck().catch((err) => services.log.error("watch re-check failed", err));
  });
  const onSessionRevoked = (userId: string, recheck: () => Promise<void>) => {
    let set = revocable.get(userId);
    if (!set) {
      set = new Set();
      revocable.set(userId, set);
    }
    set.add(recheck);
    return () => {
      set.delete(recheck);
      if (set.size === 0 && revocable.get(userId) === set) revocable.delete(userId);
    };
  };

  return {
    Watch(call: grpc.ServerWritableStream<{ hostId: string; taskId: string }, unknown>) {
      let unsubscribe: (() => void) | undefined;
      let unsubscribeRevocations: (() => void) | undefined;
      const stop = () => {
        unsubscribe?.();
        unsubscribeRevocations?.();
      };
      call.on("cancelled", stop);
      call.on("close", stop);
      // An operator call's database context is its caller's tenant (db/context.ts), as an HTTP request's.
      inRequest(async () => {
        const me = await user(call.metadata, call.getPeer());
        setRequestScope(tenantScope(me.tenantId));
        // A watch opened with a token whose session gets revoked ends at once (API keys are checked on revocation too).
        unsubscribeRevocations = onSessionRevoked(me.userId, async () => {
          if (
            await user(call.metadata).then(
              () => false,
              () => true,
            )
          ) {
            stop();
            call.emit("error", statusError(grpc.status.UNAUTHENTICATED, "session revoked"));
          }
        });
        const { hostId, taskId } = call.request;
        if (Boolean(hostId) === Boolean(taskId))
          throw statusError(grpc.status.INVALID_ARGUMENT, "give exactly one of host_id or task_id");
        // Another tenant's host or task is simply not found; so is a task of a project the caller is no member of.
        if (hostId)
          await services.hosts
            .get(me.tenantId, hostId)
            .catch(() => Promise.reject(statusError(grpc.status.NOT_FOUND, "host not found")));
        if (taskId)
          await services.tasks
            .get(me.tenantId, taskId, services.projectMembers.scopeOf(me))
            .catch(() => Promise.reject(statusError(grpc.status.NOT_FOUND, "task not found")));
        // A host watch hears only its host's events (indexed: not every watch looks at every event).
        const onEvent = (event: WatchedEvent) => {
          const out = watchEvent(event, me.tenantId, hostId, taskId);
          if (out && !call.cancelled) {
            services.metrics.grpcMessage("out", "operator");
            call.write(out);
          }
        };
        unsubscribe = hostId ? cluster.subscribeHost(me.tenantId, hostId, onEvent) : cluster.subscribe(onEvent);
        call.sendMetadata(new grpc.Metadata()); // headers now: the watch is live
      }).catch((err) => call.emit("error", asStatus(err)));
    },

    SendCommand(
      call: grpc.ServerUnaryCall<{ hostId: string; kind: string; paramsJson: string; timeoutMs: number }, unknown>,
      done: grpc.sendUnaryData<unknown>,
    ) {
      // An operator call's database context is its caller's tenant (db/context.ts), as an HTTP request's.
      inRequest(async () => {
        const me = await user(call.metadata, call.getPeer());
        setRequestScope(tenantScope(me.tenantId));
        const { hostId, kind, paramsJson, timeoutMs } = call.request;
        let params: Record<string, unknown> = {};
        if (paramsJson) {
          // The same limits as a REST body: bounded size and depth, no NUL, finite numbers.
          const limits = { maxBytes: services.config.maxBodyBytes, maxDepth: services.config.maxJsonDepth };
          const parsed = parseJsonObject(paramsJson, limits);
          if (!parsed.ok) throw statusError(grpc.status.INVALID_ARGUMENT, `params_json: ${parsed.reason}`);
          params = parsed.value;
        }
        if (!/^[a-z][a-z0-9_.-]{0,99}$/.test(kind)) throw statusError(grpc.status.INVALID_ARGUMENT, "invalid kind");
        await services.hosts
          .get(me.tenantId, hostId)
          .catch(() => Promise.reject(statusError(grpc.status.NOT_FOUND, "host not found")));
        const live = services.agents.hasLiveSession(me.tenantId, hostId);
        const command = await services.commands.create(me.tenantId, {
          hostId,
          kind,
          params,
          ...(timeoutMs ? { timeoutMs } : {}),
        });
        return { commandId: command.id, status: command.status, deliveredLive: live };
      }).then(
        (res) => done(null, res),
        (err) => done(asStatus(err) as grpc.ServiceError),
      );
    },
  };
}

function watchEvent(event: WatchedEvent, tenantId: string, hostId: string, taskId: string) {
  if (event.tenantId !== tenantId) return undefined;
  const atMs = Date.now();
  if (hostId) {
    if (event.type === "host.status" && event.hostId === hostId) {
      return { atMs, hostStatus: { hostId, status: event.status, previous: event.previous } };
    }
    if (event.type === "command.transition" && event.hostId === hostId) {
      return { atMs, command: { commandId: event.commandId, hostId, status: event.status, error: event.error ?? "" } };
    }
    if (event.type === "command.log" && event.hostId === hostId) {
      return { atMs, log: { commandId: event.commandId, stream: event.stream, line: event.line, atMs: event.atMs } };
    }
  } else if (event.type === "task.transition" && event.taskId === taskId) {
    return { atMs, task: { taskId, status: event.status } };
  }
  return undefined;
}

/**
 * Authenticates within the client address's failed-authentication budget, shared with the HTTP API: refused with
 * RESOURCE_EXHAUSTED once it is spent; a failure (undefined) counts.
 */
async function withAuthBudget<T>(
  services: Services,
  peer: string,
  authenticate: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const source = normalizeAddress(services.rateLimits.grpcPeers.resolvePeer(peer));
  const wait = services.rateLimits.failuresBySource.retryAfter(source);
  if (wait !== undefined)
    throw statusError(grpc.status.RESOURCE_EXHAUSTED, `too many failed authentication attempts; retry in ${wait} s`);
  const principal = await authenticate();
  if (!principal) services.rateLimits.failuresBySource.hit(source);
  return principal;
}
