/**
 * Forwarding of operator requests to an agent's workspace runtime API (`/api/v1/hosts/:id/runtime/...`): the request
 * goes out as a RuntimeRequest over the host's live gRPC session (else its MQTT topic), the answer comes back as
 * RuntimeResponse parts and is handed out as a stream as the parts arrive (SSE and exports stream end to end).
 * Offline (no session here, no broker) → `unavailable`; no first part in time → `timeout`.
 */
import { randomBytes } from "node:crypto";
import type { RuntimeRequest, RuntimeResponse } from "@edge/proto/wire";
import { timedOut, unavailable } from "../../lib/errors";

export interface ForwardRequest {
  method: string;
  /** Path and query of the runtime API (`/api/v1/...`). */
  path: string;
  body: Uint8Array;
  contentType: string;
}

export interface ForwardedResponse {
  status: number;
  contentType: string;
  body: ReadableStream<Uint8Array>;
}

/** Sends a request to the host's agent; false when there is no way to reach it. */
export type RuntimeOutlet = (tenantId: string, hostId: string, request: RuntimeRequest) => boolean | Promise<boolean>;

interface Pending {
  tenantId: string;
  hostId: string;
  nextPart: number;
  early: Map<number, RuntimeResponse>;
  first?: { resolve(response: ForwardedResponse): void; reject(error: unknown): void };
  controller?: ReadableStreamDefaultController<Uint8Array>;
  timer: ReturnType<typeof setTimeout>;
}

export interface ForwardingOptions {
  /** How long the first part may take. */
  timeoutMs: number;
  /** How long a stream may stay silent between parts before it is cut. */
  idleTimeoutMs: number;
}

export class RuntimeForwarding {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly opts: ForwardingOptions) {}

  async forward(
    tenantId: string,
    hostId: string,
    request: ForwardRequest,
    outlets: readonly RuntimeOutlet[],
  ): Promise<ForwardedResponse> {
    const id = `rtreq_${randomBytes(12).toString("hex")}`;
    const wire: RuntimeRequest = {
      id,
      method: request.method,
      path: request.path,
      body: request.body,
      contentType: request.contentType,
      deadlineMs: Date.now() + this.opts.timeoutMs,
    };
    const answered = new Promise<ForwardedResponse>((resolve, reject) => {
      const timer = setTimeout(() => this.expire(id), this.opts.timeoutMs);
      this.pending.set(id, { tenantId, hostId, nextPart: 0, early: new Map(), first: { resolve, reject }, timer });
    });
    let sent = false;
    for (const outlet of outlets) {
      try {
        if (await outlet(tenantId, hostId, wire)) {
          sent = true;
          break;
        }
      } catch {
        // try the next way
      }
    }
    if (!sent) {
      const entry = this.pending.get(id);
      if (entry) {
        clearTimeout(entry.timer);
        this.pending.delete(id);
      }
      void answered.catch(() => {});
      throw unavailable("the host's agent is offline");
    }
    return answered;
  }

  /** A response part from the agent of (tenantId, hostId); parts of other hosts' requests are ignored. */
  deliver(tenantId: string, hostId: string, part: RuntimeResponse): void {
    const entry = this.pending.get(part.id);
    if (!entry || entry.tenantId !== tenantId || entry.hostId !== hostId) return;
    if (part.part !== entry.nextPart) {
      if (part.part > entry.nextPart && entry.early.size < 10_000) entry.early.set(part.part, part);
      return;
    }
    this.apply(part.id, entry, part);
    for (let next = entry.early.get(entry.nextPart); next; next = entry.early.get(entry.nextPart)) {
      entry.early.delete(next.part);
      this.apply(part.id, entry, next);
    }
  }

  private apply(id: string, entry: Pending, part: RuntimeResponse): void {
    entry.nextPart++;
    clearTimeout(entry.timer);
    if (entry.first) {
      const first = entry.first;
      entry.first = undefined;
      const body = new ReadableStream<Uint8Array>({
        start: (controller) => {
          entry.controller = controller;
        },
        cancel: () => {
          clearTimeout(entry.timer);
          this.pending.delete(id);
        },
      });
      first.resolve({ status: part.status || 502, contentType: part.contentType, body });
    }
    if (part.chunk.length) entry.controller?.enqueue(part.chunk);
    if (part.end) {
      this.pending.delete(id);
      entry.controller?.close();
      return;
    }
    entry.timer = setTimeout(() => this.expire(id), this.opts.idleTimeoutMs);
  }

  private expire(id: string): void {
    const entry = this.pending.get(id);
    if (!entry) return;
    this.pending.delete(id);
    if (entry.first) entry.first.reject(timedOut("the host's agent did not answer in time"));
    else entry.controller?.error(new Error("the host's agent stopped answering"));
  }

  /** Every request waiting on a host whose session ended fails at once instead of timing out. */
  hostGone(tenantId: string, hostId: string): void {
    for (const [id, entry] of this.pending) {
      if (entry.tenantId !== tenantId || entry.hostId !== hostId) continue;
      clearTimeout(entry.timer);
      this.pending.delete(id);
      if (entry.first) entry.first.reject(unavailable("the host's agent went offline"));
      else entry.controller?.error(new Error("the host's agent went offline"));
    }
  }
}
