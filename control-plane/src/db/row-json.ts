import { getTableColumns } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";

/** A row of `table` from its `row_to_json` (keys are column names): the properties drizzle's select would give. */
export function rowFromJson<T>(table: PgTable, json: unknown): T {
  const source = (typeof json === "string" ? JSON.parse(json) : json) as Record<string, unknown>;
  const row: Record<string, unknown> = {};
  for (const [key, column] of Object.entries(getTableColumns(table))) {
    const value = source[column.name] ?? null;
    row[key] = value !== null && column.dataType === "date" ? new Date(value as string) : value;
  }
  return row as T;
}
