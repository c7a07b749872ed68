/**
 * System settings: typed, validated, stored in `system_settings` (one row per key) and applied to the running
 * configuration without a restart — at once on the replica that changed them, within `RELOAD_MS` on the others.
 */
import { inArray } from "drizzle-orm";
import { t, type Static } from "elysia";
import type { Config } from "../../config";
import type { Db } from "../../db/connect";
import { systemSettings } from "../../db/schema";
import { badRequest } from "../../http/errors";
import type { AuditService } from "../audit/service";
import type { UserPrincipal } from "../auth/principal";

const RELOAD_MS = 10_000;

/** Every setting, its bounds and meaning; each is a field of Config read at use time. */
export const SettingsSchema = t.Object({
  /** User access token lifetime (new sign-ins and refreshes). */
  accessTokenTtlSeconds: t.Integer({ minimum: 60, maximum: 86_400 }),
  /** User refresh token lifetime. */
  refreshTokenTtlSeconds: t.Integer({ minimum: 3600, maximum: 365 * 86_400 }),
  /** How long a machine may stay offline holding tasks before the worker-loss rules apply. */
  workerLossGraceMs: t.Integer({ minimum: 0, maximum: 86_400_000 }),
  /** An assigned task not started by its machine within this is re-queued. */
  taskAssignmentLeaseMs: t.Integer({ minimum: 1000, maximum: 86_400_000 }),
  /** Failed sign-ins per account before a lockout, and the lockout's length. */
  rateLimitLoginFailures: t.Integer({ minimum: 1, maximum: 1000 }),
  loginLockoutSeconds: t.Integer({ minimum: 1, maximum: 86_400 }),
});
export type Settings = Static<typeof SettingsSchema>;
export const SettingsUpdateBody = t.Partial(SettingsSchema, { minProperties: 1 });
const KEYS = Object.keys(SettingsSchema.properties) as (keyof Settings)[];

export class SettingsService {
  private timer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditService,
    /** The live configuration the services read: stored settings are written into it. */
    private readonly config: Config,
  ) {}

  current(): Settings {
    return Object.fromEntries(KEYS.map((key) => [key, this.config[key]])) as Settings;
  }

  /** Applies the stored settings over the environment's. */
  async load(): Promise<void> {
    const rows = await this.db.select().from(systemSettings).where(inArray(systemSettings.key, KEYS));
    for (const row of rows) {
      const key = row.key as keyof Settings;
      const schema = SettingsSchema.properties[key];
      const value = row.value;
      if (typeof value === "number" && Number.isInteger(value) && value >= schema.minimum! && value <= schema.maximum!)
        this.config[key] = value;
    }
  }

  startReloading(onError: (err: unknown) => void) {
    this.timer ??= setInterval(() => this.load().catch(onError), RELOAD_MS);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  async update(actor: UserPrincipal, patch: Partial<Settings>): Promise<Settings> {
    const entries = Object.entries(patch) as [keyof Settings, number][];
    if (entries.length === 0) throw badRequest("invalid body: nothing to update");
    const before = this.current();
    await this.db.transaction(async (tx) => {
      for (const [key, value] of entries)
        await tx
          .insert(systemSettings)
          .values({ key, value, updatedBy: actor.userId })
          .onConflictDoUpdate({
            target: systemSettings.key,
            set: { value, updatedBy: actor.userId, updatedAt: new Date() },
          });
      await this.audit.record(
        {
          tenantId: actor.tenantId,
          actor: actor.userId,
          action: "settings.update",
          detail: Object.fromEntries(entries.map(([key, value]) => [key, { from: before[key], to: value }])),
        },
        tx,
      );
    });
    for (const [key, value] of entries) this.config[key] = value;
    return this.current();
  }
}
