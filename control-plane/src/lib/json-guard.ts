/**
 * Checks for untrusted JSON, whatever the transport (HTTP bodies, MQTT payloads, gRPC frames): nesting depth
 * (measured on the text, without recursion, before anything parses it), NUL characters (PostgreSQL text and
 * jsonb cannot hold them) and non-finite numbers (`1e999` parses to Infinity, which JSON cannot store).
 */

/** Nesting depth allowed in every JSON value we accept. */
export const MAX_JSON_DEPTH = 32;

/** Deepest `[`/`{` nesting of a JSON text (strings skipped); stops counting once past `limit`. */
export function jsonDepth(text: string, limit = Infinity): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > max) max = depth;
      if (max > limit) return max;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return max;
}

export const hasNul = (s: string) => s.includes("\u0000");

/** Why a parsed JSON value cannot be stored (NUL, non-finite number), or undefined. Iterative: depth-safe. */
export function unstorable(value: unknown): string | undefined {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === "string") {
      if (hasNul(v)) return "NUL characters are not allowed";
    } else if (typeof v === "number") {
      if (!Number.isFinite(v)) return "numbers must be finite";
    } else if (v && typeof v === "object") {
      for (const [key, item] of Object.entries(v)) {
        if (hasNul(key)) return "NUL characters are not allowed";
        stack.push(item);
      }
    }
  }
  return undefined;
}

export type JsonResult = { ok: true; value: unknown } | { ok: false; reason: string };

/** Parses untrusted JSON text: bounded depth, no NUL, finite numbers only. */
export function parseUntrustedJson(text: string, maxDepth = MAX_JSON_DEPTH): JsonResult {
  if (jsonDepth(text, maxDepth) > maxDepth) return { ok: false, reason: `JSON nested deeper than ${maxDepth} levels` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: "malformed JSON" };
  }
  const reason = unstorable(value);
  return reason ? { ok: false, reason } : { ok: true, value };
}

export type JsonObjectResult = { ok: true; value: Record<string, unknown> } | { ok: false; reason: string };

/** Parses untrusted JSON that must be an object: bounded size and depth, no NUL, finite numbers. */
export function parseJsonObject(text: string, limits: { maxBytes: number; maxDepth: number }): JsonObjectResult {
  if (text.length > limits.maxBytes) return { ok: false, reason: `larger than ${limits.maxBytes} bytes` };
  const parsed = parseUntrustedJson(text, limits.maxDepth);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  return value && typeof value === "object" && !Array.isArray(value)
    ? { ok: true, value: value as Record<string, unknown> }
    : { ok: false, reason: "not a JSON object" };
}
