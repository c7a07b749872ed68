import { t } from "elysia";

const Id = t.String({ minLength: 1, maxLength: 100 });

/** One host, hosts matching a selector (environment and/or labels), or the whole tenant. */
export const EstopScope = t.Union([
  t.Object({ hostId: Id }, { additionalProperties: false }),
  t.Object(
    {
      selector: t.Object(
        {
          environmentId: t.Optional(Id),
          labels: t.Optional(
            t.Record(t.String({ minLength: 1, maxLength: 100 }), t.String({ maxLength: 200 }), { maxProperties: 20 }),
          ),
        },
        { additionalProperties: false, minProperties: 1 },
      ),
    },
    { additionalProperties: false },
  ),
  t.Object({ tenant: t.Literal(true) }, { additionalProperties: false }),
]);

export const EstopBody = t.Object({
  scope: EstopScope,
  reason: t.String({ minLength: 1, maxLength: 1000 }),
});
