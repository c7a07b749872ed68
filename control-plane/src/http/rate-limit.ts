/**
 * Rate limiting for the HTTP API (see README "Rate limits"): failed authentication attempts per client address,
 * failed attempts per targeted credential, and budgets for unauthenticated writes. Per process.
 */
import { Elysia } from "elysia";
import { tooMany } from "../lib/errors";
import { RateLimiter, isFailedCredential, normalizeAddress, type RateRule } from "../lib/rate-limit";
import { errorResponse } from "./errors";
import { LoopbackPeers } from "../lib/loopback-peers";

export interface RateLimitSettings {
  /** Failed authentications (401s and refused secrets) per client address. */
  authFailures: RateRule;
  /** Failed attempts per targeted credential (a runtime id's bootstrap token, a user's user-code approvals). */
  credentialFailures: RateRule;
  /** Device-login starts (each writes a row) per client address. */
  deviceStarts: RateRule;
  /** Usage webhook deliveries per source (client address). */
  usageWebhook: RateRule;
  /** Take the client address from the first `X-Forwarded-For` entry (only behind a trusted proxy). */
  trustProxy: boolean;
}

interface ServerLike {
  requestIP(request: Request): { address: string; port?: number } | null;
}

export class RateLimits {
  readonly failuresBySource: RateLimiter;
  readonly failuresByCredential: RateLimiter;
  readonly deviceStartsBySource: RateLimiter;
  readonly usageWebhookBySource: RateLimiter;

  /** The one-port front's loopback connections to the HTTP and gRPC servers, by local port: whom they stand for. */
  readonly peers = new LoopbackPeers();
  readonly grpcPeers = new LoopbackPeers();

  constructor(readonly settings: RateLimitSettings) {
    this.failuresBySource = new RateLimiter(settings.authFailures);
    this.failuresByCredential = new RateLimiter(settings.credentialFailures);
    this.deviceStartsBySource = new RateLimiter(settings.deviceStarts);
    this.usageWebhookBySource = new RateLimiter(settings.usageWebhook);
  }

  /** The client address a request counts against. */
  source(request: Request, server: ServerLike | null | undefined): string {
    if (this.settings.trustProxy) {
      const forwarded = request.headers.get("x-forwarded-for")?.split(",")[0]?.trim();
      if (forwarded) return normalizeAddress(forwarded);
    }
    const ip = server?.requestIP(request);
    return normalizeAddress(ip ? this.peers.resolve(ip.address, ip.port) : "unknown");
  }

  /**
   * Runs an attempt at a credential bound to `target` (e.g. `bootstrap:<runtimeId>`): refused with 429 once the target
   * has had too many failed attempts, whoever makes them; a failed attempt counts against it.
   */
  async guardCredential<T>(target: string, attempt: () => Promise<T>): Promise<T> {
    const wait = this.failuresByCredential.retryAfter(target);
    if (wait !== undefined) throw tooMany(wait, "too many failed attempts for this credential; retry later");
    try {
      return await attempt();
    } catch (error) {
      if (isFailedCredential(error)) this.failuresByCredential.hit(target);
      throw error;
    }
  }
}

/**
 * The global part: a client address with too many failed authentications gets 429 on every route but `/health` until
 * its window ends; every failed authentication (401, or a refused secret) counts. Use it before the error handler,
 * so its `onError` sees errors before the handler answers them.
 */
export const rateLimiting = (limits: RateLimits) =>
  new Elysia({ name: "rate-limit" })
    .onRequest(({ request, server }) => {
      if (new URL(request.url).pathname === "/health") return;
      const wait = limits.failuresBySource.retryAfter(limits.source(request, server));
      if (wait === undefined) return;
      return errorResponse(tooMany(wait, "too many failed authentication attempts; retry later"));
    })
    .onError({ as: "global" }, ({ error, request, server }) => {
      if (isFailedCredential(error)) limits.failuresBySource.hit(limits.source(request, server));
    });
