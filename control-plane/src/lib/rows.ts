/** Rows leave the API without their tenant column: a caller only ever sees its own tenant. */
export function publicRow<T extends { tenantId: string }>(row: T): Omit<T, "tenantId"> {
  const { tenantId: _tenant, ...rest } = row;
  return rest;
}
