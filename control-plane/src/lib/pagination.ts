/** Keyset pagination over (created_at, id), newest first, with an opaque cursor. */
import { sql, type SQL } from "drizzle-orm";
import type { PgColumn } from "drizzle-orm/pg-core";
import { invalid } from "./errors";

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface Keyed {
  createdAt: Date;
  id: string;
}

export function encodeCursor(row: Keyed): string {
  return Buffer.from(JSON.stringify([row.createdAt.toISOString(), row.id])).toString("base64url");
}

/** The condition "strictly after the cursor" for a newest-first listing. */
export function afterCursor(cursor: string | undefined, createdAt: PgColumn, id: PgColumn): SQL | undefined {
  if (!cursor) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid("invalid cursor");
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 2 ||
    typeof parsed[1] !== "string" ||
    Number.isNaN(Date.parse(parsed[0]))
  ) {
    throw invalid("invalid cursor");
  }
  return sql`(${createdAt}, ${id}) < (${new Date(parsed[0]).toISOString()}::timestamptz, ${parsed[1]})`;
}

/** Turns `limit + 1` fetched rows into a page. */
export function toPage<T extends Keyed>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null };
}
