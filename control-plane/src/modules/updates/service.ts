/** Releases (signed manifests per channel), update checks, one-time grants, applies and reports. */
import { asSystem } from "../../db/context";
import { and, desc, eq, gt, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
import type { Db, Queryable } from "../../db/connect";
import { releaseScripts, releases, updateGrants } from "../../db/schema";
import { newId } from "../../lib/ids";
import { hashSecret, newSecret } from "../../lib/secrets";
import { conflict, forbidden, invalid, notFound, rejectedCredential } from "../../lib/errors";
import {
  compareVersions,
  isSafeScriptPath,
  sha256Hex,
  verifySignedManifest,
  type ReleaseManifest,
  type SignedManifest,
} from "@edge/proto/release";
import type { RuntimeService } from "../runtime/service";
import type { HostService } from "../hosts/service";
import type { AuditService } from "../audit/service";
import type { UserPrincipal } from "../auth/principal";
import type { CommandService } from "../commands/service";
import type { RuntimePrincipal } from "../runtime/principal";
import type { ReleaseKeyService } from "./release-keys";

const DEFAULT_CHANNEL = "stable";
type Release = typeof releases.$inferSelect;

/** How a script is asked for: by release (and digest); a bare path only while it is unambiguous. */
export interface ScriptAddress {
  path: string;
  releaseId?: string;
  sha256?: string;
}

export class UpdateService {
  /** Grant-expiry scrubs and the periodic sweep; cleared by stop(). */
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    private readonly db: Db,
    private readonly hosts: HostService,
    private readonly audit: AuditService,
    private readonly commands: CommandService,
    private readonly keys: ReleaseKeyService,
    private readonly publicUrl: string,
    private readonly runtime: RuntimeService,
  ) {}

  /**
   * Stores a release: signed by a key the tenant trusts, well-formed, not expired, every script present and matching
   * its sha256, and never published before (by anyone).
   */
  async publish(principal: UserPrincipal, signed: SignedManifest, scripts: { path: string; body: string }[]) {
    const trusted = await this.keys.trusted(principal.tenantId);
    if (!trusted.has(signed.publicKey)) {
      throw forbidden("release is not signed with a trusted key: an admin registers it with POST /api/v1/release-keys");
    }
    let manifest: ReleaseManifest;
    try {
      manifest = verifySignedManifest(signed, signed.publicKey);
    } catch (error) {
      throw invalid(`invalid signed manifest: ${(error as Error).message}`);
    }
    const expiresAt = new Date(manifest.expiresAt);
    if (expiresAt.getTime() <= Date.now()) throw invalid(`manifest expired at ${manifest.expiresAt}`);
    const bodies = new Map(scripts.map((s) => [s.path, s.body]));
    if (bodies.size !== scripts.length) throw invalid("scripts: each path may be given once");
    for (const path of bodies.keys()) {
      if (!manifest.scripts.some((s) => s.path === path)) throw invalid(`script ${path} is not in the manifest`);
    }
    for (const script of manifest.scripts) {
      const body = bodies.get(script.path);
      if (body === undefined) throw invalid(`missing body for script ${script.path}`);
      if (sha256Hex(body) !== script.sha256) throw invalid(`script ${script.path} does not match its sha256`);
    }
    const manifestSha256 = sha256Hex(signed.manifest);
    // Across tenants on purpose (a manifest published once anywhere is a replay elsewhere): system context, not RLS.
    const [seen] = await asSystem("a signed manifest is published once, whichever tenant published it", () =>
      this.db.select({ id: releases.id }).from(releases).where(eq(releases.manifestSha256, manifestSha256)),
    );
    if (seen) throw conflict("this signed manifest has already been published");
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(releases)
        .values({
          id: newId("rel"),
          tenantId: principal.tenantId,
          channel: manifest.channel,
          version: manifest.version,
          notes: manifest.notes,
          manifest: signed.manifest,
          manifestSha256,
          signature: signed.signature,
          publicKey: signed.publicKey,
          expiresAt,
          publishedBy: principal.userId,
        })
        .returning();
      if (manifest.scripts.length) {
        await tx.insert(releaseScripts).values(
          manifest.scripts.map((s) => ({
            releaseId: row!.id,
            path: s.path,
            sha256: s.sha256,
            body: bodies.get(s.path)!,
          })),
        );
      }
      await this.audit.record(
        {
          tenantId: principal.tenantId,
          actor: principal.userId,
          action: "release.published",
          detail: { channel: manifest.channel, version: manifest.version, publicKey: signed.publicKey },
        },
        tx,
      );
      return this.presentRelease(row!);
    });
  }

  /** The tenant's release `id` (its stored row), or undefined. */
  async releaseRow(tenantId: string, id: string) {
    const [row] = await this.db
      .select()
      .from(releases)
      .where(and(eq(releases.id, id), eq(releases.tenantId, tenantId)));
    return row;
  }

  async listReleases(tenantId: string, channel?: string) {
    const rows = await this.db
      .select()
      .from(releases)
      .where(and(eq(releases.tenantId, tenantId), channel ? eq(releases.channel, channel) : undefined))
      .orderBy(desc(releases.createdAt));
    return rows.map((r) => this.presentRelease(r));
  }

  /**
   * The channel's newest release an agent could accept: not expired, signed by a key the tenant trusts now and, when
   * the agent says which key it pins, by that key. An untrusted or expired release never hides a good one.
   */
  async latest(tenantId: string, channel = DEFAULT_CHANNEL, pinnedKey?: string): Promise<Release | undefined> {
    const trusted = [...(await this.keys.trusted(tenantId))].filter((k) => !pinnedKey || k === pinnedKey);
    if (trusted.length === 0) return undefined;
    const rows = await this.db
      .select()
      .from(releases)
      .where(
        and(
          eq(releases.tenantId, tenantId),
          eq(releases.channel, channel),
          gt(releases.expiresAt, new Date()),
          inArray(releases.publicKey, trusted),
        ),
      );
    return rows.sort((a, b) => compareVersions(b.version, a.version))[0];
  }

  async manifest(principal: RuntimePrincipal, channel = DEFAULT_CHANNEL, pinnedKey?: string) {
    const release = await this.latest(principal.tenantId, channel, pinnedKey);
    if (!release) throw notFound(`release on channel ${channel}`);
    return {
      ok: true,
      channel,
      releaseId: release.id,
      version: release.version,
      notes: release.notes,
      publishedAt: release.createdAt,
      signedManifest: signedOf(release),
    };
  }

  /** A script body, of one release of the runtime's tenant. */
  async script(principal: RuntimePrincipal, address: ScriptAddress): Promise<string> {
    if (!isSafeScriptPath(address.path)) throw invalid("invalid script path");
    const where = and(
      eq(releases.tenantId, principal.tenantId),
      eq(releaseScripts.path, address.path),
      address.releaseId ? eq(releaseScripts.releaseId, address.releaseId) : undefined,
      address.sha256 ? eq(releaseScripts.sha256, address.sha256.toLowerCase()) : undefined,
    );
    const matches = await this.db
      .selectDistinct({ sha256: releaseScripts.sha256 })
      .from(releaseScripts)
      .innerJoin(releases, eq(releases.id, releaseScripts.releaseId))
      .where(where)
      .limit(2);
    if (matches.length === 0) throw notFound("script");
    if (matches.length > 1)
      throw conflict("several releases have different scripts at this path: address it by releaseId (and sha256)");
    const [row] = await this.db
      .select({ body: releaseScripts.body })
      .from(releaseScripts)
      .innerJoin(releases, eq(releases.id, releaseScripts.releaseId))
      .where(and(where, eq(releaseScripts.sha256, matches[0]!.sha256)))
      .limit(1);
    return row!.body;
  }

  async check(principal: RuntimePrincipal, currentVersion: string, channel = DEFAULT_CHANNEL, pinnedKey?: string) {
    return this.offer(principal, currentVersion, channel, await this.latest(principal.tenantId, channel, pinnedKey));
  }

  /** The update decision for a runtime on `release` (the channel's newest acceptable one, already looked up). */
  private offer(principal: RuntimePrincipal, currentVersion: string, channel: string, release: Release | undefined) {
    const manifest = release ? (JSON.parse(release.manifest) as ReleaseManifest) : undefined;
    const updateAvailable = Boolean(release && compareVersions(release.version, currentVersion) > 0);
    return {
      ok: true,
      runtimeId: principal.runtimeId,
      agentId: principal.hostId,
      userId: principal.userId,
      channel,
      currentVersion,
      releaseId: release?.id ?? null,
      targetVersion: release?.version ?? currentVersion,
      updateAvailable,
      requiresApproval: true,
      notes: release?.notes ?? "",
      scripts: (manifest?.scripts ?? []).map((s) => ({
        ...s,
        url: `${this.publicUrl}/api/runtime/updates/scripts?${new URLSearchParams({ releaseId: release!.id, path: s.path, sha256: s.sha256 })}`,
      })),
      signedManifest: release ? signedOf(release) : null,
    };
  }

  /** A one-time grant for one agent; `deliver` also sends the agent a `runtime.update` command. */
  async grant(
    principal: UserPrincipal,
    hostId: string,
    opts: { channel?: string; targetVersion?: string; ttlSeconds?: number; deliver?: boolean },
  ) {
    await this.hosts.assertOwned(principal.tenantId, hostId, { what: "agent" });
    const channel = opts.channel ?? DEFAULT_CHANNEL;
    const grantToken = newSecret("rtug_");
    const ttlSeconds = opts.ttlSeconds ?? 300;
    const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
    const [row] = await this.db
      .insert(updateGrants)
      .values({
        id: newId("grant"),
        tenantId: principal.tenantId,
        hostId,
        tokenHash: hashSecret(grantToken),
        channel,
        targetVersion: opts.targetVersion ?? null,
        createdBy: principal.userId,
        expiresAt,
      })
      .returning();
    await this.audit.record({
      tenantId: principal.tenantId,
      hostId,
      actor: principal.userId,
      action: "update.granted",
      detail: { grantId: row!.id, channel, targetVersion: opts.targetVersion ?? null },
    });
    let commandId: string | undefined;
    if (opts.deliver) {
      const command = await this.commands.create(principal.tenantId, {
        hostId,
        kind: "runtime.update",
        params: {
          grantToken,
          grantId: row!.id,
          channel,
          ...(opts.targetVersion ? { targetVersion: opts.targetVersion } : {}),
        },
      });
      commandId = command.id;
      // The token must not outlive the grant in the stored command (the periodic sweep covers restarts).
      this.later(ttlSeconds * 1000 + 500, () => this.scrubSpentGrants(hostId));
    }
    return {
      grantId: row!.id,
      grantToken,
      agentId: hostId,
      channel,
      targetVersion: opts.targetVersion ?? null,
      expiresAt: expiresAt.toISOString(),
      commandId,
    };
  }

  /**
   * One-time grants for many agents at once (a rollout batch), each delivered as a `runtime.update` command, all
   * inserted set-based in the caller's transaction. Returns the commands: announce them once it has committed.
   */
  async grantMany(
    q: Queryable,
    tenantId: string,
    actor: string,
    hostIds: string[],
    opts: { channel: string; targetVersion: string; ttlSeconds: number },
  ) {
    if (hostIds.length === 0) return [];
    const expiresAt = new Date(Date.now() + opts.ttlSeconds * 1000);
    const issued = hostIds.map((hostId) => ({ hostId, grantId: newId("grant"), grantToken: newSecret("rtug_") }));
    await q.insert(updateGrants).values(
      issued.map((g) => ({
        id: g.grantId,
        tenantId,
        hostId: g.hostId,
        tokenHash: hashSecret(g.grantToken),
        channel: opts.channel,
        targetVersion: opts.targetVersion,
        createdBy: actor,
        expiresAt,
      })),
    );
    await this.audit.recordMany(
      issued.map((g) => ({
        tenantId,
        hostId: g.hostId,
        actor,
        action: "update.granted",
        detail: { grantId: g.grantId, channel: opts.channel, targetVersion: opts.targetVersion },
      })),
      q,
    );
    const rows = await this.commands.insertMany(
      q,
      tenantId,
      issued.map((g) => ({
        hostId: g.hostId,
        kind: "runtime.update",
        params: {
          grantToken: g.grantToken,
          grantId: g.grantId,
          channel: opts.channel,
          targetVersion: opts.targetVersion,
        },
        ttlSeconds: opts.ttlSeconds,
      })),
    );
    // The tokens must not outlive their grants in the stored commands (the periodic sweep covers restarts).
    this.later(opts.ttlSeconds * 1000 + 500, () => this.scrubSpentGrants());
    return rows;
  }

  /** Consumes the grant (once) and authorises the agent to run the release's scripts. */
  async apply(
    principal: RuntimePrincipal,
    input: {
      approved: boolean;
      grantToken: string;
      currentVersion: string;
      channel?: string;
      targetVersion: string;
      publicKey?: string;
    },
  ) {
    const channel = input.channel ?? DEFAULT_CHANNEL;
    if (input.approved !== true) throw invalid("approved must be true");
    const release = await this.latest(principal.tenantId, channel, input.publicKey);
    if (!release || release.version !== input.targetVersion)
      throw conflict(`${input.targetVersion} is not the current release of ${channel}`);
    const now = new Date();
    const [grant] = await this.db
      .update(updateGrants)
      .set({ usedAt: now, appliedVersion: release.version })
      .where(
        and(
          eq(updateGrants.tokenHash, hashSecret(input.grantToken)),
          eq(updateGrants.tenantId, principal.tenantId),
          eq(updateGrants.hostId, principal.hostId),
          eq(updateGrants.channel, channel),
          isNull(updateGrants.usedAt),
          gt(updateGrants.expiresAt, now),
          or(isNull(updateGrants.targetVersion), eq(updateGrants.targetVersion, input.targetVersion)),
        ),
      )
      .returning();
    if (!grant) {
      await this.audit.record({
        tenantId: principal.tenantId,
        hostId: principal.hostId,
        actor: principal.runtimeId,
        action: "update.apply_refused",
        detail: { targetVersion: input.targetVersion },
      });
      throw rejectedCredential("forbidden", "invalid, used or expired grant token");
    }
    await this.scrubSpentGrants(principal.hostId);
    await this.audit.record({
      tenantId: principal.tenantId,
      hostId: principal.hostId,
      actor: principal.runtimeId,
      action: "update.apply_authorised",
      detail: {
        grantId: grant.id,
        releaseId: release.id,
        fromVersion: input.currentVersion,
        toVersion: input.targetVersion,
      },
    });
    return {
      ...this.offer(principal, input.currentVersion, channel, release),
      approved: true,
      canExecuteRemoteScripts: true,
    };
  }

  /**
   * Records an agent's update outcome. `applied` changes the recorded version, so it is accepted only for a grant this
   * agent spent on that version, once; `failed` and `rejected` only go to the audit trail.
   */
  async report(
    principal: RuntimePrincipal,
    input: {
      channel?: string;
      fromVersion: string;
      toVersion: string;
      status: "applied" | "failed" | "rejected";
      reason?: string;
    },
  ) {
    const channel = input.channel ?? DEFAULT_CHANNEL;
    const detail = {
      channel,
      fromVersion: input.fromVersion,
      toVersion: input.toVersion,
      reason: input.reason ?? null,
    };
    const entry = { tenantId: principal.tenantId, hostId: principal.hostId, actor: principal.runtimeId, detail };
    if (input.status !== "applied") {
      await this.audit.record({ ...entry, action: `update.${input.status}` });
      return { ok: true };
    }
    const recorded = await this.db.transaction(async (tx) => {
      const [grant] = await tx
        .update(updateGrants)
        .set({ reportedAt: new Date() })
        .where(
          and(
            eq(updateGrants.tenantId, principal.tenantId),
            eq(updateGrants.hostId, principal.hostId),
            eq(updateGrants.channel, channel),
            eq(updateGrants.appliedVersion, input.toVersion),
            isNotNull(updateGrants.usedAt),
            isNull(updateGrants.reportedAt),
          ),
        )
        .returning({ id: updateGrants.id });
      if (!grant) return false;
      await this.runtime.setRuntimeVersion(tx, principal.runtimeId, input.toVersion);
      await this.hosts.setAgentVersion(tx, principal.hostId, input.toVersion);
      await this.audit.record({ ...entry, action: "update.applied", detail: { ...detail, grantId: grant.id } }, tx);
      return true;
    });
    if (!recorded) {
      await this.audit.record({ ...entry, action: "update.report_refused" });
      throw conflict(
        `no update to ${input.toVersion} on ${channel} was authorised for this agent, or it was already reported`,
      );
    }
    return { ok: true };
  }

  /**
   * Removes delivered grant tokens from stored `runtime.update` commands once they can no longer be used: the command
   * ended, or its grant was spent or expired.
   */
  async scrubSpentGrants(hostId?: string) {
    await this.commands.scrubGrantTokens(
      (grantId) => sql`exists (select 1 from ${updateGrants} where ${updateGrants.id} = ${grantId}
                  and ${updateGrants.usedAt} is null and ${updateGrants.expiresAt} > now())`,
      hostId,
    );
  }

  /** Sweeps spent grants every `intervalMs` until `stop()`. */
  startGrantSweeper(intervalMs: number, onError: (err: unknown) => void) {
    const timer = setInterval(() => this.scrubSpentGrants().catch(onError), intervalMs);
    this.timers.add(timer);
    this.scrubSpentGrants().catch(onError);
  }

  stop() {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private later(ms: number, run: () => Promise<unknown>) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run().catch(() => {});
    }, ms);
    this.timers.add(timer);
  }

  private presentRelease(row: Release) {
    const manifest = JSON.parse(row.manifest) as ReleaseManifest;
    return {
      id: row.id,
      channel: row.channel,
      version: row.version,
      notes: row.notes,
      expiresAt: row.expiresAt,
      createdAt: row.createdAt,
      scripts: manifest.scripts,
      publicKey: row.publicKey,
    };
  }
}

function signedOf(release: Release): SignedManifest {
  return { manifest: release.manifest, signature: release.signature, publicKey: release.publicKey };
}
