/** Release signing keys a tenant trusts: registered by its admins, plus the installation's configured keys. */
import { and, desc, eq, isNull } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { releaseKeys } from "../../db/schema";
import { newId } from "../../lib/ids";
import { publicRow } from "../../lib/rows";
import { invalid, conflict, forbidden, notFound } from "../../lib/errors";
import { isPublicKey } from "@edge/proto/release";
import type { AuditService } from "../audit/service";
import type { UserPrincipal } from "../auth/principal";

type ReleaseKey = typeof releaseKeys.$inferSelect;
const present = (row: ReleaseKey) => ({ ...publicRow(row), active: !row.revokedAt });

function requireAdmin(principal: UserPrincipal) {
  if (principal.role !== "admin") throw forbidden("only tenant admins manage release signing keys");
}

export class ReleaseKeyService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    /** UPDATE_PUBLIC_KEYS: trusted by every tenant. */
    private readonly installationKeys: string[],
  ) {}

  async register(principal: UserPrincipal, input: { name: string; publicKey: string }) {
    requireAdmin(principal);
    if (!isPublicKey(input.publicKey)) throw invalid("publicKey must be a base64 ed25519 public key (32 bytes)");
    return this.db.transaction(async (tx) => {
      const [existing] = await tx
        .select({ id: releaseKeys.id })
        .from(releaseKeys)
        .where(
          and(
            eq(releaseKeys.tenantId, principal.tenantId),
            eq(releaseKeys.publicKey, input.publicKey),
            isNull(releaseKeys.revokedAt),
          ),
        );
      if (existing) throw conflict(`this key is already registered (${existing.id})`);
      const [row] = await tx
        .insert(releaseKeys)
        .values({
          id: newId("rkey"),
          tenantId: principal.tenantId,
          name: input.name,
          publicKey: input.publicKey,
          createdBy: principal.userId,
        })
        .returning();
      await this.audit.record(
        {
          tenantId: principal.tenantId,
          actor: principal.userId,
          action: "release_key.registered",
          detail: { keyId: row!.id, publicKey: input.publicKey },
        },
        tx,
      );
      return present(row!);
    });
  }

  async list(tenantId: string) {
    const rows = await this.db
      .select()
      .from(releaseKeys)
      .where(eq(releaseKeys.tenantId, tenantId))
      .orderBy(desc(releaseKeys.createdAt));
    return { items: rows.map(present), installationKeys: this.installationKeys };
  }

  /** Revoked keys are trusted no more: their releases are refused at publish and no longer offered to agents. */
  async revoke(principal: UserPrincipal, id: string) {
    requireAdmin(principal);
    const [row] = await this.db
      .select()
      .from(releaseKeys)
      .where(and(eq(releaseKeys.id, id), eq(releaseKeys.tenantId, principal.tenantId)));
    if (!row) throw notFound("release key");
    if (row.revokedAt) return present(row);
    const [updated] = await this.db
      .update(releaseKeys)
      .set({ revokedAt: new Date() })
      .where(eq(releaseKeys.id, id))
      .returning();
    await this.audit.record({
      tenantId: principal.tenantId,
      actor: principal.userId,
      action: "release_key.revoked",
      detail: { keyId: id, publicKey: row.publicKey },
    });
    return present(updated!);
  }

  /** Every key a tenant's releases may be signed with, now. */
  async trusted(tenantId: string, q: Queryable = this.db): Promise<Set<string>> {
    const rows = await q
      .select({ publicKey: releaseKeys.publicKey })
      .from(releaseKeys)
      .where(and(eq(releaseKeys.tenantId, tenantId), isNull(releaseKeys.revokedAt)));
    return new Set([...this.installationKeys, ...rows.map((r) => r.publicKey)]);
  }
}
