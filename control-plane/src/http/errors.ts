/** The error model: every failure is `{ "error": "message" }` with the status of auth-and-error-model.txt. */
import { Elysia } from "elysia";

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
export const unauthorized = (message = "missing or invalid credential") => new HttpError(401, message);
export const forbidden = (message: string) => new HttpError(403, message);
export const notFound = (what: string) => new HttpError(404, `${what} not found`);
export const conflict = (message: string) => new HttpError(409, message);

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
  const code =
    (error as { code?: unknown; cause?: { code?: unknown } })?.cause?.code ?? (error as { code?: unknown })?.code;
  if (code === "23505") return conflict("a resource with the same unique value already exists");
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
    if (error instanceof HttpError) return json(error.status, { error: error.message, ...error.extra }, error.headers);
    switch (code) {
      case "VALIDATION":
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
