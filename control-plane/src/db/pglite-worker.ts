/**
 * The embedded PGlite database on its own thread. PGlite runs Postgres as WASM, synchronously: on the main thread
 * every statement would stop HTTP, MQTT and gRPC. Here it owns a worker; `pglite-client.ts` is its other half.
 */
import { renameSync } from "node:fs";
import { PGlite, parse, protocol, types, type Transaction } from "@electric-sql/pglite";
import { GENERIC_PLAN, type ToWorker, type FromWorker, type SerializedError } from "./pglite-protocol";

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
/** Runs `work` after what was put in turn before it (whether that succeeded or not). */
function inTurn<T>(work: () => Promise<T>): Promise<T> {
  const result = serial.then(work, work);
  serial = result.catch(() => {});
  return result;
}
const SET_TENANT = "select set_config('app.tenant_id', $1, $2)";
const unlisteners = new Map<string, () => Promise<void>>();

const post = (message: FromWorker) => self.postMessage(message);

/**
 * GENERIC_PLAN statements prepared on the session, by text. PGlite's `query` parses and plans every statement anew
 * (its unnamed statement): for the hot CTEs (a command's create, the agents' report batch) that was most of their
 * cost on this one thread. Each is prepared again after PREPARED_TTL_MS, so its plan follows the tables' sizes (the
 * statistics that would invalidate it come only every 10 minutes: PGlite has no autovacuum, see openPglite).
 */
const prepared = new Map<string, { name: string; paramTypes: number[]; at: number }>();
const PREPARED_TTL_MS = 60_000;
let preparedCount = 0;
const wire = protocol.serialize;

/** Sends protocol messages in turn, then Sync (also after an error, which it rethrows); the backend's answers. */
async function exchange(messages: Uint8Array[]) {
  const answers = [];
  try {
    for (const message of messages) answers.push(...(await pg!.execProtocolStream(message, { syncToFs: false })));
  } finally {
    answers.push(...(await pg!.execProtocolStream(wire.sync(), { syncToFs: false })));
  }
  return answers;
}

/**
 * A GENERIC_PLAN statement outside a transaction: prepared once, then bound and executed (what `query` does, under
 * the same locks, with a named statement). Its generic plan is kept (the session's plan_cache_mode, set at open).
 */
function queryPrepared(sql: string, params: unknown[] = [], options: { rowMode?: "array" | "object" }) {
  const db = pg!;
  return db._runExclusiveTransaction(() =>
    db._runExclusiveQuery(async () => {
      let statement = prepared.get(sql);
      if (statement && Date.now() - statement.at > PREPARED_TTL_MS) {
        prepared.delete(sql);
        await exchange([wire.close({ type: "S", name: statement.name })]);
        statement = undefined;
      }
      if (!statement) {
        const name = `generic_${++preparedCount}`;
        const described = await exchange([wire.parse({ name, text: sql }), wire.describe({ type: "S", name })]);
        statement = { name, paramTypes: parse.parseDescribeStatementResults(described), at: Date.now() };
        prepared.set(sql, statement);
      }
      const { paramTypes } = statement;
      const values = params.map((value, i) => {
        if (value === null || value === undefined) return null;
        const serialize = db.serializers[paramTypes[i]!];
        return serialize ? serialize(value) : String(value);
      });
      const answers = await exchange([
        wire.bind({ statement: statement.name, values }),
        wire.describe({ type: "P" }),
        wire.execute({}),
      ]);
      await db.syncToFs();
      return parse.parseResults(answers, db.parsers, options)[0];
    }),
  );
}

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
      // Only named (prepared) statements have cached plans: the GENERIC_PLAN ones keep theirs (see queryPrepared).
      await pg.exec("set plan_cache_mode = force_generic_plan");
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
        return message.sql.startsWith(GENERIC_PLAN)
          ? queryPrepared(message.sql, message.params, options)
          : pg!.query(message.sql, message.params, options);
      };
      return inTurn(run);
    }
    case "begin": {
      const { txId } = message;
      // In turn with the statements outside transactions: the session's setting is known when the transaction starts.
      const start = () => begin(txId, message.setting);
      return inTurn(start);
    }
    case "maintain": {
      // In turn with the statements outside transactions (none runs as the superuser meanwhile); the role names
      // come from the control plane, never from a request.
      const maintain = async () => {
        await pg!.exec("reset role");
        try {
          await pg!.exec("vacuum (analyze)");
        } finally {
          await pg!.exec(`set role ${message.role}`);
        }
        return null;
      };
      return inTurn(maintain);
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
