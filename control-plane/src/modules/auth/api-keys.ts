/** API keys `roz_sk_...`: permanent until revoked, bound to a tenant and a user, stored hashed. */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { apiKeys, users } from "../../db/schema";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret } from "../../lib/secrets";
import { notFound } from "../../lib/errors";
import { API_KEY_PREFIX } from "./principal";

const publicColumns = {
  id: apiKeys.id,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
};

export class ApiKeyService {
  constructor(private readonly db: Db) {}

  /** Creates a key; the secret is returned here once and never again. */
  async create(
    owner: { tenantId: string; userId: string },
    name: string,
    { q = this.db, secret = newSecret(API_KEY_PREFIX) }: { q?: Queryable; secret?: string } = {},
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

  /** Revokes a key of the tenant; revoking twice is harmless. */
  async revoke(tenantId: string, id: string) {
    const [existing] = await this.db
      .select(publicColumns)
      .from(apiKeys)
      .where(and(eq(apiKeys.id, id), eq(apiKeys.tenantId, tenantId)));
    if (!existing) throw notFound("api key");
    if (existing.revokedAt) return existing;
    const [row] = await this.db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(eq(apiKeys.id, id))
      .returning(publicColumns);
    return row!;
  }

  async exists(q: Queryable, secret: string): Promise<boolean> {
    const [row] = await q
      .select({ id: apiKeys.id })
      .from(apiKeys)
      .where(eq(apiKeys.keyHash, hashSecret(secret)));
    return Boolean(row);
  }

  /** The user behind a live key, or undefined. Records use at most once a minute. */
  async resolve(secret: string) {
    const [row] = await this.db
      .select({ keyId: apiKeys.id, lastUsedAt: apiKeys.lastUsedAt, user: users })
      .from(apiKeys)
      .innerJoin(users, eq(users.id, apiKeys.userId))
      .where(and(eq(apiKeys.keyHash, hashSecret(secret)), isNull(apiKeys.revokedAt)));
    if (!row) return undefined;
    const now = new Date();
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > 60_000) {
      await this.db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, row.keyId));
    }
    return row.user;
  }
}
