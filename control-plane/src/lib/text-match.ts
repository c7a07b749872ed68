/**
 * Full-text search (PostgreSQL `tsvector`/`tsquery`, 'simple' configuration): the user's text is read with
 * `websearch_to_tsquery` (words, "quoted phrases", `or`, `-excluded`), and every term also matches as a prefix
 * ("rob" finds robot-1). Documents are the GIN-indexed expressions of db/schema.ts (`searchDocuments`).
 */
import { sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

/** A quoted lexeme of a tsquery's text form ('it''s' included). */
const LEXEME = "('(?:[^']|'')+')";

/** `text` as typed (websearch syntax) and the same query with each lexeme a prefix (`'rob':*`). */
function queries(text: string): { exact: SQL; prefix: SQL } {
  const exact = sql`websearch_to_tsquery('simple', ${text})`;
  const prefix = sql`to_tsquery('simple', regexp_replace(websearch_to_tsquery('simple', ${text})::text, ${LEXEME}, ${"\\1:*"}, 'g'))`;
  return { exact, prefix };
}

/**
 * `matches`: the document matches the text (terms as prefixes; answered by the document's GIN index). `rank`:
 * relevance — `ts_rank` of the exact and of the prefix query (length-normalised: a short name that matches beats a
 * long one), plus 1 when `name` equals the text ignoring case.
 */
export function fullTextMatch(document: SQL, text: string, name?: PgColumn): { matches: SQL; rank: SQL<number> } {
  const { exact, prefix } = queries(text);
  const equal = name ? sql`(case when lower(${name}) = lower(${text}) then 1 else 0 end)` : sql`0`;
  return {
    matches: sql`${document} @@ ${prefix}`,
    rank: sql<number>`(${equal} + ts_rank(${document}, ${exact}, 1) + ts_rank(${document}, ${prefix}, 1))::float8`,
  };
}
