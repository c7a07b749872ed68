/**
 * The main thread's handle on the PGlite worker: the subset of PGlite's interface that drizzle's PGlite driver
 * uses (`query`, `transaction`) plus `listen` and `close`. Statements run on the worker's thread, so a slow or
 * runaway statement never stops the HTTP, MQTT and gRPC servers. Parameters that would wedge the engine are refused
 * here (`pglite-guard.ts`).
 */
import type { Results } from "@electric-sql/pglite";
import { currentSetting } from "./context";
import { assertSafeParameters } from "./pglite-guard";
import type { FromWorker, SerializedError, ToWorker } from "./pglite-protocol";

type Request = ToWorker extends infer M ? (M extends { id: number } ? Omit<M, "id"> : never) : never;
type QueryOptions = { rowMode?: "array" | "object" };

export class PgliteWorkerClient {
  private readonly worker = new Worker(new URL("./pglite-worker.ts", import.meta.url).href);
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Map<string, Set<(payload: string) => void>>();
  private nextId = 1;
  private nextTxId = 1;
  private failure: Error | undefined;
  private readonly statementListeners = new Set<(sql: string) => void>();

  private constructor() {
    this.worker.onmessage = (event: MessageEvent<FromWorker>) => this.receive(event.data);
    this.worker.onerror = (event) => this.fail(new Error(`PGlite worker crashed: ${event.message}`));
  }

  /** `templateFile`: a data directory dump (see `dump`) to start from instead of running initdb. */
  static async open(dataDir: string, templateFile?: string): Promise<PgliteWorkerClient> {
    const client = new PgliteWorkerClient();
    try {
      await client.call({ type: "open", dataDir, templateFile });
    } catch (error) {
      client.worker.terminate();
      throw error;
    }
    return client;
  }

  /** Calls sent to the worker and not answered yet (its one session runs them one at a time). */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Writes the whole data directory as an uncompressed tarball to `file`. */
  dump(file: string): Promise<void> {
    return this.call({ type: "dump", file }).then(() => undefined);
  }

  query<T>(sql: string, params?: unknown[], options?: QueryOptions, txId?: number): Promise<Results<T>> {
    try {
      assertSafeParameters(params);
    } catch (error) {
      return Promise.reject(error);
    }
    // Outside a transaction each statement carries the current database context (a transaction has its begin's).
    const setting = txId === undefined ? currentSetting() : undefined;
    return this.call({ type: "query", sql, params, rowMode: options?.rowMode, txId, setting }) as Promise<Results<T>>;
  }

  /** BEGIN on the worker; `fn`'s statements run inside; COMMIT when it resolves, ROLLBACK when it throws. */
  async transaction<T>(fn: (tx: { query: PgliteWorkerClient["query"] }) => Promise<T>): Promise<T> {
    const txId = this.nextTxId++;
    await this.call({ type: "begin", txId, setting: currentSetting() });
    const tx = {
      query: <R>(sql: string, params?: unknown[], options?: QueryOptions) => this.query<R>(sql, params, options, txId),
    };
    let result: T;
    try {
      result = await fn(tx);
    } catch (error) {
      await this.call({ type: "end", txId, commit: false }).catch(() => {});
      throw error;
    }
    await this.call({ type: "end", txId, commit: true });
    return result;
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    let callbacks = this.listeners.get(channel);
    if (!callbacks) {
      callbacks = new Set();
      this.listeners.set(channel, callbacks);
      await this.call({ type: "listen", channel });
    }
    callbacks.add(onPayload);
    return async () => {
      callbacks.delete(onPayload);
      if (callbacks.size === 0 && this.listeners.get(channel) === callbacks) {
        this.listeners.delete(channel);
        await this.call({ type: "unlisten", channel });
      }
    };
  }

  /**
   * VACUUM (ANALYZE) of every table: dead rows' space made reusable, the planner's statistics gathered (run by the
   * session's superuser, then back to `role`).
   */
  maintain(role: string): Promise<void> {
    return this.call({ type: "maintain", role }).then(() => undefined);
  }

  /** Watches every statement sent to the worker (BEGIN and COMMIT included). */
  onStatement(listener: (sql: string) => void): () => void {
    this.statementListeners.add(listener);
    return () => this.statementListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (!this.failure) await this.call({ type: "close" }).catch(() => {});
    this.fail(new Error("database closed"));
    this.worker.terminate();
  }

  private call(request: Request): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    if (this.statementListeners.size > 0) {
      const sql =
        request.type === "query"
          ? request.sql
          : request.type === "begin"
            ? "BEGIN"
            : request.type === "end"
              ? "COMMIT"
              : "";
      if (sql) for (const listener of this.statementListeners) listener(sql);
    }
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  private receive(message: FromWorker) {
    if (message.type === "notify") {
      for (const callback of this.listeners.get(message.channel) ?? []) callback(message.payload);
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    if (message.type === "result") waiter.resolve(message.value);
    else waiter.reject(toError(message.error));
  }

  private fail(error: Error) {
    this.failure ??= error;
    for (const waiter of this.pending.values()) waiter.reject(this.failure);
    this.pending.clear();
  }
}

/** Rebuilds an Error carrying Postgres' fields, so callers read `code` as from any driver. */
function toError({ message, name, ...fields }: SerializedError): Error {
  const error = Object.assign(new Error(message), fields);
  if (name) error.name = name;
  return error;
}
