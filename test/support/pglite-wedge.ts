/**
 * Run as a child process by pglite-guard.test.ts: issue 15's wedge sequence against the embedded database.
 * Unguarded, PGlite never returns from the second statement (100 % CPU); guarded, both are refused and it lives.
 */
import { sql } from "drizzle-orm";
import { openDatabase } from "../../control-plane/src/db/connect";

const database = await openDatabase({ dataDir: "memory://" });
const outcome = async (what: string, run: () => Promise<unknown>) => {
  try {
    await run();
    console.log(`${what}: accepted`);
  } catch (err) {
    const e = err as { code?: string; cause?: { code?: string } };
    console.log(`${what}: refused ${e.cause?.code ?? e.code}`);
  }
};
const deep = "[".repeat(10_000) + "]".repeat(10_000);
await outcome("deep jsonb", () => database.db.execute(sql`select ${deep}::jsonb`));
await outcome("deep jsonb in a transaction", () =>
  database.db.transaction((tx) => tx.execute(sql`select ${deep}::jsonb`)),
);
await outcome("NUL text", () => database.db.execute(sql`select ${"a\u0000b"}::text`));
await outcome("escaped NUL jsonb", () => database.db.execute(sql`select ${JSON.stringify({ a: "\u0000" })}::jsonb`));
// Not NULs: a JSON string holding a backslash and "u0000", and plain text that mentions the escape.
await outcome("escaped backslash jsonb", () =>
  database.db.execute(sql`select ${JSON.stringify({ a: "\\u0000" })}::jsonb`),
);
await outcome("text mentioning \\u0000", () => database.db.execute(sql`select ${"write NUL as \\u0000"}::text`));
const [row] = ((await database.db.execute(sql`select 41 + 1 as answer`)) as unknown as { rows: { answer: number }[] })
  .rows;
console.log(`alive ${row?.answer}`);
await database.close();
