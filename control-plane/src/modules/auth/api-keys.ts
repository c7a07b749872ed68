/** API keys `roz_sk_...`: permanent until revoked, bound to a tenant and a user, stored hashed. */
import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { apiKeys } from "../../db/schema";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret } from "../../lib/secrets";
import { invalid, notFound } from "../../lib/errors";
import { API_KEY_PREFIX } from "./principal";
import type { CredentialChanges } from "../../lib/credential-changes";

const publicColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  expiresAt: apiKeys.expiresAt,
  revokedAt: apiKeys.revokedAt,
};

/** Longest lifetime a key may be given (10 years). */
const MAX_LIFETIME_MS = 10 * 365 * 24 * 3600 * 1000;

/** `expiresAt` of a new key: an ISO 8601 time in the future (400 otherwise). */
export function parseExpiry(expiresAt: string | undefined): Date | null {
  if (expiresAt === undefined) return null;
  const at = new Date(expiresAt);
  if (!/^\d{4}-\d{2}-\d{2}/.test(expiresAt) || Number.isNaN(at.getTime()))
    throw invalid("invalid body: expiresAt: expected an ISO 8601 time");
  if (at.getTime() <= Date.now()) throw invalid("invalid body: expiresAt: must be in the future");
  if (at.getTime() - Date.now() > MAX_LIFETIME_MS) throw invalid("invalid body: expiresAt: at most 10 years ahead");
  return at;
}

export class ApiKeyService {
  constructor(
    private readonly db: Db,
    private readonly changes?: CredentialChanges,
  ) {}

  /** Creates a key; the secret is returned here once and never again. */
  async create(
    owner: { tenantId: string; userId: string },
    name: string,
    {
      q = this.db,
      secret = newSecret(API_KEY_PREFIX),
      expiresAt = null,
    }: { q?: Queryable; secret?: string; expiresAt?: Date | null } = {},
  ) {
    const [row] = await q
      .insert(apiKeys)
      .values({
        id: newId("key"),
        tenantId: owner.tenantId,
        userId: owner.userId,
        name,
        prefix: secret.slice(0, API_KEY_PREFIX.length + 6),
        keyHash: hashSecret(secret),
        expiresAt,
      })
      .returning(publicColumns);
    return { ...row!, key: secret };
  }

  list(tenantId: string) {
    return this.db
      .select(publicColumns)
      .from(apiKeys)
      .where(eq(apiKeys.tenantId, tenantId))
      .orderBy(desc(apiKeys.createdAt));
  }

  /** A user's own keys (personal access tokens). */
  listForUser(userId: string) {
    return this.db
      .select(publicColumns)
      .from(apiKeys)
      .where(eq(apiKeys.userId, userId))
      .orderBy(desc(apiKeys.createdAt));
  }

  /** Revokes a key of the tenant (of one user, when `userId` is given); revoking twice is harmless. */
  async revoke(tenantId: string, id: string, userId?: string) {
    const conditions = [eq(apiKeys.id, id), eq(apiKeys.tenantId, tenantId)];
    if (userId) conditions.push(eq(apiKeys.userId, userId));
    const [existing] = await this.db
      .select(publicColumns)
      .from(apiKeys)
      .where(and(...conditions));
    if (!existing) throw notFound("api key");
    if (existing.revokedAt) return existing;
    const [row] = await this.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(eq(apiKeys.id, id))
      .returning(publicColumns);
    this.changes?.changed(); // this replica's cached identities, before it answers (the others: NOTIFY)
    return row!;
  }

  async exists(q: Queryable, secret: string): Promise<boolean> {
    const [row] = await q
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, hashSecret(secret)));
    return Boolean(row);
  }

  /**
   * The user id behind a live key (and when it expires), or undefined. Records use at most once a minute
   * (`touch`, also for a use served from a cache).
   */
  async resolve(secret: string) {
    const [row] = await this.db
      .select({
        keyId: apiKeys.id,
        lastUsedAt: apiKeys.lastUsedAt,
        userId: apiKeys.userId,
        expiresAt: apiKeys.expiresAt,
      })
      .from(apiKeys)
      .where(
        and(
          eq(apiKeys.keyHash, hashSecret(secret)),
          isNull(apiKeys.revokedAt),
          or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, new Date())),
        ),
      );
    if (!row) return undefined;
    await this.touch(row.keyId, row.lastUsedAt);
    return { userId: row.userId, keyId: row.keyId, expiresAt: row.expiresAt };
  }

  /** Records a use of the key if the last one recorded is older than a minute; returns when it was last recorded. */
  async touch(keyId: string, lastUsedAt: Date | null): Promise<Date | null> {
    const now = new Date();
    if (lastUsedAt && now.getTime() - lastUsedAt.getTime() <= 60_000) return lastUsedAt;
    await this.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, keyId));
    return now;
  }
}
