/**
 * Token refresher actor: refreshes the token pair at ~75% of the access token's lifetime and on demand
 * (broker refused the password), retrying with backoff while the control plane is unreachable.
 * A refused refresh token (401: reused, revoked, expired) is recovered with the worker's recovery secret when there
 * is one (e.g. the agent crashed between a server-side rotation and saving the new pair); otherwise, or when the
 * recovery is refused too (identity revoked), the rejection is final.
 */
import type { ActorContext, Behavior } from "../actors/index.ts";
import { jitteredBackoffMs, type BackoffRange } from "../backoff.ts";
import { errorMessage, type Logger } from "@edge/proto/log";
import type { IdentitySource } from "../store/identity-store.ts";
import type { AuthApi, AuthResult } from "./control-plane-client.ts";
import type { RecoverySecretSource } from "./recovery-secret.ts";

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
  /** An enrolled worker's recovery secret; without it a refused refresh is final. */
  recovery?: RecoverySecretSource;
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
    /** The refresh token was refused: the next attempts use the recovery secret instead. */
    let recovering: string | undefined;

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
      const secret = recovering !== undefined ? deps.recovery?.load() : undefined;
      log.debug(secret ? `recovering tokens with the recovery secret (${reason})` : `refreshing tokens (${reason})`);
      const request: Promise<AuthResult & { recoverySecret?: string }> =
        secret && deps.api.recover
          ? deps.api.recover(identity.runtimeId, secret)
          : deps.api.refresh(identity.refreshToken);
      void request
        .catch((error): AuthResult => ({ ok: false, kind: "unavailable", message: errorMessage(error) }))
        .then((result) => {
          // Persist at once, not via the mailbox: the old refresh token (or recovery secret) is already dead on
          // the server. The rotated secret first: with it, lost tokens can be recovered again.
          try {
            if (result.ok && "recoverySecret" in result && result.recoverySecret)
              deps.recovery?.save(result.recoverySecret);
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
        if (recovering !== undefined) log.warn(`tokens recovered with the recovery secret (${recovering})`);
        else log.info("access token refreshed");
        recovering = undefined;
        scheduleNormal();
        deps.onRenewed();
        return;
      }
      if (result.kind === "rejected" && recovering === undefined && deps.recovery?.load() && deps.api.recover) {
        recovering = `refresh refused: ${result.message}`;
        log.warn(`token refresh refused (${result.message}); recovering with the recovery secret`);
        refresh("recovery");
        return;
      }
      if (result.kind === "rejected") {
        const message = recovering ? `${recovering}; recovery refused: ${result.message}` : result.message;
        rejected = true;
        timers.cancel("refresh");
        deps.onRejected(`token refresh rejected: ${message}`);
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
