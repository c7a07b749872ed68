/**
 * Domain errors: what services report when they refuse something, free of any transport. Mapped once to HTTP
 * (`http/errors.ts`: `{error}` + status) and once to gRPC status codes (`transport/grpc.ts`).
 */
export type DomainErrorKind =
  | "invalid"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "conflict"
  /** Well-formed but contradicting an earlier request (e.g. an idempotency key reused for another request). */
  | "unprocessable"
  | "too_many"
  /** Something the request needs is not reachable now (e.g. the host's agent is offline). */
  | "unavailable"
  /** Something the request waited for did not answer in time (e.g. the host's agent). */
  | "timeout"
  /** Refused by the tenant's billing state: no entitlement, no credit left, over a spend limit. */
  | "payment_required"
  /** A dependency answered, but wrongly (e.g. the gateway's upstream provider failed). */
  | "bad_gateway";

export interface DomainErrorDetail {
  /** `too_many`: when the caller may try again. */
  retryAfterSeconds?: number;
  /** A refused credential or secret: counts as a failed attempt against the caller's budget, like a bad login. */
  rejectedCredential?: boolean;
  /** Fields the caller needs beside the message (e.g. `totpRequired`), shown next to it. */
  fields?: Record<string, unknown>;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    message: string,
    readonly detail: DomainErrorDetail = {},
  ) {
    super(message);
  }
}

export const invalid = (message: string) => new DomainError("invalid", message);
export const unauthenticated = (message = "missing or invalid credential") =>
  new DomainError("unauthenticated", message);
export const forbidden = (message: string) => new DomainError("forbidden", message);
export const notFound = (what: string) => new DomainError("not_found", `${what} not found`);
export const conflict = (message: string) => new DomainError("conflict", message);
export const unprocessable = (message: string) => new DomainError("unprocessable", message);
export const unavailable = (message: string) => new DomainError("unavailable", message);
export const paymentRequired = (message: string) => new DomainError("payment_required", message);
export const badGateway = (message: string) => new DomainError("bad_gateway", message);
export const timedOut = (message: string) => new DomainError("timeout", message);
export const tooMany = (retryAfterSeconds: number, message = "too many requests") =>
  new DomainError("too_many", message, { retryAfterSeconds });
/** A refused secret (unknown device code, used grant token...), reported as `kind` without saying more. */
export const rejectedCredential = (kind: DomainErrorKind, message: string, fields?: Record<string, unknown>) =>
  new DomainError(kind, message, { rejectedCredential: true, ...(fields ? { fields } : {}) });

export const isDomainError = (error: unknown, kind?: DomainErrorKind): error is DomainError =>
  error instanceof DomainError && (kind === undefined || error.kind === kind);

/** The SQLSTATE of a database error (drizzle wraps the driver's error: its code is on `cause`), else undefined. */
export function databaseErrorCode(error: unknown): string | undefined {
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (error as { code?: unknown })?.code;
  return typeof code === "string" ? code : undefined;
}
