/** What must never reach the embedded PGlite engine, checked on every query parameter. */
import { hasNul, jsonDepth } from "../lib/json-guard";

/**
 * Deepest JSON a query parameter may carry into PGlite. PGlite is PostgreSQL compiled to WebAssembly: parsing a
 * jsonb value nested a few thousand levels deep (5,000 is fine, 6,000 is not) evidently overflows the engine's
 * C stack before PostgreSQL's `max_stack_depth` check (2 MB) notices, corrupting its memory: the statement itself
 * or the next error it raises (a NUL in a text value, say) never returns, and the process spins at 100 % CPU,
 * answering nothing. A lower `max_stack_depth` catches some depths but not all, so it is no fix. The transports
 * refuse such input long before (request guard, agent inbox); this is the last line.
 */
export const PGLITE_MAX_JSON_DEPTH = 100;

/** Why a parameter must not reach PGlite, as the PostgreSQL error it would (safely) be, or undefined. */
function unsafeParameter(value: unknown): { code: string; message: string } | undefined {
  if (
    value === null ||
    value === undefined ||
    typeof value === "number" ||
    typeof value === "boolean" ||
    typeof value === "bigint"
  )
    return undefined;
  if (value instanceof Date || value instanceof Uint8Array) return undefined;
  if (Array.isArray(value)) {
    for (const item of value) {
      const bad = unsafeParameter(item);
      if (bad) return bad;
    }
    return undefined;
  }
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (typeof text !== "string") return undefined;
  const json = text[0] === "[" || text[0] === "{";
  // In JSON text a NUL is the escape \u0000 (unless its backslash is itself escaped, as in "\\u0000").
  if (hasNul(text) || (json && /(^|[^\\])(\\\\)*\\u0000/.test(text)))
    return { code: "22021", message: "invalid byte sequence: NUL characters are not allowed" };
  if (json && jsonDepth(text, PGLITE_MAX_JSON_DEPTH) > PGLITE_MAX_JSON_DEPTH) {
    return { code: "54001", message: `JSON value nested deeper than ${PGLITE_MAX_JSON_DEPTH} levels` };
  }
  return undefined;
}

/** Throws (as PostgreSQL would, with its error code) when a parameter must not reach PGlite. */
export function assertSafeParameters(params: readonly unknown[] | undefined): void {
  for (const param of params ?? []) {
    const bad = unsafeParameter(param);
    if (bad) throw Object.assign(new Error(bad.message), { code: bad.code });
  }
}
