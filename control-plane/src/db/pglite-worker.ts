/**
 * The embedded PGlite database on its own thread. PGlite runs Postgres as WASM, synchronously: on the main thread
 * every statement would stop HTTP, MQTT and gRPC. Here it owns a worker; `pglite-client.ts` is its other half.
 */
import { renameSync } from "node:fs";
import { PGlite, types, type Transaction } from "@electric-sql/pglite";
import type { ToWorker, FromWorker, SerializedError } from "./pglite-protocol";

declare const self: Worker;

const raw = (value: string) => value;
// What drizzle's PGlite driver asks of every query (dates, times and intervals as the server's text), set once.
const parsers = {
  [types.TIMESTAMP]: raw,
  [types.TIMESTAMPTZ]: raw,
  [types.INTERVAL]: raw,
  [types.DATE]: raw,
  1231: raw, // numeric[]
  1115: raw, // timestamp[]
  1185: raw, // timestamptz[]
  1187: raw, // interval[]
  1182: raw, // date[]
};

let pg: PGlite | undefined;
/** Open transactions by id. */
interface OpenTransaction {
  tx: Transaction;
  end: (commit: boolean) => void;
  /** Settles once COMMIT or ROLLBACK has run. */
  done: Promise<void>;
}
const transactions = new Map<number, OpenTransaction>();
/**
 * The session's `app.tenant_id` (db/context.ts), set only when a statement needs another one. A statement outside
 * a transaction and its set_config run back to back (`serial`): no other statement comes between them.
 */
let sessionSetting: string | undefined;
let serial: Promise<unknown> = Promise.resolve();
const SET_TENANT = "select set_config('app.tenant_id', $1, $2)";
const unlisteners = new Map<string, () => Promise<void>>();

const post = (message: FromWorker) => self.postMessage(message);

function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { message: String(error) };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ["string", "number", "boolean"].includes(typeof value)) fields[key] = value;
  }
  return { ...fields, message: error.message, name: error.name };
}

class Rollback extends Error {}

/** BEGIN; resolves once the transaction is open (and has its context), its statements then run by `txId`. */
function begin(txId: number, setting: string | undefined): Promise<null> {
  return new Promise<null>((begun, failed) => {
    const entry = {} as OpenTransaction;
    entry.done = pg!
      .transaction(
        (tx) =>
          new Promise<void>((committed, rolledBack) => {
            entry.tx = tx;
            entry.end = (commit) => (commit ? committed() : rolledBack(new Rollback()));
            transactions.set(txId, entry);
            // The transaction's context, local to it (the session's stays as it was).
            if (setting === undefined || setting === sessionSetting) begun(null);
            else
              tx.query(SET_TENANT, [setting, true]).then(
                () => begun(null),
                (error) => {
                  failed(error);
                  rolledBack(new Rollback());
                },
              );
          }),
      )
      .catch((error) => {
        if (!(error instanceof Rollback)) throw error;
      })
      .finally(() => transactions.delete(txId));
    entry.done.catch((error) => {
      if (!entry.tx) failed(error); // BEGIN itself failed
    });
  });
}

async function handle(message: ToWorker): Promise<unknown> {
  switch (message.type) {
    case "open":
      pg = await PGlite.create(message.dataDir, {
        parsers,
        loadDataDir: message.templateFile ? Bun.file(message.templateFile) : undefined,
      });
      return null;
    case "dump": {
      // Written aside, then renamed: concurrent writers of the same template never expose a partial file.
      const partial = `${message.file}.${process.pid}.${Date.now()}.partial`;
      await Bun.write(partial, await pg!.dumpDataDir("none"));
      renameSync(partial, message.file);
      return null;
    }
    case "query": {
      const options = { rowMode: message.rowMode };
      if (message.txId !== undefined) {
        const tx = transactions.get(message.txId)?.tx;
        if (!tx) throw new Error("transaction is closed");
        return tx.query(message.sql, message.params, options);
      }
      const { setting } = message;
      const run = async () => {
        if (setting !== undefined && setting !== sessionSetting) {
          await pg!.query(SET_TENANT, [setting, false]);
          sessionSetting = setting;
        }
        return pg!.query(message.sql, message.params, options);
      };
      const result = serial.then(run, run);
      serial = result.catch(() => {});
      return result;
    }
    case "begin": {
      const { txId } = message;
      // In turn with the statements outside transactions: the session's setting is known when the transaction starts.
      const start = () => begin(txId, message.setting);
      const result = serial.then(start, start);
      serial = result.catch(() => {});
      return result;
    }
    case "end": {
      const open = transactions.get(message.txId);
      if (!open) throw new Error("transaction is closed");
      open.end(message.commit);
      await open.done; // a failed COMMIT rejects here
      return null;
    }
    case "listen": {
      if (!unlisteners.has(message.channel)) {
        const channel = message.channel;
        unlisteners.set(channel, await pg!.listen(channel, (payload) => post({ type: "notify", channel, payload })));
      }
      return null;
    }
    case "unlisten":
      await unlisteners.get(message.channel)?.();
      unlisteners.delete(message.channel);
      return null;
    case "close":
      await pg?.close();
      return null;
  }
}

self.onmessage = async (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  try {
    post({ type: "result", id: message.id, value: await handle(message) });
  } catch (error) {
    post({ type: "error", id: message.id, error: serializeError(error) });
  }
};
