/** JSON objects, as both runtimes take them from the wire (params_json, rules_json, result_json). */

/** A plain JSON object: not null, not an array, not a scalar. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Parses text that must hold a JSON object: the object, or why not (malformed JSON, or another JSON value). */
export function parseJsonObject(
  text: string,
): { ok: true; value: Record<string, unknown> } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
  return isJsonObject(value) ? { ok: true, value } : { ok: false, reason: "must be a JSON object" };
}
