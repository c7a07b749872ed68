/** The runtime-auth REST calls of the control plane: bootstrap exchange, worker enrollment, refresh and recovery. */
import { Value } from "@sinclair/typebox/value";
import {
  type ExchangeBody,
  type RuntimeRefreshBody,
  RuntimeTokenResponse,
  type WorkerRecoverBody,
  type WorkerRegisterBody,
} from "@edge/proto/http/agent";
import type { RuntimeIdentity, TokenPair } from "../store/identity-store.ts";

/** The answer of exchange, refresh, enrollment and recovery: the contract in proto/http/agent.ts. */
const TokenResponseSchema = RuntimeTokenResponse;

export interface TokenGrant {
  identity: RuntimeIdentity;
  tokens: TokenPair;
}

export type AuthResult =
  | { ok: true; grant: TokenGrant }
  /** Permanent: revoked identity, bad or reused token. Retrying cannot help. */
  | { ok: false; kind: "rejected"; status: number; message: string }
  /** Transient: network error, timeout, 5xx, 429 or a malformed answer. Retry with backoff. */
  | { ok: false; kind: "unavailable"; message: string };

/** What the agent sends to enroll (a `WorkerRegisterBody` with the fields it always knows). */
export type WorkerRegistration = WorkerRegisterBody &
  Required<Pick<WorkerRegisterBody, "name" | "capabilities" | "hardware" | "runtimeVersion">>;

export interface AuthApi {
  /** The bootstrap exchange; `labels` (--label) are stored on the host, labels an operator set win. */
  exchange(
    runtimeId: string,
    bootstrapToken: string,
    runtimeVersion: string,
    labels?: Record<string, string>,
  ): Promise<AuthResult>;
  /** Worker enrollment (POST /api/workers/register); the answer also carries a one-time recovery secret. */
  register?(registration: WorkerRegistration): Promise<AuthResult & { recoverySecret?: string }>;
  refresh(refreshToken: string): Promise<AuthResult>;
  /** Re-issues the pair from the worker's recovery secret (POST /api/workers/recover); the secret rotates. */
  recover?(runtimeId: string, recoverySecret: string): Promise<AuthResult & { recoverySecret?: string }>;
}

/** Refresh at this fraction of the access token's lifetime. */
export const REFRESH_AT_FRACTION = 0.75;
/** Never schedule refreshes closer than this, whatever the clocks say. */
const MIN_REFRESH_DELAY_MS = 5_000;
const REQUEST_TIMEOUT_MS = 15_000;

export class HttpAuthApi implements AuthApi {
  constructor(
    private readonly apiUrl: string,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  exchange(
    runtimeId: string,
    bootstrapToken: string,
    runtimeVersion: string,
    labels?: Record<string, string>,
  ): Promise<AuthResult> {
    return this.post("/api/runtime/bootstrap/exchange", {
      runtimeId,
      bootstrapToken,
      runtimeVersion,
      ...(labels && Object.keys(labels).length ? { labels } : {}),
    } satisfies ExchangeBody);
  }

  refresh(refreshToken: string): Promise<AuthResult> {
    return this.post("/api/runtime/auth/refresh", { refreshToken } satisfies RuntimeRefreshBody);
  }

  recover(runtimeId: string, recoverySecret: string): Promise<AuthResult & { recoverySecret?: string }> {
    return this.post("/api/workers/recover", { runtimeId, recoverySecret } satisfies WorkerRecoverBody);
  }

  register(registration: WorkerRegistration): Promise<AuthResult & { recoverySecret?: string }> {
    return this.post("/api/workers/register", registration);
  }

  private async post(path: string, body: unknown): Promise<AuthResult & { recoverySecret?: string }> {
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(this.apiUrl + path, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      return { ok: false, kind: "unavailable", message: `POST ${path}: ${(error as Error).message}` };
    }
    const json = parseJson(text);
    if (!response.ok) {
      const reason = errorField(json) ?? (text.slice(0, 200) || response.statusText);
      const message = `POST ${path} answered ${response.status}: ${reason}`;
      const transient = response.status >= 500 || response.status === 408 || response.status === 429;
      return transient
        ? { ok: false, kind: "unavailable", message }
        : { ok: false, kind: "rejected", status: response.status, message };
    }
    if (!Value.Check(TokenResponseSchema, json)) {
      const first = Value.Errors(TokenResponseSchema, json).First();
      return {
        ok: false,
        kind: "unavailable",
        message: `POST ${path}: malformed answer (${first?.path || "/"}: ${first?.message})`,
      };
    }
    const grant = toGrant(json, serverTime(response));
    if (!grant) return { ok: false, kind: "unavailable", message: `POST ${path}: malformed token expiry timestamps` };
    const recoverySecret = (json as { recoverySecret?: unknown }).recoverySecret;
    return { ok: true, grant, ...(typeof recoverySecret === "string" ? { recoverySecret } : {}) };
  }
}

/** Converts the answer; schedules the refresh relative to the server's clock (Date header) to tolerate local clock skew. */
export function toGrant(
  body: RuntimeTokenResponse,
  serverNowMs: number | undefined,
  localNowMs = Date.now(),
): TokenGrant | undefined {
  const accessTokenExpiresAt = Date.parse(body.accessTokenExpiresAt);
  const refreshTokenExpiresAt = Date.parse(body.refreshTokenExpiresAt);
  if (Number.isNaN(accessTokenExpiresAt) || Number.isNaN(refreshTokenExpiresAt)) return undefined;
  const lifetimeMs = accessTokenExpiresAt - (serverNowMs ?? localNowMs);
  return {
    identity: {
      runtimeId: body.runtimeId,
      agentId: body.agentId,
      userId: body.userId,
      tenantId: body.tenantId,
      hostId: body.hostId,
    },
    tokens: {
      accessToken: body.accessToken,
      accessTokenExpiresAt,
      refreshToken: body.refreshToken,
      refreshTokenExpiresAt,
      refreshDueAt: localNowMs + Math.max(MIN_REFRESH_DELAY_MS, Math.floor(lifetimeMs * REFRESH_AT_FRACTION)),
    },
  };
}

function serverTime(response: Response): number | undefined {
  const header = response.headers.get("date");
  const parsed = header ? Date.parse(header) : Number.NaN;
  return Number.isNaN(parsed) ? undefined : parsed;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function errorField(json: unknown): string | undefined {
  const error = (json as { error?: unknown } | undefined)?.error;
  return typeof error === "string" ? error : undefined;
}
