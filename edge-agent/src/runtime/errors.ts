/** Refusals of the workspace runtime; the runtime API maps each to its HTTP status once (api.ts). */
export type RuntimeErrorCode =
  | "invalid"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "too_large"
  | "unprocessable"
  | "unavailable";

export const STATUS_OF: Readonly<Record<RuntimeErrorCode, number>> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unprocessable: 422,
  unavailable: 503,
};

export class RuntimeError extends Error {
  constructor(
    readonly code: RuntimeErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "RuntimeError";
  }
}

export const invalid = (message: string) => new RuntimeError("invalid", message);
export const forbidden = (message: string) => new RuntimeError("forbidden", message);
export const notFound = (message: string) => new RuntimeError("not_found", message);
export const conflict = (message: string) => new RuntimeError("conflict", message);
