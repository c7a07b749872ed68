/**
 * Label selectors (Kubernetes semantics): `matchLabels` and every `matchExpressions` clause must hold.
 * Validated once here (a bad selector names the field), then turned into SQL over hosts.labels that the GIN index
 * serves: `@>` for matchLabels and In, `?` for Exists.
 */
import { and, not, or, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import type { LabelSelector } from "../../db/schema";
import { invalid } from "../../lib/errors";
import { LABEL_KEY } from "@edge/proto/labels";

export const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"] as const;
const MAX_CLAUSES = 32;
const MAX_VALUES = 100;
/** Label keys: letters, digits and `._/-`, starting and ending with a letter or digit (like Kubernetes). */
export { LABEL_KEY } from "@edge/proto/labels";

/** Throws a 400 naming the offending field unless `selector` is a well-formed label selector. */
export function validateSelector(selector: LabelSelector, field = "selector"): LabelSelector {
  const fail = (where: string, problem: string) => invalid(`invalid ${field}: ${where}: ${problem}`);
  const labels = Object.entries(selector.matchLabels ?? {});
  if (labels.length > MAX_CLAUSES) throw fail("matchLabels", `at most ${MAX_CLAUSES} labels`);
  for (const [key, value] of labels) {
    if (!LABEL_KEY.test(key)) throw fail(`matchLabels.${key.slice(0, 100)}`, "not a valid label key");
    if (typeof value !== "string" || value.length > 500 || value.includes("\u0000"))
      throw fail(`matchLabels.${key}`, "must be a string of at most 500 characters");
  }
  const expressions = selector.matchExpressions ?? [];
  if (expressions.length > MAX_CLAUSES) throw fail("matchExpressions", `at most ${MAX_CLAUSES} expressions`);
  expressions.forEach((e, i) => {
    const at = `matchExpressions[${i}]`;
    if (!LABEL_KEY.test(e.key ?? "")) throw fail(`${at}.key`, "not a valid label key");
    if (!SELECTOR_OPERATORS.includes(e.operator))
      throw fail(`${at}.operator`, `must be one of ${SELECTOR_OPERATORS.join(", ")}`);
    const values = e.values ?? [];
    if (e.operator === "In" || e.operator === "NotIn") {
      if (values.length === 0) throw fail(`${at}.values`, `must not be empty for ${e.operator}`);
      if (values.length > MAX_VALUES) throw fail(`${at}.values`, `at most ${MAX_VALUES} values`);
      if (values.some((v) => typeof v !== "string" || v.length > 500 || v.includes("\u0000")))
        throw fail(`${at}.values`, "must be strings of at most 500 characters");
    } else if (values.length > 0) {
      throw fail(`${at}.values`, `must be empty for ${e.operator}`);
    }
  });
  return selector;
}

const contains = (labels: SQLWrapper, key: string, value: string) =>
  sql`${labels} @> ${JSON.stringify({ [key]: value })}::jsonb`;
const hasKey = (labels: SQLWrapper, key: string) => sql`${labels} ? ${key}`;

/** The SQL condition "the host's labels (`labels`, its column) match": true for an empty selector (every host). */
export function selectorCondition(selector: LabelSelector, labels: SQLWrapper): SQL {
  const clauses: SQL[] = [];
  if (selector.matchLabels && Object.keys(selector.matchLabels).length)
    clauses.push(sql`${labels} @> ${JSON.stringify(selector.matchLabels)}::jsonb`);
  for (const e of selector.matchExpressions ?? []) {
    const values = e.values ?? [];
    if (e.operator === "In") clauses.push(or(...values.map((v) => contains(labels, e.key, v)))!);
    else if (e.operator === "NotIn") clauses.push(not(or(...values.map((v) => contains(labels, e.key, v)))!));
    else if (e.operator === "Exists") clauses.push(hasKey(labels, e.key));
    else clauses.push(not(hasKey(labels, e.key)));
  }
  return clauses.length ? and(...clauses)! : sql`true`;
}

/** The same predicate in memory (for explaining a match; the SQL one is authoritative). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const inValues = has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === "In" && !inValues) return false;
    if (e.operator === "NotIn" && inValues) return false;
    if (e.operator === "Exists" && !has) return false;
    if (e.operator === "DoesNotExist" && has) return false;
  }
  return true;
}
