/** Request schemas shared by several controllers. */
import { t } from "elysia";
import type { TLiteral, TUnion } from "@sinclair/typebox";
import { MAX_LIMIT } from "../lib/pagination";

export const IdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 100 }) });

export const PageQuery = {
  limit: t.Optional(t.Integer({ minimum: 1, maximum: MAX_LIMIT })),
  cursor: t.Optional(t.String({ maxLength: 200 })),
};

/**
 * One of a fixed set of strings. (Elysia's `t.UnionEnum` injects its first value as a default,
 * which would silently turn an omitted optional filter into a real one.)
 */
export const oneOf = <const T extends readonly [string, ...string[]]>(
  values: T,
  options: { description?: string } = {},
) =>
  t.Union(
    values.map((v) => t.Literal(v)),
    options,
  ) as unknown as TUnion<TLiteral<T[number]>[]>;
