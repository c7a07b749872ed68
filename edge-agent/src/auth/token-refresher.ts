/**
 * Token refresher actor: refreshes the token pair at ~75% of the access token's lifetime and on demand
 * (broker refused the password), retrying with backoff while the control plane is unreachable.
 * A rejection (401: revoked identity or bad token) is final.
 */
import type { ActorContext, Behavior } from "../actors/index.ts";
import { jitteredBackoffMs, type BackoffRange } from "../backoff.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { IdentitySource } from "../store/identity-store.ts";
import type { AuthApi, AuthResult } from "./control-plane-client.ts";

export type TokenRefresherMsg = { type: "refresh"; reason: string } | { type: "result"; result: AuthResult };

/**
 * Outlives restarts of the actor: a refresh token is single-use, so two concurrent refreshes would
 * invalidate each other (and may revoke the session). Only one request is ever in flight.
 */
export interface RefreshState {
  inFlight: boolean;
}

export interface TokenRefresherDeps {
  store: IdentitySource;
  api: AuthApi;
  backoff: BackoffRange;
  state: RefreshState;
  log: Logger;
  /** A new access token is stored. */
  onRenewed(): void;
  /** The control plane refused our refresh token: the agent must stop. */
  onRejected(message: string): void;
  now?: () => number;
}

export function tokenRefresher(deps: TokenRefresherDeps) {
  const now = deps.now ?? Date.now;
  const { log, state } = deps;
  return ({ self, timers }: ActorContext<TokenRefresherMsg>): Behavior<TokenRefresherMsg> => {
    let failures = 0;
    let rejected = false;

    const schedule = (delayMs: number, reason: string) =>
      timers.startSingleTimer("refresh", { type: "refresh", reason }, delayMs);

    function scheduleNormal(): void {
      const identity = deps.store.load();
      if (!identity) return;
      const delayMs = identity.refreshDueAt - now();
      log.debug(`next token refresh in ${Math.round(Math.max(0, delayMs) / 1000)}s`);
      schedule(delayMs, "scheduled");
    }

    function refresh(reason: string): void {
      if (state.inFlight || rejected) return;
      const identity = deps.store.load();
      if (!identity) return;
      timers.cancel("refresh");
      state.inFlight = true;
      log.debug(`refreshing tokens (${reason})`);
      void deps.api
        .refresh(identity.refreshToken)
        .catch((error): AuthResult => ({ ok: false, kind: "unavailable", message: errorMessage(error) }))
        .then((result) => {
          // Persist at once, not via the mailbox: the old refresh token is already dead on the server.
          try {
            if (result.ok) saveTokens(result);
          } catch (error) {
            log.error(
              `cannot persist refreshed tokens; a restart will need a new bootstrap token: ${errorMessage(error)}`,
            );
          } finally {
            state.inFlight = false;
            self.tell({ type: "result", result });
          }
        });
    }

    function saveTokens(result: Extract<AuthResult, { ok: true }>): void {
      const stored = deps.store.load();
      // Identity is fixed at bootstrap; only the token pair rotates.
      if (stored) deps.store.save({ ...stored, ...result.grant.tokens });
    }

    function apply(result: AuthResult): void {
      if (result.ok) {
        failures = 0;
        log.info("access token refreshed");
        scheduleNormal();
        deps.onRenewed();
        return;
      }
      if (result.kind === "rejected") {
        rejected = true;
        timers.cancel("refresh");
        deps.onRejected(`token refresh rejected: ${result.message}`);
        return;
      }
      const delayMs = jitteredBackoffMs(deps.backoff, failures++);
      log.warn(`token refresh failed, retrying in ${delayMs}ms: ${result.message}`);
      schedule(delayMs, "retry");
    }

    return {
      preStart: scheduleNormal,
      receive(msg) {
        if (msg.type === "refresh") refresh(msg.reason);
        else apply(msg.result);
      },
    };
  };
}
