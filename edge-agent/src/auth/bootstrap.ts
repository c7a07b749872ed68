/** First start: trade the bootstrap token for an identity and token pair; later starts reuse the stored one. */
import { jitteredBackoffMs, type BackoffRange } from "../backoff.ts";
import type { Logger } from "@edge/proto/log";
import type { IdentitySource, StoredIdentity } from "../store/identity-store.ts";
import type { AuthApi, WorkerRegistration } from "./control-plane-client.ts";

export class IdentityRejectedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IdentityRejectedError";
  }
}

/** Configuration that cannot work (e.g. no stored identity and no bootstrap token). */
export class IdentitySetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IdentitySetupError";
  }
}

export interface EnsureIdentityOptions {
  /** '' when enrolling (the control plane assigns it). */
  runtimeId: string;
  bootstrapToken?: string;
  /** Enroll as a worker instead of exchanging a bootstrap token. */
  enroll?: Omit<WorkerRegistration, "runtimeVersion"> & { saveRecoverySecret(secret: string): void };
  agentVersion: string;
  /** The host's own labels, reported with the exchange or the enrollment. */
  labels?: Record<string, string>;
  store: IdentitySource;
  api: AuthApi;
  backoff: BackoffRange;
  log: Logger;
  /** Aborting stops the retries (shutdown requested); the promise then resolves undefined. */
  signal?: AbortSignal;
}

/**
 * Returns the stored identity, or exchanges the bootstrap token for one, retrying while the control plane is
 * unreachable. Throws IdentityRejectedError when the control plane refuses, IdentitySetupError on unusable config.
 */
export async function ensureIdentity(opts: EnsureIdentityOptions): Promise<StoredIdentity | undefined> {
  const stored = opts.store.load();
  if (stored) {
    if (opts.runtimeId && stored.runtimeId !== opts.runtimeId) {
      throw new IdentitySetupError(
        `the state dir belongs to runtime "${stored.runtimeId}", not "${opts.runtimeId}"; use another --state-dir`,
      );
    }
    return stored;
  }
  if (!opts.bootstrapToken && !opts.enroll) {
    throw new IdentitySetupError(
      "no identity stored yet: --bootstrap-token / EDGE_BOOTSTRAP_TOKEN (or --enroll-token) is required on first start",
    );
  }
  const { enroll } = opts;
  for (let attempt = 0; !opts.signal?.aborted; attempt++) {
    const result: Awaited<ReturnType<NonNullable<AuthApi["register"]>>> =
      enroll && opts.api.register
        ? await opts.api.register({
            machineId: enroll.machineId,
            token: enroll.token,
            name: enroll.name,
            capabilities: enroll.capabilities,
            hardware: enroll.hardware,
            ...(opts.labels && Object.keys(opts.labels).length ? { labels: opts.labels } : {}),
            runtimeVersion: opts.agentVersion,
          })
        : await opts.api.exchange(opts.runtimeId, opts.bootstrapToken!, opts.agentVersion, opts.labels);
    if (result.ok) {
      const { identity, tokens } = result.grant;
      if (enroll) {
        if (result.recoverySecret) enroll.saveRecoverySecret(result.recoverySecret);
        const created = { ...identity, ...tokens };
        opts.store.save(created);
        opts.log.info("enrolled as a worker", {
          tenantId: identity.tenantId,
          hostId: identity.hostId,
          runtimeId: identity.runtimeId,
        });
        return created;
      }
      if (identity.runtimeId !== opts.runtimeId) {
        throw new IdentityRejectedError(
          `bootstrap exchange returned runtime "${identity.runtimeId}", expected "${opts.runtimeId}"`,
        );
      }
      const created = { ...identity, ...tokens };
      opts.store.save(created);
      opts.log.info("bootstrap exchange succeeded", { tenantId: identity.tenantId, hostId: identity.hostId });
      return created;
    }
    if (result.kind === "rejected") throw new IdentityRejectedError(`bootstrap exchange rejected: ${result.message}`);
    const delayMs = jitteredBackoffMs(opts.backoff, attempt);
    opts.log.warn(`control plane unavailable for bootstrap exchange, retrying in ${delayMs}ms: ${result.message}`);
    await sleep(delayMs, opts.signal);
  }
  return undefined;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
