/** Marks a hot statement to be prepared and planned once (see db/connect.ts, which both drivers honour). */
export const GENERIC_PLAN = "/* generic plan */ ";

/** Messages between the control plane and its PGlite worker (`pglite-worker.ts`). */
export type ToWorker = { id: number } & (
  | { type: "open"; dataDir: string; templateFile?: string }
  | { type: "dump"; file: string }
  /** `setting`: the `app.tenant_id` the statement runs under (db/context.ts); inside a transaction, the begin's. */
  | { type: "query"; sql: string; params?: unknown[]; rowMode?: "array" | "object"; txId?: number; setting?: string }
  | { type: "begin"; txId: number; setting?: string }
  | { type: "end"; txId: number; commit: boolean }
  | { type: "listen"; channel: string }
  | { type: "unlisten"; channel: string }
  /** VACUUM (ANALYZE) every table as the session's superuser, then back to `role`. */
  | { type: "maintain"; role: string }
  | { type: "close" }
);

/** A database error as plain data: message plus Postgres' fields (`code`, `detail`, ...). */
export type SerializedError = { message: string; name?: string } & Record<string, unknown>;

export type FromWorker =
  | { type: "result"; id: number; value: unknown }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "notify"; channel: string; payload: string };
