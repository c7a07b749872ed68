/** Request schemas shared by several controllers. */
import { t } from "elysia";

export const IdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 100 }) });

export const PageQuery = {
  limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
  cursor: t.Optional(t.String({ maxLength: 200 })),
};
