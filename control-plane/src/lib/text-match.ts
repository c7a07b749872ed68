/** Case-insensitive text matching for search: an escaped `ILIKE` pattern and a simple relevance rank. */
import { sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** `%text%`, with the LIKE wildcards of `text` escaped. */
export const containsPattern = (text: string) => `%${escapeLike(text)}%`;

/**
 * Relevance of `column` for `text`: 3 = equal (ignoring case), 2 = starts with it, 1 = contains it, 0 = neither.
 * Ranked searches order by it, then by recency.
 */
export function matchRank(column: PgColumn | SQL, text: string): SQL<number> {
  return sql<number>`(case when lower(${column}) = lower(${text}) then 3 when ${column} ilike ${`${escapeLike(text)}%`} then 2 when ${column} ilike ${containsPattern(text)} then 1 else 0 end)`;
}
