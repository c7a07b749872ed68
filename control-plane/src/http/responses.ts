/**
 * Response schemas shared by the controllers. Every route declares its success answer(s) and the error model by
 * status (`responses(...)`), so the OpenAPI document (`/openapi`) says what each operation answers. Objects are open:
 * a schema names the fields clients rely on, and answers may carry more (Elysia validates every answer against it).
 */
import { t } from "elysia";
import type { TProperties, TSchema } from "@sinclair/typebox";

/** The error model of auth-and-error-model.txt: `{error}`, plus `retryAfterSeconds` on 429s that say when. */
export const ErrorBody = t.Object(
  {
    error: t.String({ description: "what went wrong" }),
    retryAfterSeconds: t.Optional(t.Integer({ minimum: 1, description: "429: when to try again" })),
  },
  { additionalProperties: true },
);

const ERROR_STATUSES = [400, 401, 403, 404, 409, 413, 422, 429] as const;
const ERRORS = Object.fromEntries(ERROR_STATUSES.map((s) => [s, ErrorBody])) as Record<
  (typeof ERROR_STATUSES)[number],
  typeof ErrorBody
>;

/** Status-keyed responses: the given success schemas plus the error model for every error status. */
export const responses = <const Ok extends Record<number, TSchema>>(ok: Ok) => ({ ...ERRORS, ...ok });

/** A JSON object documented by the fields clients rely on; answers may carry more. */
export const Obj = <P extends TProperties>(properties: P, options: { description?: string } = {}) =>
  t.Object(properties, { additionalProperties: true, ...options });

/** A point in time (serialized as an ISO 8601 date-time). */
export const Timestamp = t.Date();
export const OptionalTimestamp = t.Nullable(t.Date());

/** `{ items: [...] }`. */
export const Items = <T extends TSchema>(item: T) => Obj({ items: t.Array(item) });

/** One page of a keyset-paginated list. */
export const Page = <T extends TSchema>(item: T) => Obj({ items: t.Array(item), nextCursor: t.Nullable(t.String()) });

/** The answer of a delete. */
export const Deleted = Obj({ id: t.String(), deleted: t.Boolean() });

/** A resource with an id (and whatever else it carries). */
export const Resource = (description: string, properties: TProperties = {}) =>
  Obj({ id: t.String(), ...properties }, { description });

/** Any JSON object (answers whose shape is the resource's own, e.g. a stored document). */
export const AnyObject = Obj({});

/** `{ ok: true }`-style acknowledgements. */
export const Ok = Obj({ ok: t.Boolean() });

/** A pair of tokens (user or runtime): `Bearer` access token plus its rotating refresh token. */
export const TokenPairView = Obj(
  {
    tokenType: t.String(),
    accessToken: t.String(),
    refreshToken: t.String(),
  },
  { description: "an access token and its rotating refresh token" },
);
