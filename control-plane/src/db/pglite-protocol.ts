/** Messages between the control plane and its PGlite worker (`pglite-worker.ts`). */
export type ToWorker = { id: number } & (
  | { type: "open"; dataDir: string; templateFile?: string }
  | { type: "dump"; file: string }
  | { type: "query"; sql: string; params?: unknown[]; rowMode?: "array" | "object"; txId?: number }
  | { type: "begin"; txId: number }
  | { type: "end"; txId: number; commit: boolean }
  | { type: "listen"; channel: string }
  | { type: "unlisten"; channel: string }
  | { type: "close" }
);

/** A database error as plain data: message plus Postgres' fields (`code`, `detail`, ...). */
export type SerializedError = { message: string; name?: string } & Record<string, unknown>;

export type FromWorker =
  | { type: "result"; id: number; value: unknown }
  | { type: "error"; id: number; error: SerializedError }
  | { type: "notify"; channel: string; payload: string };
