/** Device login (RFC 8628 style): a CLI shows a user code, a signed-in user approves it, the CLI polls for tokens. */
import { and, count, eq, gt, isNull, lt, lte, or } from "drizzle-orm";
import type { Db } from "../../db/connect";
import { deviceCodes } from "../../db/schema";
import type { PeopleService } from "../people/service";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret, newUserCode } from "../../lib/secrets";
import { invalid, notFound, rejectedCredential, tooMany } from "../../lib/errors";
import type { UserPrincipal } from "./principal";
import type { SessionTokenService } from "../sessions/tokens";

export interface DeviceSettings {
  publicUrl: string;
  deviceCodeTtlSeconds: number;
  devicePollIntervalSeconds: number;
  /** Pending, unexpired codes allowed per client address and in all: unauthenticated writes stay bounded. */
  deviceCodeMaxPendingPerSource: number;
  deviceCodeMaxPending: number;
}

/** Expired codes are kept this long (polls still get `expired_token`), then deleted. */
const EXPIRED_CODE_RETENTION_MS = 10 * 60_000;

/** `f6h9k2q1` and `F6H9-K2Q1` are the same code. */
export function normaliseUserCode(input: string): string {
  const raw = input.toUpperCase().replace(/[^A-Z0-9]/g, "");
  return raw.length === 8 ? `${raw.slice(0, 4)}-${raw.slice(4)}` : input.toUpperCase();
}

export class DeviceLoginService {
  constructor(
    private readonly db: Db,
    private readonly userSessions: SessionTokenService,
    private readonly settings: DeviceSettings,
    private readonly people: PeopleService,
  ) {}

  /** `source`: the client address, for the per-source cap on pending codes. */
  async start(clientName?: string, source?: string) {
    const now = Date.now();
    await this.db.delete(deviceCodes).where(lt(deviceCodes.expiresAt, new Date(now - EXPIRED_CODE_RETENTION_MS)));
    const pending = and(eq(deviceCodes.status, "pending"), gt(deviceCodes.expiresAt, new Date(now)));
    const [total] = await this.db.select({ n: count() }).from(deviceCodes).where(pending);
    if (total!.n >= this.settings.deviceCodeMaxPending)
      throw tooMany(60, "too many device logins pending; retry later");
    if (source) {
      const [mine] = await this.db
        .select({ n: count() })
        .from(deviceCodes)
        .where(and(pending, eq(deviceCodes.source, source)));
      if (mine!.n >= this.settings.deviceCodeMaxPendingPerSource)
        throw tooMany(60, "too many device logins pending from this address; retry later");
    }
    const deviceCode = newSecret("dev_");
    const verificationUri = `${this.settings.publicUrl}/auth/device`;
    for (let attempt = 0; ; attempt++) {
      const userCode = newUserCode();
      try {
        await this.db.insert(deviceCodes).values({
          id: newId("dc"),
          deviceCodeHash: hashSecret(deviceCode),
          userCode,
          clientName: clientName ?? null,
          source: source ?? null,
          intervalSeconds: this.settings.devicePollIntervalSeconds,
          expiresAt: new Date(now + this.settings.deviceCodeTtlSeconds * 1000),
        });
        return {
          deviceCode,
          userCode,
          verificationUri,
          verificationUriComplete: `${verificationUri}?user_code=${userCode}`,
          expiresIn: this.settings.deviceCodeTtlSeconds,
          interval: this.settings.devicePollIntervalSeconds,
          status: "pending" as const,
        };
      } catch (error) {
        if (attempt >= 3) throw error; // user code collision: draw another
      }
    }
  }

  async poll(deviceCode: string) {
    const [row] = await this.db
      .select()
      .from(deviceCodes)
      .where(eq(deviceCodes.deviceCodeHash, hashSecret(deviceCode)));
    if (!row) throw rejectedCredential("not_found", "device code not found");
    if (row.status === "consumed") throw invalid("device code already used");
    const now = new Date();
    if (row.expiresAt <= now) throw invalid("expired_token");

    // Claim this poll slot atomically: a poll earlier than `interval` after the last one is refused.
    const earliest = new Date(now.getTime() - row.intervalSeconds * 1000);
    const [slot] = await this.db
      .update(deviceCodes)
      .set({ lastPolledAt: now })
      .where(
        and(eq(deviceCodes.id, row.id), or(isNull(deviceCodes.lastPolledAt), lte(deviceCodes.lastPolledAt, earliest))),
      )
      .returning({ id: deviceCodes.id });
    if (!slot) {
      const last = row.lastPolledAt?.getTime() ?? now.getTime();
      const retryAfterSeconds = Math.max(1, Math.ceil((last + row.intervalSeconds * 1000 - now.getTime()) / 1000));
      throw tooMany(retryAfterSeconds, "slow_down");
    }

    if (row.status === "denied") throw invalid("access_denied");
    if (row.status === "pending") return { status: "authorization_pending" as const, interval: row.intervalSeconds };

    // Approved: hand out tokens exactly once.
    return this.db.transaction(async (tx) => {
      const [claimed] = await tx
        .update(deviceCodes)
        .set({ status: "consumed" })
        .where(and(eq(deviceCodes.id, row.id), eq(deviceCodes.status, "approved")))
        .returning({ userId: deviceCodes.userId });
      if (!claimed?.userId) throw invalid("device code already used");
      const user = await this.people.byId(claimed.userId, tx);
      if (!user) throw notFound("user");
      const pair = await this.userSessions.issue(tx, { tenantId: user.tenantId, userId: user.id });
      return { status: "authorized" as const, ...pair, userId: user.id, plan: user.plan };
    });
  }

  /** A signed-in user approves (or denies) the code shown by the CLI. */
  async approve(principal: UserPrincipal, userCode: string, approve: boolean) {
    const [row] = await this.db
      .update(deviceCodes)
      .set({ status: approve ? "approved" : "denied", userId: principal.userId })
      .where(
        and(
          eq(deviceCodes.userCode, normaliseUserCode(userCode)),
          eq(deviceCodes.status, "pending"),
          gt(deviceCodes.expiresAt, new Date()),
        ),
      )
      .returning({ userCode: deviceCodes.userCode, status: deviceCodes.status });
    if (!row) throw rejectedCredential("not_found", "pending user code not found");
    return row;
  }
}
