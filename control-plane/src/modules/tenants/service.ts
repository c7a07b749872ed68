/** Tenants and their users; the first start creates the installation's bootstrap admin. */
import { desc, eq } from "drizzle-orm";
import { STARTUP_LOCK, withAdvisoryLock, type Db, type Queryable } from "../../db/connect";
import { tenants } from "../../db/schema";
import { newId } from "../../lib/ids";
import { forbidden, notFound } from "../../lib/errors";
import type { ApiKeyService } from "../auth/api-keys";
import { type PeopleService, publicUser } from "../people/service";
import { API_KEY_PREFIX, type UserPrincipal } from "../auth/principal";

export interface BootstrapResult {
  tenantId: string;
  userId: string;
  /** Set only when a key was generated now: it is shown once. */
  generatedKey?: string;
}

export class TenantService {
  constructor(
    private readonly db: Db,
    private readonly apiKeys: ApiKeyService,
    private readonly people: PeopleService,
  ) {}

  /**
   * Ensures the installation has a superadmin. With `adminKey`, that key is installed (once);
   * without it, the first start generates a key. Serialised across control planes.
   */
  async bootstrap(adminKey?: string): Promise<BootstrapResult> {
    if (
      adminKey !== undefined &&
      (!adminKey.startsWith(API_KEY_PREFIX) || adminKey.length < API_KEY_PREFIX.length + 24)
    ) {
      throw new Error(`ADMIN_KEY must start with ${API_KEY_PREFIX} followed by at least 24 characters`);
    }
    return withAdvisoryLock(this.db, STARTUP_LOCK, async (tx) => {
      const admin = await this.people.superadmin(tx);
      if (admin) {
        if (adminKey && !(await this.apiKeys.exists(tx, adminKey))) {
          await this.apiKeys.create({ tenantId: admin.tenantId, userId: admin.id }, "ADMIN_KEY", {
            q: tx,
            secret: adminKey,
          });
        }
        return { tenantId: admin.tenantId, userId: admin.id };
      }
      const { tenant, user } = await this.insertTenant(tx, "default", "admin", true);
      const key = await this.apiKeys.create(
        { tenantId: tenant.id, userId: user.id },
        adminKey ? "ADMIN_KEY" : "bootstrap",
        {
          q: tx,
          ...(adminKey ? { secret: adminKey } : {}),
        },
      );
      return { tenantId: tenant.id, userId: user.id, generatedKey: adminKey ? undefined : key.key };
    });
  }

  /** Every tenant's telemetry retention (for the retention job). */
  async telemetryRetentions(): Promise<{ tenantId: string; days: number }[]> {
    return this.db.select({ tenantId: tenants.id, days: tenants.telemetryRetentionDays }).from(tenants);
  }

  async telemetrySettings(tenantId: string): Promise<{ retentionDays: number }> {
    const [row] = await this.db
      .select({ retentionDays: tenants.telemetryRetentionDays })
      .from(tenants)
      .where(eq(tenants.id, tenantId));
    if (!row) throw notFound("tenant");
    return row;
  }

  async setTelemetrySettings(tenantId: string, settings: { retentionDays: number }) {
    const [row] = await this.db
      .update(tenants)
      .set({ telemetryRetentionDays: settings.retentionDays })
      .where(eq(tenants.id, tenantId))
      .returning({ retentionDays: tenants.telemetryRetentionDays });
    if (!row) throw notFound("tenant");
    return row;
  }

  /** A new tenant with its first admin user and API key (installation admins only). */
  async create(principal: UserPrincipal, name: string, adminName = "admin") {
    requireSuperadmin(principal);
    return this.db.transaction(async (tx) => {
      const { tenant, user } = await this.insertTenant(tx, name, adminName, false);
      const apiKey = await this.apiKeys.create({ tenantId: tenant.id, userId: user.id }, `${adminName} initial key`, {
        q: tx,
      });
      return { tenant, user, apiKey };
    });
  }

  list(principal: UserPrincipal) {
    requireSuperadmin(principal);
    return this.db.select().from(tenants).orderBy(desc(tenants.createdAt));
  }

  async me(principal: UserPrincipal) {
    const user = await this.people.byId(principal.userId);
    if (!user) throw notFound("user");
    return { ...publicUser(user), tenantId: user.tenantId, plan: user.plan, via: principal.via };
  }

  private async insertTenant(q: Queryable, name: string, adminName: string, isSuperadmin: boolean) {
    const [tenant] = await q
      .insert(tenants)
      .values({ id: newId("ten"), name })
      .returning();
    const user = await this.people.create({ tenantId: tenant!.id, name: adminName, role: "admin", isSuperadmin }, q);
    return { tenant: tenant!, user: publicUser(user) };
  }
}

function requireSuperadmin(principal: UserPrincipal) {
  if (!principal.isSuperadmin) throw forbidden("only installation admins manage tenants");
}
