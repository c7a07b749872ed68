/**
 * The error model: every failure is `{ "error": "message" }` with the status of auth-and-error-model.txt.
 * Domain errors thrown by services are mapped to HTTP here, and only here.
 */
import { Elysia } from "elysia";
import { DomainError, databaseErrorCode, type DomainErrorKind } from "../lib/errors";

/** An HTTP-only refusal (e.g. 413 for a body too large); services throw domain errors instead. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** Extra fields beside `error`, e.g. `retryAfterSeconds`. */
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new HttpError(400, message);

export const HTTP_STATUS_OF: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  too_many: 429,
  unavailable: 503,
  timeout: 504,
  payment_required: 402,
  bad_gateway: 502,
};

/** The one HTTP form of a domain error: `{error}` (+ `retryAfterSeconds` and `Retry-After` when it says when). */
export function toHttpError(error: DomainError): HttpError {
  const { retryAfterSeconds: wait, fields = {} } = error.detail;
  const status = HTTP_STATUS_OF[error.kind];
  return wait === undefined
    ? new HttpError(status, error.message, fields)
    : new HttpError(status, error.message, { ...fields, retryAfterSeconds: wait }, { "retry-after": String(wait) });
}

/** The response of an error answered outside the error handler (e.g. in `onRequest`). */
export function errorResponse(error: DomainError | HttpError): Response {
  const http = error instanceof DomainError ? toHttpError(error) : error;
  return Response.json({ error: http.message, ...http.extra }, { status: http.status, headers: http.headers });
}

interface ValueErrorLike {
  path?: string;
  message?: string;
}

/** A readable message for a validation error; never throws (a hostile value must not turn a 400 into a 500). */
export function describeValidation(error: { type?: unknown; valueError?: ValueErrorLike }): string {
  const where = typeof error?.type === "string" ? error.type : "request";
  try {
    const first = error.valueError;
    if (!first || typeof first.message !== "string") return `invalid ${where}`;
    const field =
      typeof first.path === "string" ? first.path.slice(0, 200).replace(/^\//, "").replaceAll("/", ".") : "";
    const message = first.message.slice(0, 200);
    return field ? `invalid ${where}: ${field}: ${message}` : `invalid ${where}: ${message}`;
  } catch {
    return `invalid ${where}`;
  }
}

/** Postgres errors that are the client's fault rather than ours. */
function fromDatabase(error: unknown): HttpError | undefined {
  const code = databaseErrorCode(error);
  if (code === "23505") return new HttpError(409, "a resource with the same unique value already exists");
  if (code === "23503") return badRequest("a referenced resource does not exist");
  if (code === "22021" || code === "22P05") return badRequest("invalid text: NUL characters are not allowed");
  if (code === "22P02" || code === "22007" || code === "22008" || code === "22003") return badRequest("invalid value");
  if (code === "54000") return badRequest("value too large");
  if (code === "54001") return badRequest("value nested too deeply");
  return undefined;
}

export const errorHandler = (log: (msg: string, err: unknown) => void) =>
  new Elysia({ name: "error-handler" }).onError({ as: "global" }, ({ code, error, set }) => {
    const json = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      set.status = status;
      Object.assign(set.headers, headers);
      return Response.json(body, { status, headers });
    };
    const known = error instanceof DomainError ? toHttpError(error) : error;
    if (known instanceof HttpError) return json(known.status, { error: known.message, ...known.extra }, known.headers);
    switch (code) {
      case "VALIDATION":
        // An answer that does not match its declared schema is our bug, never the client's.
        if ((error as { type?: unknown }).type === "response") {
          log("response does not match its schema", error);
          return json(500, { error: "internal server error" });
        }
        return json(400, { error: describeValidation(error as never) });
      case "PARSE":
        return json(400, { error: "invalid request body: malformed JSON or unsupported content type" });
      case "NOT_FOUND":
        return json(404, { error: "route not found" });
      case "INVALID_COOKIE_SIGNATURE":
      case "INVALID_FILE_TYPE":
        return json(400, { error: String((error as Error).message) });
    }
    const db = fromDatabase(error);
    if (db) return json(db.status, { error: db.message });
    log("unhandled error", error);
    return json(500, { error: "internal server error" });
  });
