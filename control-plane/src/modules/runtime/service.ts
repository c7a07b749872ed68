/** Runtime identities and their token lifecycle: bootstrap exchange, refresh, revoke, live status. */
import { and, desc, eq, gt, inArray, isNotNull, isNull, sql, type SQL } from "drizzle-orm";
import { randomBytes } from "node:crypto";
import type { Database, Db, Queryable } from "../../db/connect";
import { runtimeIdentities } from "../../db/schema";
import type { EventBus } from "../../lib/events";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret, secretMatches } from "../../lib/secrets";
import { invalid, notFound, unauthenticated } from "../../lib/errors";
import { labelsProblem } from "@edge/proto/labels";
import { BatchLoader } from "../../lib/batch-loader";
import { asSystem } from "../../db/context";
import { bearerToken, type UserPrincipal } from "../auth/principal";
import type { HostService } from "../hosts/service";
import type { SessionTokenService, TokenPair } from "../sessions/tokens";
import { BOOTSTRAP_PREFIX, type RuntimePrincipal } from "./principal";

type Identity = typeof runtimeIdentities.$inferSelect;

/** Recovery secrets of enrolled workers. */
export const RECOVERY_PREFIX = "rtrs_";

const publicIdentity = (row: Identity) => ({
  runtimeId: row.id,
  agentId: row.hostId,
  hostId: row.hostId,
  name: row.name,
  userId: row.createdBy,
  runtimeVersion: row.runtimeVersion,
  status: row.revokedAt ? "revoked" : row.bootstrapUsedAt ? "active" : "awaiting_bootstrap",
  bootstrapTokenExpiresAt: row.bootstrapExpiresAt,
  bootstrapUsedAt: row.bootstrapUsedAt,
  revokedAt: row.revokedAt,
  createdAt: row.createdAt,
});

/** NOTIFY channel of identity changes: every replica drops its cached entry of the host at once. */
const IDENTITY_CHANNEL = "edge_runtime_identities";
/** A cached live identity is trusted this long at most (a safety net: every change is notified anyway). */
const LIVE_CACHE_TTL_MS = 60_000;

interface IdentityChange {
  tenantId: string;
  hostId: string;
  /** Set when an identity was revoked (its connections on every replica must end). */
  revokedRuntimeId?: string;
  /** The replica that made the change (it already acted on it). */
  from: string;
}

/**
 * Which runtime identity a host's messages are accepted from, served from memory: the check runs for every agent
 * message. Every change of a host's live identity (bootstrap exchange, enrollment, revocation) sends a NOTIFY in
 * the changing transaction, so every replica drops its entry when the change commits; the changing replica drops
 * it before answering. An entry read before a change cannot be stored after it (the cache's epoch moved on).
 */
class LiveIdentityCache {
  private readonly byHost = new Map<string, { runtimeId: string; at: number }>();
  private epoch = 0;

  get(tenantId: string, hostId: string): string | undefined {
    const entry = this.byHost.get(`${tenantId}/${hostId}`);
    if (!entry) return undefined;
    if (Date.now() - entry.at > LIVE_CACHE_TTL_MS) {
      this.byHost.delete(`${tenantId}/${hostId}`);
      return undefined;
    }
    return entry.runtimeId;
  }

  /** Reads through the cache: `load` runs on a miss; its answer is kept unless a change came in meanwhile. */
  async through(tenantId: string, hostId: string, load: () => Promise<string | undefined>) {
    const hit = this.get(tenantId, hostId);
    if (hit) return hit;
    const epoch = this.epoch;
    const runtimeId = await load();
    if (runtimeId && epoch === this.epoch) this.byHost.set(`${tenantId}/${hostId}`, { runtimeId, at: Date.now() });
    return runtimeId;
  }

  invalidate(tenantId: string, hostId: string): void {
    this.epoch++;
    this.byHost.delete(`${tenantId}/${hostId}`);
  }
}

export class RuntimeService {
  private readonly live = new LiveIdentityCache();
  /** This replica, in identity-change notifications. */
  private readonly replica = randomBytes(8).toString("hex");
  private stopListening?: () => Promise<void>;

  constructor(
    private readonly db: Db,
    private readonly hosts: HostService,
    private readonly sessions: SessionTokenService,
    private readonly events: EventBus,
    private readonly bootstrapTtlSeconds: number,
  ) {}

  /** A new identity for a host; the bootstrap token is shown once. */
  async createIdentity(principal: UserPrincipal, input: { hostId: string; name?: string }) {
    const host = await this.hosts.assertOwned(principal.tenantId, input.hostId, { reference: true });
    const bootstrapToken = newSecret(BOOTSTRAP_PREFIX);
    const [row] = await this.db
      .insert(runtimeIdentities)
      .values({
        id: newId("runtime"),
        tenantId: principal.tenantId,
        hostId: host.id,
        createdBy: principal.userId,
        name: input.name ?? host.name,
        bootstrapTokenHash: hashSecret(bootstrapToken),
        bootstrapExpiresAt: new Date(Date.now() + this.bootstrapTtlSeconds * 1000),
      })
      .returning();
    return { ...publicIdentity(row!), bootstrapToken };
  }

  async listIdentities(tenantId: string) {
    const rows = await this.db
      .select()
      .from(runtimeIdentities)
      .where(eq(runtimeIdentities.tenantId, tenantId))
      .orderBy(desc(runtimeIdentities.createdAt));
    return rows.map(publicIdentity);
  }

  /** Revokes an identity: every token dies now, and transports drop its connections. */
  async revokeIdentity(tenantId: string, runtimeId: string) {
    const row = await this.db.transaction(async (tx) => {
      const [found] = await tx
        .select()
        .from(runtimeIdentities)
        .where(and(eq(runtimeIdentities.id, runtimeId), eq(runtimeIdentities.tenantId, tenantId)));
      if (!found) throw notFound("runtime identity");
      if (found.revokedAt) return found;
      const now = new Date();
      await this.sessions.revokeRuntimeTokens(tx, runtimeId);
      const [updated] = await tx
        .update(runtimeIdentities)
        .set({ revokedAt: now })
        .where(eq(runtimeIdentities.id, runtimeId))
        .returning();
      await this.notifyChange(tx, { tenantId, hostId: updated!.hostId, revokedRuntimeId: runtimeId });
      return updated!;
    });
    this.live.invalidate(tenantId, row.hostId);
    this.events.publish({ type: "runtime.revoked", tenantId, runtimeId, hostId: row.hostId });
    return publicIdentity(row);
  }

  /** Revokes every identity of a host (decommission): its agents are disconnected at once. */
  async revokeAllForHost(tenantId: string, hostId: string): Promise<number> {
    const live = await this.db
      .select({ id: runtimeIdentities.id })
      .from(runtimeIdentities)
      .where(
        and(
          eq(runtimeIdentities.tenantId, tenantId),
          eq(runtimeIdentities.hostId, hostId),
          isNull(runtimeIdentities.revokedAt),
        ),
      );
    for (const identity of live) await this.revokeIdentity(tenantId, identity.id);
    return live.length;
  }

  /**
   * An identity for a worker that enrolled with a worker token (no bootstrap step): tokens are issued now, with a
   * one-time recovery secret (stored hashed). Earlier identities of the machine are revoked: one live worker each.
   */
  async enroll(
    tx: Queryable,
    input: { tenantId: string; hostId: string; createdBy: string; name: string; runtimeVersion?: string },
  ) {
    const previous = await tx
      .select({ id: runtimeIdentities.id })
      .from(runtimeIdentities)
      .where(and(eq(runtimeIdentities.hostId, input.hostId), isNull(runtimeIdentities.revokedAt)));
    const now = new Date();
    for (const p of previous) {
      await this.sessions.revokeRuntimeTokens(tx, p.id);
      await tx.update(runtimeIdentities).set({ revokedAt: now }).where(eq(runtimeIdentities.id, p.id));
      await this.notifyChange(tx, { tenantId: input.tenantId, hostId: input.hostId, revokedRuntimeId: p.id });
    }
    if (previous.length === 0) await this.notifyChange(tx, { tenantId: input.tenantId, hostId: input.hostId });
    const recoverySecret = newSecret(RECOVERY_PREFIX);
    const [row] = await tx
      .insert(runtimeIdentities)
      .values({
        id: newId("runtime"),
        tenantId: input.tenantId,
        hostId: input.hostId,
        createdBy: input.createdBy,
        name: input.name,
        bootstrapTokenHash: hashSecret(newSecret(BOOTSTRAP_PREFIX)), // never handed out: enrollment replaces the exchange
        bootstrapExpiresAt: now,
        bootstrapUsedAt: now,
        recoverySecretHash: hashSecret(recoverySecret),
        runtimeVersion: input.runtimeVersion ?? null,
      })
      .returning();
    const pair = await this.sessions.issue(tx, { tenantId: row!.tenantId, runtimeId: row!.id });
    return {
      revoked: previous.map((p) => ({ runtimeId: p.id, hostId: input.hostId, tenantId: input.tenantId })),
      response: { ...this.tokenResponse(row!, pair), recoverySecret },
    };
  }

  /**
   * Re-issues a worker's tokens from its recovery secret (token loss, or a crash between a refresh rotation and
   * saving the new pair): every earlier session of the identity is revoked, and the secret is rotated (the new
   * one is returned once). Wrong secret, unknown or revoked identity: one 401.
   */
  async recover(input: { runtimeId: string; recoverySecret: string }) {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(runtimeIdentities)
        .where(and(eq(runtimeIdentities.id, input.runtimeId), isNull(runtimeIdentities.revokedAt)))
        .for("update");
      if (!row?.recoverySecretHash || !secretMatches(input.recoverySecret, row.recoverySecretHash))
        throw unauthenticated("invalid recovery secret");
      await this.sessions.revokeRuntimeTokens(tx, row.id);
      const recoverySecret = newSecret(RECOVERY_PREFIX);
      await tx
        .update(runtimeIdentities)
        .set({ recoverySecretHash: hashSecret(recoverySecret) })
        .where(eq(runtimeIdentities.id, row.id));
      const pair = await this.sessions.issue(tx, { tenantId: row.tenantId, runtimeId: row.id });
      return { ...this.tokenResponse(row, pair), recoverySecret };
    });
  }

  /** Announces revocations made inside a committed transaction (transports drop the connections). */
  announceRevoked(revoked: { runtimeId: string; hostId: string; tenantId: string }[]) {
    for (const r of revoked) {
      this.live.invalidate(r.tenantId, r.hostId);
      this.events.publish({ type: "runtime.revoked", ...r });
    }
  }

  /** One-time exchange of a bootstrap token for runtime tokens. */
  async exchange(input: {
    runtimeId: string;
    bootstrapToken: string;
    runtimeVersion?: string;
    labels?: Record<string, string>;
  }) {
    const now = new Date();
    // Checked before the token is spent: a bad label must not burn a one-time bootstrap token.
    const problem = input.labels ? labelsProblem(input.labels) : undefined;
    if (problem) throw invalid(`invalid labels: ${problem}`);
    const response = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .update(runtimeIdentities)
        .set({ bootstrapUsedAt: now, runtimeVersion: input.runtimeVersion ?? null })
        .where(
          and(
            eq(runtimeIdentities.id, input.runtimeId),
            eq(runtimeIdentities.bootstrapTokenHash, hashSecret(input.bootstrapToken)),
            isNull(runtimeIdentities.bootstrapUsedAt),
            isNull(runtimeIdentities.revokedAt),
            gt(runtimeIdentities.bootstrapExpiresAt, now),
          ),
        )
        .returning();
      // Unknown runtime, wrong token, already used, expired or revoked: one answer, nothing learned.
      if (!row) throw unauthenticated("invalid, used or expired bootstrap token");
      if (input.labels) await this.hosts.reportAgentLabels(tx, row.tenantId, row.hostId, input.labels);
      // The host's live identity may change (the most recently bootstrapped one speaks for it).
      await this.notifyChange(tx, { tenantId: row.tenantId, hostId: row.hostId });
      const pair = await this.sessions.issue(tx, { tenantId: row.tenantId, runtimeId: row.id });
      return this.tokenResponse(row, pair);
    });
    this.live.invalidate(response.tenantId, response.hostId);
    return response;
  }

  async refresh(refreshToken: string) {
    const { pair, subject } = await this.sessions.refresh(refreshToken);
    const identity = subject.runtimeId ? await this.liveIdentity(subject.runtimeId) : undefined;
    if (!identity) throw unauthenticated("runtime identity revoked");
    return this.tokenResponse(identity, pair);
  }

  /** Revokes the session of a runtime refresh token (idempotent). */
  async revokeSession(refreshToken: string) {
    const subject = await this.sessions.revokeByRefreshToken(refreshToken);
    return { ok: true, revoked: Boolean(subject?.runtimeId) };
  }

  /** Authenticates a runtime bearer token against the live identity state. */
  async authenticate(authorization: string | undefined): Promise<RuntimePrincipal> {
    const token = bearerToken(authorization);
    if (!token) throw unauthenticated("missing bearer token");
    const principal = await this.principalForAccessToken(token);
    if (!principal) throw unauthenticated("invalid, expired or revoked runtime token");
    return principal;
  }

  /**
   * As `principalForAccessToken`, with the lookups of tokens presented within a few milliseconds of each other made
   * together (two statements per burst instead of two per token): the broker's CONNECTs of a reconnecting fleet.
   * Read from the database every time, so a revoked identity or session is refused at once.
   */
  principalForAccessTokenBatched(token: string): Promise<RuntimePrincipal | undefined> {
    return this.principals.load(token);
  }

  private readonly principals = new BatchLoader<RuntimePrincipal>((tokens) =>
    asSystem("runtime credential checks, batched", async () => {
      const out = new Map<string, RuntimePrincipal>();
      const access = await this.sessions.resolveAccessMany(tokens);
      const runtimeIds = [
        ...new Set([...access.values()].flatMap((a) => (a.subject.runtimeId ? [a.subject.runtimeId] : []))),
      ];
      if (runtimeIds.length === 0) return out;
      const identities = new Map(
        (
          await this.db
            .select()
            .from(runtimeIdentities)
            .where(and(inArray(runtimeIdentities.id, runtimeIds), isNull(runtimeIdentities.revokedAt)))
        ).map((row) => [row.id, row]),
      );
      for (const [token, a] of access) {
        const identity = a.subject.runtimeId ? identities.get(a.subject.runtimeId) : undefined;
        if (identity) out.set(token, this.principalOf(identity, a.expiresAt));
      }
      return out;
    }),
  );

  private principalOf(identity: Identity, accessTokenExpiresAt: Date): RuntimePrincipal {
    return {
      kind: "runtime",
      tenantId: identity.tenantId,
      runtimeId: identity.id,
      hostId: identity.hostId,
      userId: identity.createdBy,
      runtimeVersion: identity.runtimeVersion,
      accessTokenExpiresAt,
    };
  }

  async principalForAccessToken(token: string): Promise<RuntimePrincipal | undefined> {
    const access = await this.sessions.resolveAccess(token);
    if (!access?.subject.runtimeId) return undefined;
    const identity = await this.liveIdentity(access.subject.runtimeId);
    if (!identity) return undefined;
    return {
      kind: "runtime",
      tenantId: identity.tenantId,
      runtimeId: identity.id,
      hostId: identity.hostId,
      userId: identity.createdBy,
      runtimeVersion: identity.runtimeVersion,
      accessTokenExpiresAt: access.expiresAt,
    };
  }

  status(principal: RuntimePrincipal) {
    return {
      ok: true,
      runtimeId: principal.runtimeId,
      agentId: principal.hostId,
      hostId: principal.hostId,
      userId: principal.userId,
      tenantId: principal.tenantId,
      runtimeVersion: principal.runtimeVersion,
      identity: { status: "active" },
      session: { authenticated: true, accessTokenExpiresAt: principal.accessTokenExpiresAt.toISOString() },
    };
  }

  /**
   * The host's live (bootstrapped, unrevoked) runtime identity: an agent acts for a host only while it has one.
   * The most recently bootstrapped one if there are several.
   */
  /** Of `hostIds`, those with a live runtime identity (as `liveRuntimeOf`, for many hosts in one query). */
  async hostsWithLiveRuntime(tenantId: string, hostIds: string[]): Promise<Set<string>> {
    if (hostIds.length === 0) return new Set();
    const rows = await this.db
      .selectDistinct({ hostId: runtimeIdentities.hostId })
      .from(runtimeIdentities)
      .where(
        and(
          eq(runtimeIdentities.tenantId, tenantId),
          inArray(runtimeIdentities.hostId, hostIds),
          isNull(runtimeIdentities.revokedAt),
          isNotNull(runtimeIdentities.bootstrapUsedAt),
        ),
      );
    return new Set(rows.map((r) => r.hostId));
  }

  /** Records the runtime version an identity's agent reported after an update (in the caller's transaction). */
  async setRuntimeVersion(q: Queryable, runtimeId: string, runtimeVersion: string) {
    await q.update(runtimeIdentities).set({ runtimeVersion }).where(eq(runtimeIdentities.id, runtimeId));
  }

  /** Subquery of the hosts that hold an unrevoked runtime identity (any tenant), for `inArray`. */
  hostsWithUnrevokedIdentity() {
    return this.db
      .select({ hostId: runtimeIdentities.hostId })
      .from(runtimeIdentities)
      .where(isNull(runtimeIdentities.revokedAt));
  }

  /** The host's live runtime identity (see above), from memory once known: no statement per agent message. */
  liveRuntimeOf(tenantId: string, hostId: string): Promise<string | undefined> {
    // Misses within a few milliseconds are read together (a fleet's first messages after a connect storm).
    return this.live.through(tenantId, hostId, () => this.liveRuntimes.load(`${tenantId}/${hostId}`));
  }

  private readonly liveRuntimes = new BatchLoader<string>((keys) =>
    asSystem("live runtime identities of hosts, batched", async () => {
      const wanted = new Set(keys);
      const rows = await this.db
        .select({ id: runtimeIdentities.id, tenantId: runtimeIdentities.tenantId, hostId: runtimeIdentities.hostId })
        .from(runtimeIdentities)
        .where(
          and(
            inArray(
              runtimeIdentities.hostId,
              keys.map((k) => k.slice(k.indexOf("/") + 1)),
            ),
            isNull(runtimeIdentities.revokedAt),
            isNotNull(runtimeIdentities.bootstrapUsedAt),
          ),
        )
        // The most recently bootstrapped one of each host comes first.
        .orderBy(desc(runtimeIdentities.bootstrapUsedAt));
      const out = new Map<string, string>();
      for (const row of rows) {
        const key = `${row.tenantId}/${row.hostId}`;
        if (wanted.has(key) && !out.has(key)) out.set(key, row.id);
      }
      return out;
    }),
  );

  /** Whether `runtimeId` is the host's live identity as far as this replica knows (cached; no statement on a hit). */
  cachedLiveRuntimeOf(tenantId: string, hostId: string): string | undefined {
    return this.live.get(tenantId, hostId);
  }

  /**
   * A condition, for a statement that applies an agent's report, that the identity it came from is not revoked:
   * the report and the check are one atomic step, so a report racing a revocation on another replica is refused.
   * A scalar subquery with a LIMIT, not EXISTS: PostgreSQL turns an EXISTS into a join, and in a generic plan (no
   * statistics for a batch's rows) it chose a scan of every identity joined row by row with the batch — a million
   * comparisons for 256 reports over 4,000 identities (~400 ms); this is one primary-key probe per report.
   */
  liveIdentitySql(runtimeId: SQL, tenantId: SQL, hostId: SQL): SQL {
    return sql`coalesce((select true from ${runtimeIdentities} ri where ri.id = ${runtimeId}
      and ri.tenant_id = ${tenantId} and ri.host_id = ${hostId} and ri.revoked_at is null limit 1), false)`;
  }

  /**
   * Listens for identity changes made by any replica (and by this one: notifications are delivered at commit):
   * the host's cached entry is dropped, and a revocation made elsewhere ends this replica's connections of it.
   */
  async listen(database: Pick<Database, "listen">): Promise<void> {
    this.stopListening = await database.listen(IDENTITY_CHANNEL, (payload) => {
      let change: IdentityChange;
      try {
        change = JSON.parse(payload);
      } catch {
        return;
      }
      this.live.invalidate(change.tenantId, change.hostId);
      if (change.from !== this.replica && change.revokedRuntimeId)
        this.events.publish({
          type: "runtime.revoked",
          tenantId: change.tenantId,
          hostId: change.hostId,
          runtimeId: change.revokedRuntimeId,
        });
    });
  }

  async stop(): Promise<void> {
    await this.stopListening?.();
  }

  private async notifyChange(q: Queryable, change: Omit<IdentityChange, "from">): Promise<void> {
    const payload = JSON.stringify({ ...change, from: this.replica });
    await q.execute(sql`select pg_notify(${IDENTITY_CHANNEL}, ${payload})`);
  }

  /** The host of a live (unrevoked) runtime identity, within `tenantId` when given; undefined otherwise. */
  async liveHostOf(runtimeId: string, tenantId?: string): Promise<string | undefined> {
    const identity = await this.liveIdentity(runtimeId);
    return identity && (!tenantId || identity.tenantId === tenantId) ? identity.hostId : undefined;
  }

  private async liveIdentity(runtimeId: string): Promise<Identity | undefined> {
    const [row] = await this.db
      .select()
      .from(runtimeIdentities)
      .where(and(eq(runtimeIdentities.id, runtimeId), isNull(runtimeIdentities.revokedAt)));
    return row;
  }

  private tokenResponse(identity: Identity, pair: TokenPair) {
    return {
      tokenType: pair.tokenType,
      runtimeId: identity.id,
      agentId: identity.hostId,
      userId: identity.createdBy,
      runtimeVersion: identity.runtimeVersion,
      accessToken: pair.accessToken,
      accessTokenExpiresAt: pair.accessTokenExpiresAt,
      refreshToken: pair.refreshToken,
      refreshTokenExpiresAt: pair.refreshTokenExpiresAt,
      tenantId: identity.tenantId,
      hostId: identity.hostId,
    };
  }
}
