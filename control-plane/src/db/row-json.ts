import { getTableColumns } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/** A `json` column's value, whichever driver read it (postgres.js parses it, another may hand over its text). */
export function jsonValue<T>(value: unknown): T {
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** A row of `table` from its `row_to_json` (keys are column names): the properties drizzle's select would give. */
export function rowFromJson<T>(table: PgTable, json: unknown): T {
  const source = jsonValue<Record<string, unknown>>(json);
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = source[column.name] ?? null;
    row[key] = value !== null && column.dataType === "date" ? new Date(value as string) : value;
  }
  return row as T;
}
